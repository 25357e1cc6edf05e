import Foundation
@testable import HTTP1Client
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A loopback HTTP server for the transport tests: one thread per connection, answers scripted
/// per request, and a record of which connection carried which request.
final class LoopbackServer: Sendable {
    struct Request: Sendable {
        let head: String
        let body: [UInt8]
        let connection: Int
        var requestLine: String { String(head.split(separator: "\r\n").first ?? "") }
        func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n").dropFirst() {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    enum Action: Sendable {
        /// Write these bytes, then keep the connection open for the next request.
        case answer(String)
        /// Write these bytes, then close the connection.
        case answerAndClose(String)
        /// Close without answering.
        case close
        /// Never answer (until the server stops).
        case silence
    }

    let port: Int
    private let listener: Int32
    private let script: @Sendable (Request, Int) -> Action
    /// `sockets` holds the connections still open and `listening` whether the listener is: a
    /// descriptor leaves them, under the lock, in the same step that closes it, so `stop()` never
    /// shuts down a number the process has since reused (another test's listener, say — which
    /// once made the HTTPS tests fail).
    private let state = Mutex<(requests: [Request], connections: Int, sockets: [Int32], stopped: Bool, listening: Bool)>(
        ([], 0, [], false, true))

    private let greeting: [UInt8]

    /// `greeting` is written as soon as a connection is accepted, before any request.
    init(greeting: String = "", _ script: @escaping @Sendable (Request, Int) -> Action) throws {
        self.script = script
        self.greeting = Array(greeting.utf8)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        Thread.detachNewThread { [self] in
            // The listener is closed here, by the only thread that uses it, once it is done.
            defer {
                state.withLock { s in
                    s.listening = false
                    close(fd)
                }
            }
            while true {
                let connection = accept(fd, nil, nil)
                if connection < 0 { return }
                let index: Int? = state.withLock {
                    if $0.stopped { return nil }
                    $0.connections += 1
                    $0.sockets.append(connection)
                    return $0.connections
                }
                guard let index else {
                    close(connection)
                    return
                }
                Thread.detachNewThread { [self] in serve(connection, connection: index) }
            }
        }
    }

    var requests: [Request] { state.withLock { $0.requests } }
    var connections: Int { state.withLock { $0.connections } }
    var url: String { "http://127.0.0.1:\(port)" }

