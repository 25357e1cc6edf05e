// The dashboard's routes. Pages and the data behind them:
//
//   GET /                                  every station, its last reading and how stale it is
//   GET /stations/<id>                     a station's page (?range=1h|24h|7d|30d|custom&from&to, ?zone or ?tz)
//   GET /api/stations                      the front page as JSON or CSV (?format=csv)
//   GET /api/stations/<id>/latest          the newest reading (?health=1 for health, ?format=csv)
//   GET /api/stations/<id>/series          a chart's data (?chart=<id> or ?columns=a,b, the range
//                                          parameters, ?health=1, ?format=csv|json): exactly what
//                                          `opensensor query` prints for the same question
//
// Read-only: nothing here writes to the lake. Lake reads run off the event loop, a few at a
// time (ReadLimiter). Only requests naming this machine in `Host` are answered (HostPolicy);
// every answer says `nosniff` and carries a Content-Security-Policy that lets a page run only
// its own inline script and style (a fresh nonce per page). Answers are
// gzipped when the client accepts it: a 24-hour page is about 460 KB of SVG and text, mostly
// per-bucket tooltips, which gzip shrinks to about 70 KB — what makes it quick on a phone.

import CivilTime
import Dispatch
public import Hummingbird
import HummingbirdCore
import JSONText
import Lake
public import Logging
import Parquet
import PrometheusText

public struct Dashboard: Sendable {
    public let view: LakeView
    /// Milliseconds since the epoch, UTC; injected so tests and benchmarks fix "now".
    public let now: @Sendable () -> Int64
    /// Where viewers' named time zones are looked up.
    public let zones: ZoneDatabase
    /// The `Host` names answered.
    public let hosts: HostPolicy
    /// Lake reads at once, and how many more may wait.
    public let limiter: ReadLimiter
    /// Connections open at once; more wait in the kernel's backlog until one closes.
    public let maxConnections: Int
    /// Seconds a silent connection is kept open (a browser reopens one when it needs it).
    public let idleTimeoutSeconds: Int64
    /// How often an open last-hour page fetches itself again: the collector's read interval, so
    /// a new reading shows within two of them.
    public let liveRefreshSeconds: Int

    public init(view: LakeView, zones: ZoneDatabase = ZoneDatabase(), hosts: HostPolicy = .loopbackOnly,
                limiter: ReadLimiter = ReadLimiter(slots: 2, maxWaiting: 32), maxConnections: Int = 64,
                idleTimeoutSeconds: Int64 = 30, liveRefreshSeconds: Int = 5, now: @escaping @Sendable () -> Int64) {
        self.liveRefreshSeconds = liveRefreshSeconds
        self.view = view
        self.zones = zones
        self.hosts = hosts
        self.limiter = limiter
        self.maxConnections = maxConnections
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.now = now
    }

