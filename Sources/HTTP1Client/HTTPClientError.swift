/// Every failure of ``HTTP1Transport``, grouped by what a caller can do about it. An answer
/// with any status is not an error: the caller reads the status.
///
/// | kind | what happened | caller's move |
/// |---|---|---|
/// | ``Kind-swift.struct/invalidURL`` | the URL is not `http(s)://host[:port]/path` | fix the URL |
/// | ``Kind-swift.struct/connectFailed`` | refused, unreachable, name not resolved | retry later, or check the host |
/// | ``Kind-swift.struct/connectTimeout`` | TCP connect or TLS handshake too slow | retry later |
/// | ``Kind-swift.struct/tls`` | handshake failed, certificate refused | check the endpoint and its certificate if it persists |
/// | ``Kind-swift.struct/connectionClosed`` | closed or reset before the answer was complete | retry (a write may have landed) |
/// | ``Kind-swift.struct/readTimeout`` | the server went silent | retry (a write may have landed) |
/// | ``Kind-swift.struct/requestTimeout`` | the whole request took too long | retry (a write may have landed) |
/// | ``Kind-swift.struct/responseTooLarge`` | the body is over the caller's limit | do not retry: the same answer comes back |
/// | ``Kind-swift.struct/malformedResponse`` | the bytes are not HTTP/1.1 | retry; the server or a proxy is broken |
/// | ``Kind-swift.struct/shutDown`` | the transport was shut down | stop |
///
/// Messages name the server (`host:port`) and never contain credentials.
public struct HTTPClientError: Error, Sendable, CustomStringConvertible {
    /// What went wrong; see the table on ``HTTPClientError``.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidURL, connectFailed, connectTimeout, tls, connectionClosed, readTimeout, requestTimeout,
                responseTooLarge, malformedResponse, shutDown
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The URL is not `http(s)://host[:port]/path`.
        public static let invalidURL = Kind(.invalidURL)
        /// The connection could not be opened (refused, unreachable, name not resolved).
        public static let connectFailed = Kind(.connectFailed)
        /// Opening the connection (TCP and TLS handshake) took longer than the connect timeout.
        public static let connectTimeout = Kind(.connectTimeout)
        /// The TLS handshake failed or the certificate was not accepted.
        public static let tls = Kind(.tls)
        /// The server closed or reset the connection before the answer was complete.
        public static let connectionClosed = Kind(.connectionClosed)
        /// The server sent nothing for longer than the read timeout.
        public static let readTimeout = Kind(.readTimeout)
        /// The whole request took longer than the request timeout (or found no free connection in it).
        public static let requestTimeout = Kind(.requestTimeout)
        /// The answer's body is larger than the caller allowed.
        public static let responseTooLarge = Kind(.responseTooLarge)
        /// The server's bytes are not a valid HTTP/1.1 answer.
        public static let malformedResponse = Kind(.malformedResponse)
        /// The transport was shut down.
        public static let shutDown = Kind(.shutDown)

        public var description: String { base.rawValue }
    }

    /// What went wrong.
    public let kind: Kind
    /// What happened, naming the server.
    public let message: String
    /// Whether any byte of the answer had arrived (a stale kept-alive connection closes before).
    public let answerStarted: Bool

    /// An error of `kind`; public so that fakes of a transport can throw what the real one does.
    public init(_ kind: Kind, _ message: String, answerStarted: Bool = false) {
        self.kind = kind
        self.message = message
        self.answerStarted = answerStarted
    }

    public var description: String { message }
}
