import AsyncHTTPClient
import NIOCore
import ObjectStore
import NIOHTTP1
import Synchronization

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
/// those into transient errors.
public protocol S3Transport: Sendable {
    /// Sends one request and reads the whole response (at most `maxBodyBytes` of body).
    func send(_ request: S3HTTPRequest, maxBodyBytes: Int) async throws -> S3HTTPResponse
    /// Releases connections.
    func shutdown() async throws
}

/// The real transport: AsyncHTTPClient with connect and read timeouts, no redirects followed
/// (an S3 redirect means a wrong region) and no decompression.
public final class AsyncHTTPClientTransport: S3Transport {
    let client: HTTPClient
    let requestTimeout: Duration
    private let isShutDown = Atomic<Bool>(false)

    /// A transport with its own HTTP client.
    public init(connectTimeout: Duration, readTimeout: Duration, requestTimeout: Duration) {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: Self.amount(connectTimeout), read: Self.amount(readTimeout)))
        configuration.decompression = .disabled
        configuration.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        self.requestTimeout = requestTimeout
    }

    public func send(_ request: S3HTTPRequest, maxBodyBytes: Int) async throws -> S3HTTPResponse {
        var http = HTTPClientRequest(url: request.url)
        http.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { http.headers.add(name: name, value: value) }
        if !request.body.isEmpty || request.method == "PUT" || request.method == "POST" {
            http.body = .bytes(ByteBuffer(bytes: request.body))
        }
        let response = try await client.execute(http, timeout: Self.amount(requestTimeout))
        // HEAD responses announce a length but carry no body.
        let body: ByteBuffer
        do {
            body = request.method == "HEAD" ? ByteBuffer() : try await response.body.collect(upTo: maxBodyBytes)
        } catch is NIOTooManyBytesError {
            throw ObjectStoreError(
                .rejected, "the answer is larger than the \(maxBodyBytes) bytes allowed (S3Configuration.maxObjectSize)",
                operation: request.method)
        }
        return S3HTTPResponse(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Array(buffer: body))
    }

    public func shutdown() async throws {
        if isShutDown.exchange(true, ordering: .relaxed) { return }
        try await client.shutdown()
    }

    deinit {
        // A forgotten shutdown must not crash or leak: start it; the client keeps itself alive
        // until it has finished.
        if !isShutDown.exchange(true, ordering: .relaxed) { _ = client.shutdown() }
    }

    static func amount(_ d: Duration) -> TimeAmount {
        .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }
}
