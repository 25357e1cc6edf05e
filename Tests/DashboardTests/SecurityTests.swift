import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing
@testable import Dashboard
import Lake

/// The dashboard faces a network: DNS rebinding, content sniffing, framing, oversized
/// questions, cache-filling and request floods.
@Suite struct DashboardSecurityTests {
    func lake() throws -> TestLake {
        let lake = try TestLake()
        for k in 0..<4 { try lake.batch(station: "a", start: june1 + Int64(k) * 900_000) }
        return lake
    }

    /// GETs `uri` from a live server naming `authority` in `Host`, as a browser that was
    /// pointed at this machine under another name would.
    func get(_ d: Dashboard, _ uri: String, host authority: String) async throws -> (status: Int, body: String) {
        let app = Application(router: d.router())
        return try await app.test(.live) { client in
            let raw = TestClient(host: "localhost", port: client.port!)
            raw.connect()
            let r = try await raw.execute(.init(uri, method: .get, authority: authority))
            try await raw.shutdown()
            return (Int(r.status.code), String(buffer: r.body ?? ByteBuffer()))
        }
    }

    @Test func aRequestNamingAnotherHostIsRefused() async throws {
        let lake = try lake()
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), now: { june1 + 3_600_000 })
        let evil = try await get(d, "/api/stations", host: "rebind.attacker.example:8080")
        #expect(evil.status == 421)
        #expect(evil.body.contains("host 'rebind.attacker.example:8080' is not served here"), "\(evil.body)")
        #expect(evil.body.contains("--allow-host rebind.attacker.example"))
        #expect(!evil.body.contains("\"station\""))
        for host in ["localhost:8080", "127.0.0.1:8080", "[::1]:8080", "LOCALHOST"] {
            #expect(try await get(d, "/api/stations", host: host).status == 200, "\(host)")
        }
        _ = lake
    }

    @Test func theHostPolicyOfAServerBoundToEveryAddress() {
        let p = HostPolicy(bind: "0.0.0.0", allowed: ["station.example.org"], hostName: "raspberrypi",
                           localAddresses: { ["127.0.0.1", "192.168.1.20", "fe80::1%eth0", "2001:db8::7"] })
        for ok in ["192.168.1.20:8080", "192.168.1.20", "[2001:db8::7]:8080", "[fe80::1]", "raspberrypi.local:8080",
                   "raspberrypi", "station.example.org.", "localhost", "127.0.0.2", "x.localhost"] {
            #expect(p.allows(ok), "\(ok)")
        }
        for refused in ["192.168.1.21", "evil.example", "raspberrypi.evil.example", "192.168.1.20.nip.io", "[2001:db8::8]", ""] {
            #expect(!p.allows(refused), "\(refused)")
        }
        #expect(p.allows(nil))  // HTTP/1.0 without Host: no browser sends that
    }

    @Test func theHostPolicyOfAServerBoundToOneAddress() {
        let p = HostPolicy(bind: "192.168.1.20", hostName: "raspberrypi", localAddresses: { ["192.168.1.20", "10.0.0.5"] })
        #expect(p.allows("192.168.1.20:8080"))
        #expect(!p.allows("10.0.0.5:8080"))  // not bound there
        #expect(!p.allows("raspberrypi.local"))  // a name needs --allow-host
        #expect(HostPolicy(bind: "::").allows("[::1]:8080"))
    }

    @Test func everyAnswerForbidsSniffingAndForeignContent() async throws {
        let lake = try lake()
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), now: { june1 + 3_600_000 })
        let app = Application(router: d.router())
        try await app.test(.router) { client in
            for (uri, page) in [("/", true), ("/stations/a", true), ("/nothing", true), ("/stations/a?range=bad", true),
                                ("/api/stations", false), ("/api/stations/a/series?chart=nope", false)] {
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.headers[.xContentTypeOptions] == "nosniff", "\(uri)")
                    let csp = r.headers[.contentSecurityPolicy] ?? ""
                    #expect(csp.hasPrefix("default-src 'none'"), "\(uri): \(csp)")
                    #expect(csp.contains("frame-ancestors 'none'"), "\(uri)")
                    let body = String(buffer: r.body)
                    if page {
                        // The page's own script and style carry the nonce the policy names.
                        let nonce = csp.split(separator: "'").first { $0.hasPrefix("nonce-") }.map { String($0.dropFirst(6)) } ?? ""
                        #expect(nonce.count == 32, "\(uri): \(csp)")
                        #expect(body.contains("<script nonce=\"\(nonce)\">") && body.contains("<style nonce=\"\(nonce)\">"), "\(uri)")
                        #expect(csp.contains("script-src 'nonce-\(nonce)'") && !csp.contains("unsafe-inline"))
                    } else {
                        #expect(!csp.contains("script-src"), "\(uri)")
                    }
                }
            }
            // A method no route takes is answered by the framework; it is marked too.
            try await client.execute(uri: "/", method: .post) { r in
                #expect(r.headers[.xContentTypeOptions] == "nosniff")
                #expect(r.headers[.contentSecurityPolicy] == Reply.strictPolicy)
            }
            // A fresh nonce per page.
            let first = try await client.execute(uri: "/", method: .get) { $0.headers[.contentSecurityPolicy] }
            let second = try await client.execute(uri: "/", method: .get) { $0.headers[.contentSecurityPolicy] }
            #expect(first != second)
        }
        _ = lake
    }

    @Test func aCustomRangeOfMoreThan366DaysIs400() async throws {
        let lake = try lake()
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), now: { june1 + 3_600_000 })
        let long = try await DashboardTests.get(d, "/api/stations/a/series?chart=temperature&range=custom&from=2016-06-01&to=2026-06-01")
        #expect(long.status == 400)
        #expect(long.body.contains("at most 366 days"), "\(long.body)")
        let year = try await DashboardTests.get(d, "/api/stations/a/series?chart=temperature&range=custom&from=2025-06-01&to=2026-06-01&format=csv")
        #expect(year.status == 200)
        _ = lake
    }

    @Test func reorderedColumnsShareTheCacheAndComeBackInTheOrderAsked() async throws {
        let lake = try TestLake()
        // One batch a day for ten days: eight whole days inside a 10-day range are cacheable.
        for day in 0..<10 { try lake.batch(station: "a", start: june1 + Int64(day) * 86_400_000) }
        let cache = QueryCache()
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil, cache: cache), now: { june1 + 10 * 86_400_000 })
        let range = "range=custom&from=2026-06-01&to=2026-06-11&format=csv"
        let ab = try await DashboardTests.get(d, "/api/stations/a/series?columns=temperature,humidity&\(range)")
        let held = cache.count
        #expect(held > 0)
        let ba = try await DashboardTests.get(d, "/api/stations/a/series?columns=humidity,temperature&\(range)")
        #expect(cache.count == held)
        #expect(ba.body.hasPrefix("station,time,count,humidity_avg,humidity_min,humidity_max,temperature_avg,"))
        // The same numbers, only the column order differs: what `opensensor query` prints.
        let q = LakeQuery(kind: .data, stations: ["a"], from: june1, to: june1 + 10 * 86_400_000,
                          every: BucketWidth(parsing: "1h")!, columns: ["humidity", "temperature"])
        var expected = ""
        QueryOutput.write(try QueryEngine(root: lake.data).run(q), as: .csv) { expected += $0 + "\n" }
        #expect(ba.body == expected)
        #expect(ab.status == 200 && ab.body != ba.body)
        let twice = try await DashboardTests.get(d, "/api/stations/a/series?columns=humidity,humidity&\(range)")
        #expect(twice.status == 400 && twice.body.contains("given twice"))
    }

    @Test func theCacheKeepsToItsByteBudget() async throws {
        let lake = try TestLake()
        for day in 0..<10 { try lake.batch(station: "a", start: june1 + Int64(day) * 86_400_000) }
        // Learn one day's size, then allow about two and a half days.
        let probe = QueryCache()
        let view = { (cache: QueryCache) in LakeView(dataRoot: lake.data, healthRoot: nil, cache: cache) }
        let range = try ViewRange.parse(range: "custom", from: "2026-06-01", to: "2026-06-11", now: june1, zone: .utc)
        _ = try view(probe).series("a", .data, range, columns: [])
        let perDay = probe.bytes / probe.count
        #expect(probe.count == 10 && perDay > 0)
        let budget = perDay * 5 / 2
        let small = QueryCache(maxBytes: budget)
        let before = try view(probe).series("a", .data, range, columns: [])
        let after = try view(small).series("a", .data, range, columns: [])
        #expect(small.bytes <= budget)
        #expect(small.count == 2)
        // A smaller cache never changes an answer.
        var a = "", b = ""
        QueryOutput.write(after, as: .csv) { a += $0 + "\n" }
        QueryOutput.write(before, as: .csv) { b += $0 + "\n" }
        #expect(a == b)
        #expect(LakeView(dataRoot: lake.data, healthRoot: nil).cache.maxBytes == 64 << 20)
    }

    @Test func readsBeyondTheLimitWaitAndBeyondTheWaitingRoomAre503() async throws {
        let lake = try lake()
        let limiter = ReadLimiter(slots: 1, maxWaiting: 0)
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), limiter: limiter, now: { june1 + 3_600_000 })
        // Hold the only slot until released.
        let (gate, open) = AsyncStream<Void>.makeStream()
        let holder = Task { await limiter.run { for await _ in gate {} } }
        while limiter.running == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let app = Application(router: d.router())
        try await app.test(.router) { client in
            try await client.execute(uri: "/api/stations", method: .get) { r in
                #expect(r.status == .serviceUnavailable)
                #expect(r.headers[.retryAfter] == "5")
                #expect(String(buffer: r.body).contains("busy"))
            }
        }
        open.finish()
        _ = await holder.value
        #expect(try await DashboardTests.get(d, "/api/stations").status == 200)
        _ = lake
    }

    @Test func theLimiterNeverRunsMoreThanItsSlots() async {
        let limiter = ReadLimiter(slots: 3, maxWaiting: 100)
        final class Peak: Sendable { let state = Mutex((now: 0, max: 0)) }
        let peak = Peak()
        await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    await limiter.run {
                        peak.state.withLock { $0.now += 1; $0.max = max($0.max, $0.now) }
                        try? await Task.sleep(for: .milliseconds(2))
                        peak.state.withLock { $0.now -= 1 }
                    } != nil
                }
            }
            for await ran in group { #expect(ran) }
        }
        #expect(peak.state.withLock { $0.max } <= 3)
        #expect(limiter.running == 0)
    }

    @Test func aSilentConnectionIsClosedAfterTheIdleTimeout() async throws {
        let lake = try lake()
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), idleTimeoutSeconds: 1, now: { june1 })
        let app = d.application(host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in
            let silent = try RawConnection(port: client.port!)
            let started = ContinuousClock.now
            let (bytes, closed) = silent.read(seconds: 20)
            let elapsed = ContinuousClock.now - started
            #expect(closed && bytes.isEmpty, "still open after \(elapsed)")
            #expect(elapsed >= .milliseconds(500) && elapsed < .seconds(15), "\(elapsed)")
        }
        _ = lake
    }

    @Test func beyondTheConnectionLimitTheNextIsServedOnlyWhenOneCloses() async throws {
        let lake = try lake()
        let d = Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), maxConnections: 3, now: { june1 })
        // The server as the command runs it (the live test framework drops the connection
        // limit from the configuration), stopped by cancelling its task.
        let (ports, listening) = AsyncStream<Int>.makeStream()
        let app = d.application(host: "127.0.0.1", port: 0, onListening: { listening.yield($0) })
        let server = Task { try await app.runService() }
        var heard = ports.makeAsyncIterator()
        let port = try #require(await heard.next())
        let held = try (0..<3).map { _ in try RawConnection(port: port) }
        try await Task.sleep(for: .milliseconds(300))
        let probe = try RawConnection(port: port)
        probe.send("GET /api/stations HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        let early = probe.read(seconds: 1.5)
        #expect(early.bytes.isEmpty && !early.closed, "answered while 3 connections were open")
        for c in held { c.close() }
        let late = probe.read(seconds: 15)
        #expect(String(decoding: late.bytes, as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        server.cancel()
        _ = try? await server.value
        _ = lake
    }
}

/// A plain TCP connection to 127.0.0.1, for what an HTTP client hides: silence, and
/// connections that are not served.
final class RawConnection: @unchecked Sendable {
    private(set) var fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard fd >= 0, result == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// What arrives within `seconds`, and whether the server closed the connection.
    func read(seconds: Double) -> (bytes: [UInt8], closed: Bool) {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        var out: [UInt8] = []
        while ContinuousClock.now < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 50) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { return (out, true) }
            out += buffer[0..<n]
        }
        return (out, false)
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
