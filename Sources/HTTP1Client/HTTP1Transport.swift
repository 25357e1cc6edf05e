import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The real transport: HTTP/1.1 over SwiftNIO, with TLS 1.2 or later (system trust roots, SNI,
/// hostname verification) for `https`. Keeps up to `maxConnectionsPerHost` connections (four unless
/// told) per scheme, host and port, alive between requests; follows no redirect (the caller decides what one means) and asks for no
/// compression, so bodies arrive exactly as the server holds them. Knows nothing of what it
/// carries: every failure is an ``HTTPClientError`` and every answer, whatever its status, a
/// ``HTTP1Response``.
public final class HTTP1Transport: Sendable {
    let connectTimeout: TimeAmount
    let readTimeout: TimeAmount
    let requestTimeout: TimeAmount
    let pool: ConnectionPool
    let group: any EventLoopGroup
    private let tls = Mutex<NIOSSLContext?>(nil)
    /// nil: the system's trust roots. Tests give a configuration trusting their own CA.
    let tlsConfiguration: TLSConfiguration?

    /// A transport with timeouts for opening a connection, for silence while waiting for the
    /// answer, and for the whole request. Requests beyond `maxConnectionsPerHost` at once to one
    /// host wait for a connection: over a network, the number of requests in flight.
    public convenience init(connectTimeout: Duration, readTimeout: Duration, requestTimeout: Duration, maxConnectionsPerHost: Int = 4) {
        self.init(connectTimeout: connectTimeout, readTimeout: readTimeout, requestTimeout: requestTimeout,
                  maxConnectionsPerHost: maxConnectionsPerHost, tlsConfiguration: nil)
    }

    init(connectTimeout: Duration, readTimeout: Duration, requestTimeout: Duration, maxConnectionsPerHost: Int = 4,
         tlsConfiguration: TLSConfiguration?) {
        self.tlsConfiguration = tlsConfiguration
        self.connectTimeout = Self.amount(connectTimeout)
        self.readTimeout = Self.amount(readTimeout)
        self.requestTimeout = Self.amount(requestTimeout)
        // The shared event loops: nothing to shut down, and no extra threads when the binary
        // already uses them.
        self.group = MultiThreadedEventLoopGroup.singleton
        self.pool = ConnectionPool(maxPerHost: max(1, maxConnectionsPerHost), idleTimeout: .seconds(15))
    }

    public func send(_ request: HTTP1Request, maxBodyBytes: Int) async throws -> HTTP1Response {
        let deadline = NIODeadline.now() + requestTimeout
        let (target, pathAndQuery) = try Target.parse(request.url)
        var headers = HTTPHeaders()
        // The Host header must be exactly the authority that was signed.
        headers.add(name: "Host", value: target.authority)
        for (name, value) in request.headers { headers.add(name: name, value: value) }
        let sendsBody = !request.body.isEmpty || request.method == "PUT" || request.method == "POST"
        if sendsBody { headers.add(name: "Content-Length", value: String(request.body.count)) }
        let head = HTTPRequestHead(
            version: .http1_1, method: HTTPMethod(rawValue: request.method), uri: pathAndQuery, headers: headers)
        let body = sendsBody && !request.body.isEmpty ? ByteBuffer(bytes: request.body) : nil
        // GET, HEAD and DELETE may be sent again when a kept-alive connection turns out to be
        // closed; writes go back to the store, whose retries know whether one may have landed.
        let idempotent = ["GET", "HEAD", "DELETE"].contains(request.method)

        var retriedStale = false
        while true {
            let (channel, reused) = try await lease(target, deadline: deadline)
            do {
                let answer = try await exchange(
                    on: channel,
                    HTTPExchange(
                        head: head, body: body, maxBodyBytes: maxBodyBytes, readTimeout: readTimeout, deadline: deadline,
                        requestTimeout: requestTimeout, promise: channel.eventLoop.makePromise()))
                pool.release(target.key, channel, reusable: answer.keepAlive)
                return HTTP1Response(status: answer.status, headers: answer.headers, body: answer.body)
            } catch let error as HTTPClientError
                where reused && idempotent && !retriedStale && error.kind == .connectionClosed && !error.answerStarted
            {
                pool.release(target.key, channel, reusable: false)
                retriedStale = true
            } catch {
                pool.release(target.key, channel, reusable: false)
                throw error
            }
        }
    }

    public func shutdown() async throws {
        for channel in pool.shutDown() { try? await channel.close() }
    }

    deinit {
        // A forgotten shutdown must not leak sockets: close what is idle (in-flight requests
        // hold the transport, so there are none).
        for channel in pool.shutDown() { channel.close(promise: nil) }
    }

    // MARK: - Connections

    /// An idle connection to `target`, or a new one.
    func lease(_ target: Target, deadline: NIODeadline) async throws -> (any Channel, reused: Bool) {
        let busy = HTTPClientError(
            .requestTimeout,
            "all \(pool.maxPerHost) connections to \(target.authority) stayed busy for the request timeout of \(Self.seconds(requestTimeout))")
        switch try await pool.acquire(target.key, deadline: deadline, timeout: busy) {
        case .reuse(let channel):
            return (channel, true)
        case .connect:
            do {
                return (try await connect(target, deadline: deadline), false)
            } catch {
                pool.connectFailed(target.key)
                throw error
            }
        }
    }

    func connect(_ target: Target, deadline: NIODeadline) async throws -> any Channel {
        let timeout = min(connectTimeout, deadline - .now())
        guard timeout > .nanoseconds(0) else {
            throw Self.requestTimedOut(requestTimeout, target.authority, detail: " (no time was left to connect)")
        }
        let tlsContext = target.scheme == "https" ? try tlsContext() : nil
        // SNI and hostname checks take names; for an IP address NIOSSL checks the
        // certificate's IP entries against the connected address instead.
        let serverName = Target.isIPAddress(target.host) ? nil : target.host
        let loop = group.next()
        let ready = loop.makePromise(of: Void.self)
        let remote = target.authority
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    if let tlsContext {
                        try sync.addHandler(NIOSSLClientHandler(context: tlsContext, serverHostname: serverName))
                    }
                    try sync.addHTTPClientHandlers()
                    try sync.addHandler(ExchangeHandler(remote: remote, ready: ready, waitsForTLS: tlsContext != nil))
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: target.host, port: target.port).get()
        } catch {
            // A certificate refused during the connection's first moments can surface as a
            // reset of the connect itself; the handshake's own error says more.
            // (Failing `ready` does nothing when the handshake has failed it already.)
            ready.fail(error)
            do { try await ready.futureResult.get() } catch let e as HTTPClientError where e.kind == .tls { throw e } catch {}
            throw Self.connectError(error, target: target, timeout: timeout)
        }
        // The TLS handshake counts against the connect timeout too.
        let handshakeTimer = loop.scheduleTask(deadline: .now() + timeout) {
            ready.fail(HTTPClientError(.connectTimeout, "the TLS handshake with \(remote) took longer than \(Self.seconds(timeout))"))
        }
        do {
            try await ready.futureResult.get()
            handshakeTimer.cancel()
            return channel
        } catch {
            handshakeTimer.cancel()
            try? await channel.close()
            throw error
        }
    }

    func tlsContext() throws -> NIOSSLContext {
        try tls.withLock { cached in
            if let cached { return cached }
            // Loaded on first use only: plain-http setups never pay for the trust store.
            let context: NIOSSLContext
            do {
                context = try NIOSSLContext(configuration: Self.requiringTLS12(tlsConfiguration ?? .makeClientConfiguration()))
            } catch {
                throw HTTPClientError(.tls, "could not set up TLS with the system's trust roots (\(error))")
            }
            cached = context
            return context
        }
    }

    /// `configuration` with TLS 1.0 and 1.1 refused: NIOSSL's client default still offers them,
    /// and a server (or a man in the middle) could pick them. A higher minimum stays.
    static func requiringTLS12(_ configuration: TLSConfiguration) -> TLSConfiguration {
        var c = configuration
        switch c.minimumTLSVersion {
        case .tlsv1, .tlsv11: c.minimumTLSVersion = .tlsv12
        case .tlsv12, .tlsv13: break
        }
        return c
    }

    /// Sends one request on `channel` and waits for the whole answer.
    func exchange(on channel: any Channel, _ exchange: HTTPExchange) async throws -> HTTPAnswer {
        let promise = exchange.promise
        return try await withTaskCancellationHandler {
            channel.writeAndFlush(exchange).whenFailure { promise.fail($0) }
            return try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
            channel.close(promise: nil)
        }
    }

    // MARK: - Errors and durations

    static func connectError(_ error: any Error, target: Target, timeout: TimeAmount) -> any Error {
        let remote = target.authority
        if let error = error as? HTTPClientError { return error }
        if case ChannelError.connectTimeout = error {
            return HTTPClientError(.connectTimeout, "connecting to \(remote) took longer than \(seconds(timeout))")
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.isEmpty {
                return HTTPClientError(.connectFailed, "could not resolve the host name \(target.host)")
            }
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return HTTPClientError(.connectFailed, "\(remote) refused the connection (is the endpoint right and the server up?)")
            }
            let reasons = error.connectionErrors.map { "\($0.target): \($0.error)" }.joined(separator: "; ")
            return HTTPClientError(.connectFailed, "could not connect to \(remote) (\(reasons))")
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return HTTPClientError(.connectFailed, "\(remote) refused the connection (is the endpoint right and the server up?)")
        }
        return HTTPClientError(.connectFailed, "could not connect to \(remote) (\(error))")
    }

    static func requestTimedOut(_ limit: TimeAmount, _ remote: String, detail: String = "") -> HTTPClientError {
        HTTPClientError(.requestTimeout, "no complete answer from \(remote) within \(seconds(limit))\(detail)")
    }

    static func amount(_ d: Duration) -> TimeAmount {
        .nanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }

    static func seconds(_ t: TimeAmount) -> String {
        let tenths = t.nanoseconds / 100_000_000
        return tenths % 10 == 0 ? "\(tenths / 10) s" : "\(tenths / 10).\(tenths % 10) s"
    }
}