    /// Wakes the accept loop (which then closes the listener) and every open connection.
    func stop() {
        state.withLock { s in
            s.stopped = true
            if s.listening { shutdown(listener, Int32(SHUT_RDWR)) }
            for fd in s.sockets { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func serve(_ fd: Int32, connection: Int) {
        defer {
            state.withLock { s in
                s.sockets.removeAll { $0 == fd }
                close(fd)
            }
        }
        if !greeting.isEmpty { writeAll(fd, greeting) }
        var buffer: [UInt8] = []
        while true {
            // Read one request: head up to the blank line, then Content-Length bytes of body.
            var headEnd: Int?
            while headEnd == nil {
                if let range = findBlankLine(buffer) {
                    headEnd = range
                    break
                }
                guard let more = readSome(fd) else { return }
                buffer += more
            }
            let head = String(decoding: buffer[..<headEnd!], as: UTF8.self)
            buffer.removeFirst(headEnd! + 4)
            var request = Request(head: head, body: [], connection: connection)
            let length = request.header("Content-Length").flatMap(Int.init) ?? 0
            while buffer.count < length {
                guard let more = readSome(fd) else { return }
                buffer += more
            }
            request = Request(head: head, body: Array(buffer.prefix(length)), connection: connection)
            buffer.removeFirst(length)
            let index = state.withLock {
                $0.requests.append(request)
                return $0.requests.count - 1
            }
            switch script(request, index) {
            case .answer(let text):
                writeAll(fd, Array(text.utf8))
            case .answerAndClose(let text):
                writeAll(fd, Array(text.utf8))
                return
            case .close:
                return
            case .silence:
                while readSome(fd) != nil {}
                return
            }
        }
    }

    private func findBlankLine(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    private func readSome(_ fd: Int32) -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n > 0 ? Array(chunk.prefix(n)) : nil
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }
}

func ok(_ body: String, extra: String = "") -> String {
    "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\(extra)\r\n\(body)"
}

func transport(read: Duration = .seconds(5)) -> HTTP1Transport {
    // Generous limits: other suites hash megabytes in debug builds and can starve these tasks.
    HTTP1Transport(connectTimeout: .seconds(20), readTimeout: read, requestTimeout: .seconds(60))
}

/// The NIO client against a loopback server: connection reuse, framing, limits, timeouts.
@Suite(.serialized) struct HTTP1TransportTests {
    @Test func keptAliveConnectionsAreReused() async throws {
        let server = try LoopbackServer { request, index in .answer(ok("answer \(index)")) }
        defer { server.stop() }
        let client = transport()
        for i in 0..<3 {
            let response = try await client.send(.init(method: "GET", url: server.url + "/lake/a%20b?list-type=2"), maxBodyBytes: 100)
            #expect(response.status == 200 && response.body == Array("answer \(i)".utf8))
        }
        try await client.shutdown()
        #expect(server.connections == 1)
        let first = try #require(server.requests.first)
        #expect(first.requestLine == "GET /lake/a%20b?list-type=2 HTTP/1.1")
        #expect(first.header("Host") == "127.0.0.1:\(server.port)")
        #expect(first.header("Content-Length") == nil)
        #expect(first.header("Accept-Encoding") == nil)
    }

    @Test func connectionCloseIsHonoured() async throws {
        let server = try LoopbackServer { _, _ in .answerAndClose(ok("x", extra: "Connection: close\r\n")) }
        defer { server.stop() }
        let client = transport()
        for _ in 0..<2 { #expect(try await client.send(.init(method: "GET", url: server.url + "/"), maxBodyBytes: 10).body == [120]) }
        try await client.shutdown()
        #expect(server.connections == 2)
    }

    @Test func aStaleKeptAliveConnectionIsReplacedForReads() async throws {
        // The server drops the connection after each answer without saying so, as servers do
        // with idle connections; the next GET must not fail because of it.
        let server = try LoopbackServer { _, _ in .answerAndClose(ok("fresh")) }
        defer { server.stop() }
        let client = transport()
        _ = try await client.send(.init(method: "GET", url: server.url + "/"), maxBodyBytes: 10)
        try await Task.sleep(for: .milliseconds(50))
        let again = try await client.send(.init(method: "GET", url: server.url + "/"), maxBodyBytes: 10)
        #expect(again.body == Array("fresh".utf8))
        try await client.shutdown()
    }

    @Test func putsSendTheirBodyAndLength() async throws {
        let server = try LoopbackServer { _, _ in .answer(ok("")) }
        defer { server.stop() }
        let client = transport()
        _ = try await client.send(.init(method: "PUT", url: server.url + "/k", headers: [("Content-MD5", "abc")], body: [1, 2, 3]), maxBodyBytes: 10)
        _ = try await client.send(.init(method: "PUT", url: server.url + "/empty"), maxBodyBytes: 10)
        try await client.shutdown()
        let requests = server.requests
        #expect(requests.count == 2)
        #expect(requests[0].body == [1, 2, 3] && requests[0].header("Content-Length") == "3")
        #expect(requests[0].header("Content-MD5") == "abc")
        #expect(requests[1].body.isEmpty && requests[1].header("Content-Length") == "0")
    }

    @Test func headAnswersHaveNoBody() async throws {
        let server = try LoopbackServer { request, _ in
            request.requestLine.hasPrefix("HEAD") ? .answer("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nETag: \"e\"\r\n\r\n") : .answer(ok("after"))
        }
        defer { server.stop() }
        let client = transport()
        let head = try await client.send(.init(method: "HEAD", url: server.url + "/k"), maxBodyBytes: 10)
        #expect(head.status == 200 && head.body.isEmpty && head.header("content-length") == "1234")
        // The connection is still in step: the next answer is read correctly on it.
        let next = try await client.send(.init(method: "GET", url: server.url + "/k"), maxBodyBytes: 10)
        #expect(next.body == Array("after".utf8))
        try await client.shutdown()
        #expect(server.connections == 1)
    }

    @Test func chunkedAnswersAreJoined() async throws {
        let server = try LoopbackServer { _, _ in
            .answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        }
        defer { server.stop() }
        let client = transport()
        #expect(try await client.send(.init(method: "GET", url: server.url + "/"), maxBodyBytes: 10).body == Array("abcde".utf8))
        try await client.shutdown()
    }

    @Test func redirectsAreReturnedNotFollowed() async throws {
        let server = try LoopbackServer { _, _ in
            .answer("HTTP/1.1 301 Moved Permanently\r\nLocation: http://elsewhere.invalid/\r\nContent-Length: 0\r\n\r\n")
        }
        defer { server.stop() }
        let client = transport()
        #expect(try await client.send(.init(method: "GET", url: server.url + "/"), maxBodyBytes: 10).status == 301)
        try await client.shutdown()
        #expect(server.requests.count == 1)
    }

    @Test func answersOverTheLimitAreRejected() async throws {
        let big = String(repeating: "x", count: 2000)
        let server = try LoopbackServer { request, _ in
            request.requestLine.contains("chunked")
                ? .answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n\(big)\r\n0\r\n\r\n")
                : .answer(ok(big))
        }
        defer { server.stop() }
        let client = transport()
        for path in ["/declared", "/chunked"] {
            await #expect {
                _ = try await client.send(.init(method: "GET", url: server.url + path), maxBodyBytes: 1000)
            } throws: { error in
                (error as? HTTPClientError)?.kind == .responseTooLarge && "\(error)".contains("1000 bytes")
            }
        }
        try await client.shutdown()
    }

    @Test func aSilentServerTimesOut() async throws {
        let server = try LoopbackServer { _, _ in .silence }
        defer { server.stop() }
        let client = transport(read: .milliseconds(300))
        // The kind shows the read timer fired, not the (60 s) request timeout.
        await #expect {
            _ = try await client.send(.init(method: "GET", url: server.url + "/"), maxBodyBytes: 10)
        } throws: { error in
            (error as? HTTPClientError)?.kind == .readTimeout && "\(error)".contains("127.0.0.1:\(server.port)")
        }
        try await client.shutdown()
    }

    @Test func aServerClosingWithoutAnswerIsReported() async throws {
        let server = try LoopbackServer { _, _ in .close }
        defer { server.stop() }
        let client = transport()
        await #expect {
            _ = try await client.send(.init(method: "PUT", url: server.url + "/k", body: [1]), maxBodyBytes: 10)
        } throws: { error in
            (error as? HTTPClientError)?.kind == .connectionClosed
        }
        try await client.shutdown()
    }

    @Test func aRefusedConnectionSaysSo() async throws {
        // A port that was just free: nothing listens there.
        let server = try LoopbackServer { _, _ in .close }
        let url = server.url
        server.stop()
        let client = transport()
        await #expect {
            _ = try await client.send(.init(method: "GET", url: url + "/"), maxBodyBytes: 10)
        } throws: { error in
            (error as? HTTPClientError)?.kind == .connectFailed && "\(error)".contains("refused")
        }
        try await client.shutdown()
    }