    /// The router with every route; the same one serves the command and the tests.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: Guard(hosts: hosts))
        router.get("/") { request, _ in
            try await self.respond(request) { c in
                Self.html(Pages.index(try self.view.stations(), location: self.view.location, network: self.view.isNetwork, c), c)
            }
        }
        router.get("/stations/:id") { request, context in
            try await self.respond(request) { c in
                let id = try self.station(context)
                return Self.html(Pages.station(try self.stationData(id, request, c), c), c)
            }
        }
        router.get("/api/stations") { request, _ in
            try await self.respond(request, api: true) { _ in
                let format = try Self.format(request)
                return Self.text(Self.stationLines(try self.view.stations(), format, now: self.now()), format)
            }
        }
        router.get("/api/stations/:id/latest") { request, context in
            try await self.respond(request, api: true) { _ in
                let id = try self.station(context)
                let format = try Self.format(request)
                let kind = try Self.kind(request)
                guard let row = try self.view.latest(id, kind) else {
                    throw DashboardError.notFound("station \(id) has no \(kind == .data ? "readings" : "health data") yet")
                }
                let names = kind.schema.columns.filter { LakeQuery.isNumeric($0.type) }.map(\.name)
                let cells = [ISO8601.format(millis: row.time)] + names.map { n in row.values[n].map { Self.number($0, kind) } }
                if format == .csv {
                    return Self.text([(["timestamp"] + names).joined(separator: ","), cells.map { $0 ?? "" }.joined(separator: ",")], format)
                }
                let j = JSONWriter()
                j.object {
                    j.field("station") { j.string(id) }
                    j.field("file") { j.string(row.file) }
                    j.field("timestamp") { j.string(ISO8601.format(millis: row.time)) }
                    for n in names {
                        // The same spelling as the CSV (Self.number); NaN and infinities are null.
                        j.field(n) {
                            guard let v = row.values[n] else { return j.null() }
                            if kind == .data { j.number(Float(v)) } else { j.number(v) }
                        }
                    }
                }
                return Self.text([j.out], format)
            }
        }
        router.get("/api/stations/:id/series") { request, context in
            try await self.respond(request, api: true) { c in
                let id = try self.station(context)
                let format = try Self.format(request)
                var kind = try Self.kind(request)
                var columns: [String] = []
                if let chartID = request.uri.queryParameters.get("chart") {
                    guard let chart = Catalog.chart(chartID) else {
                        throw DashboardError.badRequest("chart: no chart '\(chartID)'; expected one of \((Catalog.sensorCharts + Catalog.healthCharts).map(\.id).joined(separator: ", "))")
                    }
                    kind = chart.kind
                    columns = chart.columns.map(\.name)
                }
                if let list = request.uri.queryParameters.get("columns") {
                    columns = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                    if columns.contains("") { throw DashboardError.badRequest("columns: expected comma-separated names, got '\(list)'") }
                }
                let range = try self.range(request, c)
                let result = try self.view.series(id, kind, range, columns: columns, keepImplausible: try Self.keepImplausible(request),
                                                  live: try Self.flag(request, "live"))
                var lines: [String] = []
                QueryOutput.write(result, as: format) { lines.append($0) }
                return Self.text(lines, format)
            }
        }
        router.get("/metrics") { request, _ in
            try await self.respond(request, api: true) { _ in
                Reply(status: 200, type: Exposition.contentType, body: try self.metricsPage())
            }
        }
        // Anything else: a 404 page rather than an empty answer.
        router.get("**") { request, _ in
            try await self.respond(request, api: request.uri.path.hasPrefix("/api/")) { _ in
                throw DashboardError.notFound("no page at \(request.uri.path)")
            }
        }
        return router
    }

    /// Serves on `host:port` until SIGTERM or SIGINT; `onListening` hears the bound port
    /// (useful with port 0).
    public func run(host: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        try await application(host: host, port: port, logger: logger, onListening: onListening).runService()
    }

    /// The server `run` runs: the router with the connection limit and idle timeout.
    func application(host: String, port: Int, logger: Logger = Logger(label: "opensensor"),
                     onListening: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(idleTimeoutSeconds))),
            configuration: .init(
                address: .hostname(host, port: port), serverName: "opensensor",
                availableConnectionsDelegate: MaximumAvailableConnections(maxConnections, logger: logger)),
            onServerRunning: { channel in
                onListening(channel.localAddress?.port ?? port)
                // On a thread of its own: it blocks on file reads for a while.
                DispatchQueue.global(qos: .background).async { self.warmUp(logger: logger) }
            },
            logger: logger)
    }

    /// Reads the whole days of every station's 7- and 30-day pages into the cache, so the
    /// first visitor of a long range does not wait for a month of files to be read (about a
    /// second per station-month here; the later loads read only the first and last day).
    public func warmUp(logger: Logger) {
        let started = now()
        for station in (try? view.stations()) ?? [] where station.unavailable == nil {
            for name in ["7d", "30d"] {
                guard let range = try? ViewRange.parse(range: name, from: nil, to: nil, now: now(), zone: .utc) else { continue }
                _ = try? view.series(station.id, .data, range, columns: Catalog.columns(.data))
                if station.hasHealth { _ = try? view.series(station.id, .health, range, columns: Catalog.columns(.health)) }
            }
        }
        logger.debug("dashboard: cache warmed", metadata: ["ms": "\(now() - started)"])
    }

    // MARK: Request pieces

    func station(_ context: BasicRequestContext) throws(DashboardError) -> String {
        let id = context.parameters.get("id") ?? ""
        guard view.knows(id) else { throw .notFound("no station '\(id)' in \(view.location)") }
        return id
    }

    /// The viewer's zone, first found of: `?zone=` (an IANA name), `?tz=` (minutes east of UTC),
    /// the `tzname` cookie the page's script sets (when the database knows the zone), its `tz`
    /// cookie (the browser's current offset), UTC. Bad parameters are errors; bad cookies are
    /// passed over.
    func context(_ request: Request, now: Int64) throws(DashboardError) -> Pages.Context {
        let q = request.uri.queryParameters
        let heard = request.cookies["tzname"]?.value ?? ""
        if let name = q.get("zone") {
            guard let zone = zones.zone(named: name) else {
                throw .badRequest("zone: no time zone '\(name)' in \(zones.root); expected an IANA name such as Europe/Berlin")
            }
            return Pages.Context(now: now, zone: zone, zoneCookie: heard)
        }
        if let text = q.get("tz") {
            guard let m = Int(text), (-720...840).contains(m) else {
                throw .badRequest("tz: expected minutes east of UTC between -720 and 840, got '\(text)'")
            }
            return Pages.Context(now: now, zone: .fixed(minutes: m), zoneCookie: heard)
        }
        if let zone = zones.zone(named: heard) { return Pages.Context(now: now, zone: zone, zoneCookie: heard) }
        if let cookie = request.cookies["tz"]?.value, let m = Int(cookie), (-720...840).contains(m) {
            return Pages.Context(now: now, zone: .fixed(minutes: m), zoneCookie: heard)
        }
        return Pages.Context(now: now, zone: .utc, zoneCookie: heard)
    }

    func range(_ request: Request, _ c: Pages.Context) throws(DashboardError) -> ViewRange {
        let q = request.uri.queryParameters
        return try ViewRange.parse(range: q.get("range"), from: q.get("from"), to: q.get("to"), now: c.now, zone: c.zone)
    }

    static func format(_ request: Request) throws(DashboardError) -> QueryFormat {
        let text = request.uri.queryParameters.get("format") ?? "json"
        guard let f = QueryFormat(rawValue: text), f != .table else { throw .badRequest("format: expected json or csv, got '\(text)'") }
        return f
    }

    /// `?keep_implausible=1` averages implausible sensor values in (Plausibility.swift).
    static func keepImplausible(_ request: Request) throws(DashboardError) -> Bool {
        try flag(request, "keep_implausible")
    }

    /// A `1`/`0` parameter, off when absent.
    static func flag(_ request: Request, _ name: String) throws(DashboardError) -> Bool {
        switch request.uri.queryParameters.get(name) {
        case nil, "0", "false": false
        case "1", "true": true
        case let other?: throw .badRequest("\(name): expected 1 or 0, got '\(other)'")
        }
    }

    static func kind(_ request: Request) throws(DashboardError) -> LakeKind {
        switch request.uri.queryParameters.get("health") {
        case nil, "0", "false": .data
        case "1", "true": .health
        case let other?: throw .badRequest("health: expected 1 or 0, got '\(other)'")
        }
    }

    func stationData(_ id: String, _ request: Request, _ c: Pages.Context) throws(DashboardError) -> Pages.StationData {
        let range = try range(request, c)
        let keep = try Self.keepImplausible(request)
        let latest = try view.latest(id, .data)
        // The page counts in what the journal holds beyond the lake: a last-hour chart is live.
        let (sensor, notice) = try view.seriesWithNotice(id, .data, range, columns: Catalog.columns(.data), keepImplausible: keep, live: true)
        var health: QueryResult?
        if view.hasHealth(id) { health = try view.series(id, .health, range, columns: Catalog.columns(.health)) }
        return Pages.StationData(id: id, range: range, latest: latest, sensor: sensor, health: health,
                                 registry: view.registryEntry(id), keepImplausible: keep, journalNotice: notice)
    }

    /// One line of the station list, in plain values.
    struct StationLine {
        var id: String
        var registry: RegisteredStation?
        var last: Int64?
        var pm25: Double?
        var pm10: Double?
        var aqi: AQI?
        var hasHealth: Bool
        var unavailable: String?

        // Not inlined: Swift 6.3's optimizer fails its ownership check on the summary's optional
        // newest row read inside the loops below.
        @inline(never)
        init(_ s: StationSummary) {
            id = s.id
            registry = s.registry
            last = s.lastReading
            pm25 = s.latest?.plausible("pm25")
            pm10 = s.latest?.plausible("pm10")
            aqi = AirQuality.combined(pm25: pm25, pm10: pm10)
            hasHealth = s.hasHealth
            unavailable = s.unavailable
        }
    }

    /// The front page as CSV or JSON lines: each station's newest reading, its PM2.5 and PM10
    /// with their AQI, and — for a network — its registry entry; an unavailable station says why.
    static func stationLines(_ stations: [StationSummary], _ format: QueryFormat, now: Int64) -> [String] {
        let rows = stations.map(StationLine.init)
        if format == .csv {
            var lines = ["station,name,latitude,longitude,station_type,last_reading,age_seconds,pm25,pm10,aqi,aqi_category,has_health,unavailable"]
            for r in rows {
                let cells: [String?] = [
                    r.id, r.registry?.name, r.registry?.latitude.map { "\($0)" }, r.registry?.longitude.map { "\($0)" }, r.registry?.stationType,
                    r.last.map(ISO8601.format(millis:)), r.last.map { String((now - $0) / 1000) },
                    r.pm25.map { number($0, .data) }, r.pm10.map { number($0, .data) },
                    r.aqi.map { String($0.index) }, r.aqi?.category.name, "\(r.hasHealth)", r.unavailable,
                ]
                lines.append(cells.map { QueryOutput.csvCell($0 ?? "") }.joined(separator: ","))
            }
            return lines
        }
        return rows.map { r in
            let j = JSONWriter()
            j.object {
                j.field("station") { j.string(r.id) }
                if let reg = r.registry {
                    j.field("name") { j.string(reg.name) }
                    j.field("latitude") { j.number(reg.latitude) }
                    j.field("longitude") { j.number(reg.longitude) }
                    j.field("station_type") { j.string(reg.stationType) }
                }
                j.field("last_reading") { j.string(r.last.map(ISO8601.format(millis:))) }
                j.field("age_seconds") { j.number(r.last.map { (now - $0) / 1000 }) }
                j.field("pm25") { j.number(r.pm25.map { Float($0) }) }
                j.field("pm10") { j.number(r.pm10.map { Float($0) }) }
                j.field("aqi") { j.number(r.aqi.map { Int64($0.index) }) }
                j.field("aqi_category") { j.string(r.aqi?.category.name) }
                j.field("has_health") { j.bool(r.hasHealth) }
                j.field("unavailable") { j.string(r.unavailable) }
            }
            return j.out
        }
    }

    static func number(_ v: Double, _ kind: LakeKind) -> String {
        // Sensor columns are FLOAT: their shortest text, as `parquet cat` prints them.
        kind == .data ? Float(v).description : v.description
    }

    // MARK: Responses

    /// Runs `work` off the event loop (it reads files) and turns a `DashboardError` into its
    /// status with a page or a plain-text message.
    func respond(_ request: Request, api: Bool = false,
                 _ work: @escaping @Sendable (Pages.Context) throws -> Reply) async throws -> Response {
        let now = self.now()
        let gzip = Self.acceptsGzip(request.headers[values: .acceptEncoding])
        let nonce = Self.nonce()
        var context: Pages.Context
        do {
            context = try self.context(request, now: now)
        } catch {
            return Self.failure(error, Pages.Context(now: now, zone: .utc, nonce: nonce), api: api).response(gzip: gzip)
        }
        context.nonce = nonce
        context.liveRefreshMillis = Int64(liveRefreshSeconds) * 1000
        let answer = await limiter.run { [context] in
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    let reply: Reply
                    do {
                        reply = try work(context)
                    } catch let error as DashboardError {
                        reply = Self.failure(error, context, api: api)
                    } catch {
                        reply = Self.failure(DashboardError(status: 500, "\(error)"), context, api: api)
                    }
                    // Compressed here too: on this queue, not the event loop.
                    continuation.resume(returning: reply.response(gzip: gzip))
                }
            }
        }
        if let answer { return answer }
        var busy = Self.failure(
            DashboardError(status: 503, "the dashboard is busy: \(limiter.slots) reads running and \(limiter.maxWaiting) waiting; try again in a few seconds"),
            context, api: true)
        busy.retryAfter = 5
        return busy.response(gzip: false)
    }

    /// 128 random bits for a page's Content-Security-Policy nonce.
    static func nonce() -> String {
        var g = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef")
        return String((0..<32).map { _ in hex[Int(g.next() % 16)] })
    }

    /// Whether an `Accept-Encoding` allows gzip (RFC 9110 §12.5.3): a `gzip`, `x-gzip` or `*`
    /// entry whose weight is not zero.
    static func acceptsGzip(_ values: [String]) -> Bool {
        for entry in values.joined(separator: ",").split(separator: ",") {
            // Codings and parameters are tokens, so blanks carry nothing and can all go.
            let parts = entry.filter { $0 != " " && $0 != "\t" }.lowercased().split(separator: ";")
            guard let coding = parts.first, ["gzip", "x-gzip", "*"].contains(String(coding)) else { continue }
            let q = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            if q > 0 { return true }
        }
        return false
    }

    static func failure(_ error: DashboardError, _ c: Pages.Context, api: Bool) -> Reply {
        guard api else { return Reply(status: error.status, html: Pages.error(error, c), nonce: c.nonce) }
        return Reply(status: error.status, type: "text/plain; charset=utf-8", body: error.message + "\n")
    }

    static func html(_ page: String, _ c: Pages.Context) -> Reply { Reply(status: 200, html: page, nonce: c.nonce) }

    static func text(_ lines: [String], _ format: QueryFormat) -> Reply {
        var body = ""
        for l in lines {
            body += l
            body += "\n"
        }
        return Reply(status: 200, type: format == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8", body: body)
    }
}

