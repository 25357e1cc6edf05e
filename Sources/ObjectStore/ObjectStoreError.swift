/// The one error type of every store, grouped by what a caller can do about it.
///
/// | kind | caller's move |
/// |---|---|
/// | ``Kind-swift.struct/configuration`` | stop and tell the user (missing bucket, bad endpoint, bad key, clock off) |
/// | ``Kind-swift.struct/credentials`` | stop and tell the user (wrong or expired keys, access denied) |
/// | ``Kind-swift.struct/notFound`` | the object (or upload) is not there |
/// | ``Kind-swift.struct/alreadyExists`` | a create-only put found an object |
/// | ``Kind-swift.struct/preconditionFailed`` | a conditional request lost (ETag changed) |
/// | ``Kind-swift.struct/transient`` | retry later (5xx, throttling, timeouts, resets, offline) |
/// | ``Kind-swift.struct/unsupported`` | the store lacks the feature; fall back |
/// | ``Kind-swift.struct/rejected`` | the store refused this request; retrying will not help |
///
/// The provider's own status, code and message are kept in ``provider`` so a report can quote
/// them. Messages never contain credentials.
public struct ObjectStoreError: Error, Sendable, CustomStringConvertible {
    /// What a caller can do; see the table on ``ObjectStoreError``.
    public struct Kind: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case configuration, credentials, notFound, alreadyExists, preconditionFailed, transient, unsupported,
                rejected
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// Settings are wrong: stop and tell the user.
        public static let configuration = Kind(.configuration)
        /// Credentials are wrong, expired or lack permission: stop and tell the user.
        public static let credentials = Kind(.credentials)
        /// No such object (or multipart upload).
        public static let notFound = Kind(.notFound)
        /// A create-only put found an existing object.
        public static let alreadyExists = Kind(.alreadyExists)
        /// A conditional request's precondition did not hold.
        public static let preconditionFailed = Kind(.preconditionFailed)
        /// Worth retrying: server errors, throttling, timeouts, connection failures.
        public static let transient = Kind(.transient)
        /// The store does not implement what was asked.
        public static let unsupported = Kind(.unsupported)
        /// The request was refused for a reason retrying will not fix.
        public static let rejected = Kind(.rejected)

        /// Whether retrying the same request may succeed.
        public var isRetryable: Bool { base == .transient }
        /// Whether only the user can fix it (settings or credentials).
        public var needsUserAction: Bool { base == .configuration || base == .credentials }

        public var description: String { base.rawValue }
    }

    /// What the provider said, verbatim.
    public struct ProviderDetail: Sendable, Equatable, CustomStringConvertible {
        /// The HTTP status, when there was a response.
        public var status: Int?
        /// The provider's error code, e.g. `NoSuchBucket`, `SlowDown`.
        public var code: String?
        /// The provider's message.
        public var message: String?
        /// The provider's request ID, for support tickets.
        public var requestID: String?

        /// A provider detail.
        public init(status: Int? = nil, code: String? = nil, message: String? = nil, requestID: String? = nil) {
            self.status = status
            self.code = code
            self.message = message
            self.requestID = requestID
        }

        public var description: String {
            var parts: [String] = []
            if let status { parts.append("HTTP \(status)") }
            if let code { parts.append(code) }
            if let message, !message.isEmpty { parts.append("\"\(message)\"") }
            if let requestID { parts.append("request \(requestID)") }
            return parts.joined(separator: " ")
        }
    }

    /// What a caller can do.
    public var kind: Kind
    /// What went wrong and, where we know, what was expected or how to fix it.
    public var message: String
    /// The object key concerned, if any.
    public var path: String?
    /// The operation, e.g. `PUT`, `LIST`.
    public var operation: String?
    /// The provider's status, code and message.
    public var provider: ProviderDetail?
    /// How many attempts were made (more than one when retried).
    public var attempts: Int
    /// The underlying error (a transport or file-system error), if any.
    public var underlying: (any Error)?

    /// An error of `kind` with a message.
    public init(
        _ kind: Kind, _ message: String, path: String? = nil, operation: String? = nil,
        provider: ProviderDetail? = nil, attempts: Int = 1, underlying: (any Error)? = nil
    ) {
        self.kind = kind
        self.message = message
        self.path = path
        self.operation = operation
        self.provider = provider
        self.attempts = attempts
        self.underlying = underlying
    }

    public var description: String {
        var text = "\(kind)"
        if let operation { text += " (\(operation)" + (path.map { " \($0)" } ?? "") + ")" } else if let path {
            text += " (\(path))"
        }
        text += ": \(message)"
        if let provider { text += " [\(provider)]" }
        if attempts > 1 { text += " after \(attempts) attempts" }
        if let underlying { text += " (cause: \(underlying))" }
        return text
    }
}