    @Test func concurrentRequestsShareAtMostFourConnections() async throws {
        let server = try LoopbackServer { _, index in .answer(ok("\(index)")) }
        defer { server.stop() }
        let client = transport()
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<12 {
                group.addTask { try await client.send(.init(method: "GET", url: server.url + "/"), maxBodyBytes: 10).status }
            }
            for try await status in group { #expect(status == 200) }
        }
        try await client.shutdown()
        #expect(server.requests.count == 12)
        #expect(server.connections <= 4)
    }

    @Test func anHTTPSEndpointWithoutTLSFailsClearly() async throws {
        // A plain-HTTP server that speaks first: the client's TLS reads a status line.
        let server = try LoopbackServer(greeting: ok("not TLS")) { _, _ in .close }
        defer { server.stop() }
        let client = transport()
        await #expect {
            _ = try await client.send(.init(method: "GET", url: "https://127.0.0.1:\(server.port)/"), maxBodyBytes: 10)
        } throws: { error in
            (error as? HTTPClientError)?.kind == .tls && "\(error)".contains("TLS with 127.0.0.1:\(server.port) failed")
        }
        try await client.shutdown()
    }

    @Test(arguments: [
        ("http://h/", "http", "h", 80, "h", "/"),
        ("https://h.example:8443/b/k?x=1", "https", "h.example", 8443, "h.example:8443", "/b/k?x=1"),
        ("http://[::1]:9000?uploads", "http", "::1", 9000, "[::1]:9000", "/?uploads"),
        ("HTTPS://bucket.s3.amazonaws.com", "https", "bucket.s3.amazonaws.com", 443, "bucket.s3.amazonaws.com", "/"),
    ])
    func urlsSplitIntoTargets(url: String, scheme: String, host: String, port: Int, authority: String, path: String) throws {
        let (target, pathAndQuery) = try Target.parse(url)
        #expect(target.scheme == scheme && target.host == host && target.port == port)
        #expect(target.authority == authority && pathAndQuery == path)
    }

    @Test(arguments: ["ftp://h/", "h/path", "http://", "http://user@h/", "http://h:99999/", "http://[::1/"])
    func badURLsAreRefused(url: String) {
        #expect(throws: HTTPClientError.self) { try Target.parse(url) }
    }

    @Test func aRequestURLWithUserInformationIsRefusedWithoutShowingIt() {
        #expect {
            _ = try Target.parse("https://AKIA:s3cr3t@host/b/k")
        } throws: { error in
            !"\(error)".contains("s3cr3t") && "\(error)".contains("https://host/b/k")
        }
    }

    @Test func ipLiteralsAreRecognised() {
        #expect(Target.isIPAddress("127.0.0.1") && Target.isIPAddress("::1"))
        #expect(!Target.isIPAddress("s3.amazonaws.com") && !Target.isIPAddress("1.2.3.example"))
    }
}
