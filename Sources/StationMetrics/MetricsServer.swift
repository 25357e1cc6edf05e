// The HTTP server behind `start`'s /metrics: Hummingbird, which the binary links for the dashboard
// anyway (docs/ARCHITECTURE.md §7 has what serving costs in memory). One route; anything else is
// a 404. Run as a plain task (not `runService`), so SIGTERM stays the station supervisor's.

import Hummingbird
import Logging
import PrometheusText

enum MetricsServer {
    /// Serves `render()` at GET /metrics on `host:port` until the task is cancelled.
    static func serve(host: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) -> Void,
                      render: @escaping @Sendable () -> String) async throws {
        let router = Router()
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: Exposition.contentType],
                body: .init(byteBuffer: ByteBuffer(string: render())))
        }
        // Hummingbird's own lines (its start, and an error when cancellation ends it) would only
        // repeat ours: it logs at critical only.
        var quiet = logger
        quiet.logLevel = .critical
        let app = Application(
            router: router,
            server: .http1(configuration: .init(idleTimeout: .seconds(30))),
            configuration: .init(address: .hostname(host, port: port), serverName: "opensensor"),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? port
                logger.info("metrics: serving /metrics", metadata: ["listen": "\(host):\(bound)"])
                onListening(bound)
            },
            logger: quiet)
        try await app.run()
    }
}