// MARK: - URL

/// Where a request goes, from its URL.
struct Target: Sendable {
    /// `http` or `https`.
    let scheme: String
    /// The host without IPv6 brackets, as the resolver and TLS want it.
    let host: String
    let port: Int
    /// `host[:port]` exactly as written in the URL: the signed `Host` value.
    let authority: String

    var key: ConnectionPool.Key { .init(scheme: scheme, host: host, port: port) }

    /// Splits `scheme://authority/path?query` into the target and the request-target.
    static func parse(_ url: String) throws(HTTPClientError) -> (Target, String) {
        let bad = { (why: String) in HTTPClientError(.invalidURL, "invalid request URL \"\(Target.withoutUserInfo(url))\": \(why)") }
        guard let colon = url.firstIndex(of: ":"), url[colon...].hasPrefix("://") else { throw bad("no scheme") }
        let scheme = url[..<colon].lowercased()
        guard scheme == "http" || scheme == "https" else { throw bad("the scheme must be http or https") }
        let rest = url[url.index(colon, offsetBy: 3)...]
        let authorityEnd: Substring.Index = rest.firstIndex(where: { (c: Character) in c == "/" || c == "?" || c == "#" }) ?? rest.endIndex
        let authority = String(rest[..<authorityEnd])
        var pathAndQuery = String(rest[authorityEnd...])
        if pathAndQuery.hasPrefix("#") { throw bad("a fragment is not sent") }
        if !pathAndQuery.hasPrefix("/") { pathAndQuery = "/" + pathAndQuery }
        guard !authority.isEmpty, !authority.contains("@") else { throw bad("expected host[:port]") }

        var host = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw bad("unclosed [ in the IPv6 address") }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("expected :port after the IPv6 address") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.firstIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        }
        var port = scheme == "https" ? 443 : 80
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw bad("invalid port \"\(portText)\"") }
            port = p
        }
        guard !host.isEmpty else { throw bad("no host") }
        return (Target(scheme: scheme, host: host, port: port, authority: authority), pathAndQuery)
    }

    /// `url` with any `user:password@` removed, for messages: the parse refuses user information,
    /// and the refusal must not print a password.
    static func withoutUserInfo(_ url: String) -> String {
        var start = url.startIndex
        if let range = url.firstRange(of: "://") { start = range.upperBound }
        let end = url[start...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? url.endIndex
        guard let at = url[start..<end].lastIndex(of: "@") else { return url }
        return String(url[..<start]) + String(url[url.index(after: at)...])
    }

    /// Whether `host` is an IPv4 or IPv6 literal (which TLS must not send as SNI).
    static func isIPAddress(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }
}

