/// One HTTP request as the S3 store builds it.
public struct S3HTTPRequest: Sendable {
    /// `GET`, `PUT`, …
    public var method: String
    /// The full URL, path and query already encoded exactly as signed.
    public var url: String
    /// Headers to send (the HTTP client adds `Host` and `Content-Length`).
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: [UInt8]

    /// A request.
    public init(method: String, url: String, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// The value of a header (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// One HTTP response.
public struct S3HTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The headers.
    public var headers: [(name: String, value: String)]
    /// The body.
    public var body: [UInt8]

    /// A response.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The value of a header (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Sends requests; the seam that lets unit tests script responses without sockets.
///
/// A transport throws for failures below HTTP (refused, reset, timed out); the store turns
/// those into transient errors. ``HTTP1Transport`` is the real one.
public protocol S3Transport: Sendable {
    /// Sends one request and reads the whole response (at most `maxBodyBytes` of body).
    func send(_ request: S3HTTPRequest, maxBodyBytes: Int) async throws -> S3HTTPResponse
    /// Releases connections.
    func shutdown() async throws
}
