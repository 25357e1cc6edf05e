// `opensensor dashboard`: the lake on this machine as web pages and CSV/JSON, served read-only
// on loopback unless told otherwise.

import ArgumentParser
import Dashboard
import Lake
import Logging
import CivilTime
import Collector
import Config
import DurableFiles
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
            names with --allow-host.
            """)

    @Option(help: "The lake to serve (default: the configured output directory).")
    var data: String?

    @Option(name: .customLong("health-data"), help: "The health lake (default: the configured health directory, or <data>-health with --data).")
    var healthData: String?

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
    }

    func run() async throws {
        let (config, warnings) = try configOptions.load()
        let logger = LogSetup.bootstrapOnce(level: config.logLevel)
        for w in warnings { logger.warning("\(w)") }
        let dataRoot = data ?? config.outputDirectory
        let healthRoot = healthData ?? (data.map { $0 + "-health" } ?? config.healthDirectory)
        guard Self.isDirectory(dataRoot) else {
            throw CLIError("dashboard: \(dataRoot) is not a directory (give the lake with --data, or run 'opensensor start' first)")
        }
        if healthData != nil && !Self.isDirectory(healthRoot) {
            throw CLIError("dashboard: --health-data \(healthRoot) is not a directory")
        }
        // Viewers' zones come from the tz database where the C library looks for it (TZDIR).
        let zones = ZoneDatabase(root: ProcessEnvironment.all()["TZDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/usr/share/zoneinfo")
        if !Self.isDirectory(zones.root) {
            logger.notice("dashboard: no time-zone database at \(zones.root) (Debian package tzdata): times are shown at each viewer's current UTC offset, so ranges across a daylight-saving change are an hour off on one side")
        }
        let hosts = HostPolicy(bind: host, allowed: allowHost, hostName: Self.hostName(), localAddresses: Self.localAddresses)
        let cache = QueryCache(maxBytes: cacheMB << 20)
        let dashboard = Dashboard(view: LakeView(dataRoot: dataRoot, healthRoot: Self.isDirectory(healthRoot) ? healthRoot : nil, cache: cache),
                                  zones: zones, hosts: hosts, now: { SystemWallClock().nowMillis() })
        if host != "127.0.0.1" && host != "localhost" && host != "::1" {
            logger.warning("dashboard: listening on \(host): anyone who can reach this machine can read the data")
        }
        let host = self.host
        do {
            try await dashboard.run(host: host, port: port, logger: logger) { bound in
                let shown = host.contains(":") ? "[\(host)]" : host
                logger.info("dashboard: http://\(shown):\(bound)/ serving \(dataRoot)")
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