// MARK: - One request on one connection

/// A request for the connection's ``ExchangeHandler``, with the promise of its answer.
struct HTTPExchange: Sendable {
    let head: HTTPRequestHead
    let body: ByteBuffer?
    let maxBodyBytes: Int
    let readTimeout: TimeAmount
    let deadline: NIODeadline
    let requestTimeout: TimeAmount
    let promise: EventLoopPromise<HTTPAnswer>
}

/// A complete answer.
struct HTTPAnswer: Sendable {
    let status: Int
    let headers: [(name: String, value: String)]
    let body: [UInt8]
    /// Whether the connection may carry another request.
    let keepAlive: Bool
}

/// Last in each connection's pipeline: writes one request at a time and collects its answer,
/// enforcing the read timeout, the request deadline and the body limit.
final class ExchangeHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPExchange
    typealias OutboundOut = HTTPClientRequestPart

    let remote: String
    let ready: EventLoopPromise<Void>
    let waitsForTLS: Bool

    private var current: HTTPExchange?
    private var responseHead: HTTPResponseHead?
    private var body: ByteBuffer?
    private var answerStarted = false
    private var requestSent = false
    private var lastRead = NIODeadline.now()
    private var readTimer: Scheduled<Void>?
    private var deadlineTimer: Scheduled<Void>?

    init(remote: String, ready: EventLoopPromise<Void>, waitsForTLS: Bool) {
        self.remote = remote
        self.ready = ready
        self.waitsForTLS = waitsForTLS
    }

    func channelActive(context: ChannelHandlerContext) {
        if !waitsForTLS { ready.succeed() }
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Added to a channel that is already connected: channelActive will not come.
        if context.channel.isActive && !waitsForTLS { ready.succeed() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tls = event as? TLSUserEvent, case .handshakeCompleted = tls { ready.succeed() }
        context.fireUserInboundEventTriggered(event)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let exchange = unwrapOutboundIn(data)
        guard current == nil else {
            // The pool leases a connection to one request at a time; this is a bug, not the network.
            let error = HTTPClientError(.connectionClosed, "internal error: two requests on one connection to \(remote)")
            exchange.promise.fail(error)
            promise?.fail(error)
            return
        }
        current = exchange
        responseHead = nil
        body = nil
        answerStarted = false
        requestSent = false
        let loop = context.eventLoop.assumeIsolated()
        deadlineTimer = loop.scheduleTask(deadline: exchange.deadline) { [self] in
            let progress =
                responseHead != nil ? "the answer was incomplete"
                : requestSent ? "the request was sent, no answer came" : "the request was not yet sent completely"
            fail(context, HTTP1Transport.requestTimedOut(exchange.requestTimeout, remote, detail: " (\(progress))"))
        }
        context.write(wrapOutboundOut(.head(exchange.head)), promise: nil)
        if let payload = exchange.body { context.write(wrapOutboundOut(.body(.byteBuffer(payload))), promise: nil) }
        let sent = context.eventLoop.makePromise(of: Void.self)
        context.write(wrapOutboundOut(.end(nil)), promise: sent)
        sent.futureResult.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success:
                requestSent = true
                // The read timeout counts from the end of the upload: a large body may take
                // longer to send than the server stays silent.
                lastRead = .now()
                armReadTimer(context, in: exchange.readTimeout)
            case .failure(let error):
                fail(context, mapped(error))
            }
            promise?.completeWith(result)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let exchange = current else {
            // Bytes nobody asked for: the connection is out of step; do not reuse it.
            context.close(promise: nil)
            return
        }
        answerStarted = true
        lastRead = .now()
        switch unwrapInboundIn(data) {
        case .head(let head):
            responseHead = head
            let declared = exchange.head.method == .HEAD ? 0 : head.headers.first(name: "Content-Length").flatMap(Int.init) ?? 0
            if declared > exchange.maxBodyBytes {
                fail(context, tooLarge(exchange))
                return
            }
            body = context.channel.allocator.buffer(capacity: max(declared, 0))
        case .body(var part):
            if (body?.readableBytes ?? 0) + part.readableBytes > exchange.maxBodyBytes {
                fail(context, tooLarge(exchange))
                return
            }
            if body == nil { body = context.channel.allocator.buffer(capacity: part.readableBytes) }
            body!.writeBuffer(&part)
        case .end:
            guard let head = responseHead else {
                fail(context, HTTPClientError(.malformedResponse, "\(remote) ended an answer that had no status line", answerStarted: true))
                return
            }
            let answer = HTTPAnswer(
                status: Int(head.status.code), headers: head.headers.map { ($0.name, $0.value) },
                body: body.map { Array(buffer: $0) } ?? [], keepAlive: head.isKeepAlive)
            finish()
            exchange.promise.succeed(answer)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        ready.fail(HTTPClientError(.tls, "\(remote) closed the connection during the TLS handshake"))
        if current != nil {
            fail(
                context,
                HTTPClientError(
                    .connectionClosed,
                    answerStarted
                        ? "\(remote) closed the connection in the middle of the answer"
                        : "\(remote) closed the connection without answering",
                    answerStarted: answerStarted))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let error = mapped(error)
        ready.fail(error)
        fail(context, error)
        context.close(promise: nil)
    }

    // MARK: Helpers

    private func mapped(_ error: any Error) -> any Error {
        switch error {
        case is HTTPClientError, is CancellationError:
            return error
        case HTTPParserError.invalidEOFState:
            // The parser's view of a connection closed mid-answer: a cut, not bad bytes.
            return HTTPClientError(
                .connectionClosed, "\(remote) closed the connection in the middle of the answer", answerStarted: answerStarted)
        case is HTTPParserError:
            // Bytes that are not HTTP/1.1: a broken server or proxy, or a connection out of step.
            return HTTPClientError(
                .malformedResponse, "\(remote) sent an answer that is not valid HTTP/1.1 (\(error))", answerStarted: answerStarted)
        case is NIOSSLError, is NIOSSLExtraError, is BoringSSLError:
            return HTTPClientError(.tls, "TLS with \(remote) failed: \(error)", answerStarted: answerStarted)
        case let error as IOError where error.errnoCode == ECONNRESET || error.errnoCode == EPIPE:
            return HTTPClientError(.connectionClosed, "\(remote) reset the connection", answerStarted: answerStarted)
        case ChannelError.ioOnClosedChannel, ChannelError.eof, ChannelError.alreadyClosed, ChannelError.outputClosed:
            return HTTPClientError(
                .connectionClosed, "the connection to \(remote) was closed", answerStarted: answerStarted)
        default:
            return HTTPClientError(.connectionClosed, "the connection to \(remote) failed: \(error)", answerStarted: answerStarted)
        }
    }

    private func tooLarge(_ exchange: HTTPExchange) -> HTTPClientError {
        HTTPClientError(
            .responseTooLarge,
            "the answer from \(remote) to \(exchange.head.method.rawValue) is larger than the \(exchange.maxBodyBytes) bytes allowed",
            answerStarted: true)
    }

    private func armReadTimer(_ context: ChannelHandlerContext, in delay: TimeAmount) {
        readTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            guard let exchange = current else { return }
            // Reads move `lastRead` on; re-arming once per timeout is cheaper than per read.
            let silent = NIODeadline.now() - lastRead
            if silent >= exchange.readTimeout {
                fail(
                    context,
                    HTTPClientError(
                        .readTimeout, "\(remote) sent nothing for \(HTTP1Transport.seconds(exchange.readTimeout))",
                        answerStarted: answerStarted))
            } else {
                armReadTimer(context, in: exchange.readTimeout - silent)
            }
        }
    }

    /// Fails the request in flight and closes the connection, whose state is now unknown.
    private func fail(_ context: ChannelHandlerContext, _ error: any Error) {
        guard let exchange = current else { return }
        finish()
        exchange.promise.fail(error)
        context.close(promise: nil)
    }

    private func finish() {
        current = nil
        readTimer?.cancel()
        deadlineTimer?.cancel()
        readTimer = nil
        deadlineTimer = nil
        body = nil
    }
}

