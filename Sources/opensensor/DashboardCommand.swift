// `opensensor dashboard`: a lake — a folder, a bucket's prefix, or a network's stations from
// OpenSensor.Space's registry — as web pages and CSV/JSON, served read-only on loopback unless
// told otherwise.

import ArgumentParser
import Dashboard
import Lake
import Logging
import CivilTime
import Collector
import Config
import Dispatch
import DurableFiles
import S3ObjectStore
import LakeSync
import StationRuntime
import Systemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve a read-only dashboard of the Parquet lake: stations, charts and their data as CSV/JSON.",
        discussion: """
            Pages read the lake on every load, so batches a running collector adds appear \
            without a restart. Binds 127.0.0.1 by default; use --host 0.0.0.0 to let other \
            machines of the network see it (there is no login). Port 0 picks a free port and \
            prints it. Requests must name this machine in their Host header (against DNS \
            rebinding): loopback names, the --host address, and — bound to 0.0.0.0 or :: — \
            any address of this machine and its host name (and <name>.local); add other \
            names with --allow-host. \
            --data s3://BUCKET/PREFIX serves the stations under a bucket's prefix, and --stations \
            FILE a network from OpenSensor.Space's registry (stations.csv: approved rows only \
            unless --all), each station read from its storage_url — both with the storage \
            settings sync uses (no keys: unsigned requests, for public buckets) and the local \
            cache of immutable objects. A station whose bucket is missing, denies access or \
            cannot be reached is listed as unavailable, with the reason.
            """)

    @Option(help: "The lake to serve: a folder, or s3://BUCKET/PREFIX (default: the configured output directory).")
    var data: String?

    @Option(name: .customLong("health-data"), help: "The health lake (default: the configured health directory, or <data>-health with --data).")
    var healthData: String?

    @Option(help: "A network's station registry (OpenSensor.Space's stations.csv): serve its stations, each from its storage_url.")
    var stations: String?

    @Flag(help: "With --stations: serve every row of the registry, not only the approved ones.")
    var all = false

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port: Int = 8080

    @Option(name: .customLong("allow-host"), help: "Another name this dashboard is reached by (repeatable), e.g. a DNS name of the Pi.")
    var allowHost: [String] = []

    @Option(name: .customLong("cache-mb"), help: "Memory for the sums of whole past days, in MiB (0: no cache).")
    var cacheMB: Int = LakeView.defaultCacheBytes >> 20

    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535, got \(port)") }
        guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
        guard (0...4096).contains(cacheMB) else { throw ValidationError("--cache-mb must be 0-4096, got \(cacheMB)") }
        for name in allowHost where name.isEmpty || name.contains("/") || name.contains(" ") {
            throw ValidationError("--allow-host takes a host name or address, got '\(name)'")
        }
        if stations != nil && (data != nil || healthData != nil) {
            throw ValidationError("--stations serves the registry's stations from their storage_url; it takes no --data or --health-data")
        }
        if all && stations == nil { throw ValidationError("--all applies to --stations") }
    }

    /// A page waits at most this long for a bucket (each listing, or each window of objects).
    static let bucketTimeout: Duration = .seconds(30)

    /// What to serve, and the stores to close when the server stops.
    func lakes(_ config: StationConfig) throws -> (LakeView.Stations, location: String, stores: [S3ObjectStore]) {
        let environment = ProcessEnvironment.all()
        if let stations {
            let bytes: [UInt8]
            do { bytes = try FileIO.readWholeFile(stations, limit: 64 << 20) } catch { throw CLIError("dashboard: --stations \(stations): \(error)") }
            var rows: [RegisteredStation]
            do { rows = try StationRegistry.parse(bytes, file: stations) } catch { throw CLIError("dashboard: \(error)") }
            if !all { rows = rows.filter(\.isApproved) }
            // One store per bucket and settings; one source per station, so a failure is the
            // station's own.
            let cache = RemoteLake.cache(config, environment)
            var buckets: [String: RemoteLake.Bucket] = [:]
            var served: [NetworkStation] = []
            for row in rows {
                let bucket: RemoteLake.Bucket
                if let b = buckets[row.lakeURL] {
                    bucket = b
                } else {
                    do {
                        bucket = try RemoteLake.Bucket(row.lakeURL, option: "\(stations) line \(row.line), field 'storage_url'", config: config)
                    } catch {
                        throw CLIError("dashboard: \(error)")
                    }
                    buckets[row.lakeURL] = bucket
                }
                let lake = RemoteLake(bucket, cache: cache, timeout: Self.bucketTimeout)
                served.append(NetworkStation(registry: row, data: LakeLocation(source: lake.source, daily: lake.daily)))
            }
            return (.network(served), stations, buckets.values.map(\.store))
        }
        let dataRoot = data ?? config.outputDirectory
        if RemoteLake.isRemote(dataRoot) {
            let lake = try RemoteLake.open(dataRoot, config: config, environment: environment, timeout: Self.bucketTimeout)
            let healthURL = healthData ?? lake.source.location + "-health"
            guard RemoteLake.isRemote(healthURL) else { throw CLIError("dashboard: --health-data \(healthURL): with --data s3://…, expected s3://BUCKET/PREFIX") }
            let health = try RemoteLake.open(healthURL, option: "--health-data", config: config, environment: environment, timeout: Self.bucketTimeout)
            return (.lake(data: LakeLocation(source: lake.source, daily: lake.daily), health: LakeLocation(source: health.source, daily: health.daily)),
                    lake.source.location, [lake.store, health.store])
        }
        let healthRoot = healthData ?? (data.map { $0 + "-health" } ?? config.healthDirectory)
        guard Self.isDirectory(dataRoot) else {
            throw CLIError("dashboard: \(dataRoot) is not a directory (give the lake with --data, or run 'opensensor start' first)")
        }
        if healthData != nil && !Self.isDirectory(healthRoot) {
            throw CLIError("dashboard: --health-data \(healthRoot) is not a directory")
        }
        return (.lake(data: .folder(dataRoot), health: Self.isDirectory(healthRoot) ? .folder(healthRoot) : nil), dataRoot, [])
    }

    /// A running collector's journals in the served output folder, read as `status` reads them
    /// (Sources/Collector/JournalReader.swift): read-only, without its lock.
    struct Journals: LiveReadings {
        let outputDirectory: String

        func readings(station: String, after: Int64) -> (rows: [(time: Int64, values: [String: Double])], notice: String?) {
            let reader = JournalReader(outputDirectory: outputDirectory, station: station)
            // No journal: no collector has run here, which is no news.
            guard let path = reader.journalPath, FileIO.exists(path) else { return ([], nil) }
            let read = reader.readings(since: after == .min ? .min : after + 1)
            let rows = read.readings.map { r in
                var values: [String: Double] = [:]
                for name in Reading.valueColumns { if let v = r.value(named: name) { values[name] = Double(v) } }
                return (time: r.timestamp, values: values)
            }
            return (rows, read.notice)
        }

        func stations() -> [String] { JournalReader.stations(outputDirectory: outputDirectory) }
    }

    func run() async throws {
        let (config, warnings) = try configOptions.load()
        let logger = LogSetup.bootstrapOnce(level: config.logLevel)
        for w in warnings { logger.warning("\(w)") }
        let (served, location, stores) = try lakes(config)
        defer {
            // Each store's connections close before the process ends.
            if !stores.isEmpty {
                let done = DispatchSemaphore(value: 0)
                Task { for s in stores { try? await s.shutdown() }; done.signal() }
                done.wait()
            }
        }
        // Viewers' zones come from the tz database where the C library looks for it (TZDIR).
        let zones = ZoneDatabase(root: ProcessEnvironment.all()["TZDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/share/zoneinfo")
        if !Self.isDirectory(zones.root) {
            logger.notice("dashboard: no time-zone database at \(zones.root) (Debian package tzdata): times are shown at each viewer's current UTC offset, so ranges across a daylight-saving change are an hour off on one side")
        }
        let hosts = HostPolicy(bind: host, allowed: allowHost, hostName: Self.hostName(), localAddresses: Self.localAddresses)
        let cache = QueryCache(maxBytes: cacheMB << 20)
        // The open batch shows only where the collector writes: a folder on this machine.
        var live: (any LiveReadings)?
        if case .lake(let data, _) = served, let folder = data.source as? FolderLakeSource { live = Journals(outputDirectory: folder.root) }
        let dashboard = Dashboard(view: LakeView(served, location: location, live: live, cache: cache), zones: zones, hosts: hosts,
                                  liveRefreshSeconds: config.readInterval, now: { SystemWallClock().nowMillis() })
        if host != "127.0.0.1" && host != "localhost" && host != "::1" {
            logger.warning("dashboard: listening on \(host): anyone who can reach this machine can read the data")
        }
        let host = self.host
        do {
            try await dashboard.run(host: host, port: port, logger: logger) { bound in
                let shown = host.contains(":") ? "[\(host)]" : host
                logger.info("dashboard: http://\(shown):\(bound)/ serving \(location)")
                logger.info("dashboard: answering requests for \(hosts.described)")
            }
        } catch {
            throw CLIError("dashboard: cannot serve on \(host):\(port): \(error)")
        }
    }

    /// This machine's name, as `gethostname` gives it.
    static func hostName() -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Every IPv4 and IPv6 address of this machine's interfaces, as text.
    @Sendable static func localAddresses() -> [String] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var out: [String] = []
        for entry in sequence(first: first, next: { $0.pointee.ifa_next }) {
            guard let addr = entry.pointee.ifa_addr else { continue }
            let family = Int32(addr.pointee.sa_family)
            guard family == AF_INET || family == AF_INET6 else { continue }
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let source: UnsafeRawPointer = family == AF_INET
                ? UnsafeRawPointer(addr).advanced(by: MemoryLayout<sockaddr_in>.offset(of: \sockaddr_in.sin_addr)!)
                : UnsafeRawPointer(addr).advanced(by: MemoryLayout<sockaddr_in6>.offset(of: \sockaddr_in6.sin6_addr)!)
            guard inet_ntop(family, source, &text, socklen_t(text.count)) != nil else { continue }
            out.append(String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return out
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
