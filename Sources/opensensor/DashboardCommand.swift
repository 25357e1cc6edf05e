// `opensensor dashboard`: the lake on this machine as web pages and CSV/JSON, served read-only
// on loopback unless told otherwise.

import ArgumentParser
import Dashboard
import Logging
import Station

#if canImport(Glibc)
import Glibc
#endif

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve a read-only dashboard of the Parquet lake: stations, charts and their data as CSV/JSON.",
        discussion: """
            Pages read the lake on every load, so batches a running collector adds appear \
            without a restart. Binds 127.0.0.1 by default; use --host 0.0.0.0 to let other \
            machines of the network see it (there is no login). Port 0 picks a free port and \
            prints it.
            """)

    @Option(help: "The lake to serve (default: the configured output directory).")
    var data: String?

    @Option(name: .customLong("health-data"), help: "The health lake (default: the configured health directory, or <data>-health with --data).")
    var healthData: String?

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port: Int = 8080

    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535, got \(port)") }
        guard !host.isEmpty else { throw ValidationError("--host must not be empty") }
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
        let dashboard = Dashboard(view: LakeView(dataRoot: dataRoot, healthRoot: Self.isDirectory(healthRoot) ? healthRoot : nil),
                                  zones: zones, now: { SystemWallClock().nowMillis() })
        if host != "127.0.0.1" && host != "localhost" && host != "::1" {
            logger.warning("dashboard: listening on \(host): anyone who can reach this machine can read the data")
        }
        let host = self.host
        do {
            try await dashboard.run(host: host, port: port, logger: logger) { bound in
                let shown = host.contains(":") ? "[\(host)]" : host
                logger.info("dashboard: http://\(shown):\(bound)/ serving \(dataRoot)")
            }
        } catch {
            throw CLIError("dashboard: cannot serve on \(host):\(port): \(error)")
        }
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }
}