// MARK: - Pool

/// Connections kept alive between requests, at most `maxPerHost` per scheme, host and port;
/// requests beyond that wait for one to come free.
final class ConnectionPool: Sendable {
    struct Key: Hashable, Sendable {
        let scheme: String
        let host: String
        let port: Int
    }

    enum Lease: Sendable {
        case reuse(any Channel)
        /// A slot was reserved: open a connection, and call ``connectFailed`` if that fails.
        case connect
    }

    private struct Idle {
        let channel: any Channel
        let parking: Int
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Lease, any Error>
    }

    private struct State {
        var idle: [Key: [Idle]] = [:]
        var open: [Key: Int] = [:]
        var waiters: [Key: [Waiter]] = [:]
        var counter = 0
        /// Waits that ended before they were registered: the timeout error, or nil for a cancellation.
        var abandoned: [Int: HTTPClientError?] = [:]
        /// Waits not yet served.
        var pending: Set<Int> = []
        var isShutDown = false
    }

    let maxPerHost: Int
    let idleTimeout: TimeAmount
    private let state = Mutex(State())

    init(maxPerHost: Int, idleTimeout: TimeAmount) {
        self.maxPerHost = maxPerHost
        self.idleTimeout = idleTimeout
    }

    func acquire(_ key: Key, deadline: NIODeadline, timeout: HTTPClientError) async throws -> Lease {
        enum Step {
            case lease(Lease)
            case wait
        }
        var closed: [any Channel] = []
        let step: Step = try state.withLock { s throws(HTTPClientError) in
            if s.isShutDown { throw HTTPClientError(.shutDown, "the HTTP transport was shut down") }
            while let idle = s.idle[key]?.popLast() {
                if idle.channel.isActive { return .lease(.reuse(idle.channel)) }
                closed.append(idle.channel)
                s.open[key, default: 1] -= 1
            }
            if s.open[key, default: 0] < maxPerHost {
                s.open[key, default: 0] += 1
                return .lease(.connect)
            }
            return .wait
        }
        for channel in closed { channel.close(promise: nil) }
        if case .lease(let lease) = step { return lease }

        // All connections are busy: wait for one, until the request's deadline.
        let id = state.withLock { s in
            s.counter += 1
            s.pending.insert(s.counter)
            return s.counter
        }
        let timer = MultiThreadedEventLoopGroup.singleton.next().scheduleTask(deadline: deadline) { [self] in
            resumeWaiter(key, id, failing: timeout)
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // The timer or a cancellation may have come first: then resume at once.
                let early: (any Error)? = state.withLock { s in
                    if s.isShutDown { return HTTPClientError(.shutDown, "the HTTP transport was shut down") }
                    if let why = s.abandoned.removeValue(forKey: id) {
                        s.pending.remove(id)
                        return why ?? CancellationError()
                    }
                    s.waiters[key, default: []].append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let early { continuation.resume(throwing: early) }
            }
        } onCancel: {
            resumeWaiter(key, id, failing: nil)
        }
    }