/// An answer before it becomes a response: the one place headers and compression are decided.
struct Reply: Sendable {
    var status: Int
    var type: String
    var body: String
    /// The nonce a page's inline script and style carry; nil for anything but a page.
    var nonce: String?
    /// Seconds a 503 asks the client to wait.
    var retryAfter: Int?

    init(status: Int, type: String, body: String) {
        self.status = status
        self.type = type
        self.body = body
    }

    init(status: Int, html: String, nonce: String) {
        self.init(status: status, type: "text/html; charset=utf-8", body: html)
        self.nonce = nonce
    }

    /// What anything but a page may do in a browser: nothing (no script, style, frame or form).
    static let strictPolicy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// A page: its own inline script and style (by nonce), `data:` images (the empty icon),
    /// forms back to this server; never framed by another site.
    static func pagePolicy(nonce: String) -> String {
        "default-src 'none'; script-src 'nonce-\(nonce)'; style-src 'nonce-\(nonce)'; img-src data:; connect-src 'self'; "
            + "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    }

    /// Bodies under 1 KiB go as they are: gzip's header and trailer would eat the gain.
    static let gzipThreshold = 1024

    func response(gzip: Bool) -> Response {
        var headers: HTTPFields = [.contentType: type, .cacheControl: "no-store", .vary: "Accept-Encoding"]
        headers[.contentSecurityPolicy] = nonce.map(Self.pagePolicy) ?? Self.strictPolicy
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        var bytes = ByteBuffer(string: body)
        if gzip, body.utf8.count >= Self.gzipThreshold,
           let packed = try? Compression.gzip(level: 6).compressed(Array(body.utf8)) {
            headers[.contentEncoding] = "gzip"
            bytes = ByteBuffer(bytes: packed)
        }
        return Response(status: HTTPResponse.Status(code: status), headers: headers, body: .init(byteBuffer: bytes))
    }
}

/// Refuses requests whose `Host` does not name this machine (421, naming the host and what
/// is answered), and marks every answer `nosniff` with a Content-Security-Policy (the strict
/// one unless the page set its own), errors from the framework included.
struct Guard: RouterMiddleware {
    typealias Context = BasicRequestContext
    let hosts: HostPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard hosts.allows(request.head.authority) else {
            let host = request.head.authority ?? ""
            let reply = Reply(
                status: 421, type: "text/plain; charset=utf-8",
                body: "host '\(host)' is not served here: this dashboard answers to \(hosts.described). "
                    + "To reach it by that name, start it with --allow-host \(HostPolicy.hostPart(host)).\n")
            return Self.secured(reply.response(gzip: false))
        }
        do {
            return Self.secured(try await next(request, context))
        } catch let error as any HTTPResponseError {
            return Self.secured(try error.response(from: request, context: context))
        }
    }

    static func secured(_ response: Response) -> Response {
        var r = response
        r.headers[.xContentTypeOptions] = "nosniff"
        if r.headers[.contentSecurityPolicy] == nil { r.headers[.contentSecurityPolicy] = Reply.strictPolicy }
        return r
    }
}