    /// Gives a connection back after a request: kept for the next one when `reusable`, else closed.
    func release(_ key: Key, _ channel: any Channel, reusable: Bool) {
        let keep = reusable && channel.isActive
        let (waiter, parking): (Waiter?, Int?) = state.withLock { s in
            if let waiter = s.waiters[key]?.first {
                s.waiters[key]!.removeFirst()
                s.pending.remove(waiter.id)
                return (waiter, nil)
            }
            if keep && !s.isShutDown {
                s.counter += 1
                s.idle[key, default: []].append(Idle(channel: channel, parking: s.counter))
                return (nil, s.counter)
            }
            s.open[key, default: 1] -= 1
            return (nil, nil)
        }
        if let waiter {
            // Hand the connection (or, when it is spent, its slot) straight to the next request.
            if !keep { channel.close(promise: nil) }
            waiter.continuation.resume(returning: keep ? .reuse(channel) : .connect)
        } else if let parking {
            channel.eventLoop.scheduleTask(in: idleTimeout) { [self] in expire(key, parking) }
        } else {
            channel.close(promise: nil)
        }
    }

    /// Frees the slot of a connection that could not be opened.
    func connectFailed(_ key: Key) {
        let waiter: Waiter? = state.withLock { s in
            if let waiter = s.waiters[key]?.first {
                s.waiters[key]!.removeFirst()
                s.pending.remove(waiter.id)
                return waiter
            }
            s.open[key, default: 1] -= 1
            return nil
        }
        waiter?.continuation.resume(returning: .connect)
    }

    /// Closes a connection that stayed idle for `idleTimeout` (servers drop idle connections
    /// too, and a reused dead one costs a failed request).
    private func expire(_ key: Key, _ parking: Int) {
        let channel: (any Channel)? = state.withLock { s in
            guard let index = s.idle[key]?.firstIndex(where: { $0.parking == parking }) else { return nil }
            s.open[key, default: 1] -= 1
            return s.idle[key]!.remove(at: index).channel
        }
        channel?.close(promise: nil)
    }

    /// Ends a wait with `error` (nil: the task was cancelled).
    private func resumeWaiter(_ key: Key, _ id: Int, failing error: HTTPClientError?) {
        let waiter: Waiter? = state.withLock { s in
            guard let index = s.waiters[key]?.firstIndex(where: { $0.id == id }) else {
                // Not registered yet: leave the reason for the registration.
                if s.pending.contains(id) { s.abandoned[id] = .some(error) }
                return nil
            }
            s.pending.remove(id)
            return s.waiters[key]!.remove(at: index)
        }
        if let waiter {
            if let error { waiter.continuation.resume(throwing: error) } else { waiter.continuation.resume(throwing: CancellationError()) }
        }
    }

    /// Stops the pool: fails waiting requests and returns the idle connections to close.
    func shutDown() -> [any Channel] {
        let (channels, waiters): ([any Channel], [Waiter]) = state.withLock { s in
            s.isShutDown = true
            let channels = s.idle.values.flatMap { $0.map(\.channel) }
            let waiters = s.waiters.values.flatMap { $0 }
            s.idle = [:]
            s.waiters = [:]
            s.open = [:]
            s.pending = []
            s.abandoned = [:]
            return (channels, waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: HTTPClientError(.shutDown, "the HTTP transport was shut down")) }
        return channels
    }
}
