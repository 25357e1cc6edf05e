// The HTTP server behind `start`'s /metrics: SwiftNIO's HTTP/1.1 server codec and one handler.
// Not Hummingbird, which the dashboard uses: its router, request context and date cache kept
// about 2.1 MiB more of the binary's code resident in a collecting station, where the budget is
// 20 MiB with MQTT and metrics on (docs/ARCHITECTURE.md §7 has the measurement). One resource,
// GET or HEAD /metrics; anything else is a 404 (or a 405 for another method on /metrics). Run as a
// plain task, so SIGTERM stays the station supervisor's.

import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PrometheusText

enum MetricsServer {
    /// A connection that sends nothing for this long is closed (a scraper keeps its connection
    /// alive between scrapes, seconds apart; an abandoned one should not stay forever).
    static let idleTimeout: TimeAmount = .seconds(60)

    /// Serves `render()` at GET /metrics on `host:port` until the task is cancelled.
    static func serve(host: String, port: Int, logger: Logger, onListening: @escaping @Sendable (Int) -> Void,
                      render: @escaping @Sendable () -> String) async throws {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try child.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                    try child.pipeline.syncOperations.addHandler(MetricsHandler(render: render))
                }
            }
            .bind(host: host, port: port).get()
        let bound = channel.localAddress?.port ?? port
        logger.info("metrics: serving /metrics", metadata: ["listen": "\(host):\(bound)"])
        onListening(bound)
        try await withTaskCancellationHandler {
            try await channel.closeFuture.get()
        } onCancel: {
            channel.close(promise: nil)
        }
    }
}

/// Answers each request once its end has arrived; keeps the connection when the client asks to.
final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let render: @Sendable () -> String
    private var head: HTTPRequestHead?

    init(render: @escaping @Sendable () -> String) { self.render = render }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break  // a GET has none; anything sent is read and dropped
        case .end:
            if let head { respond(context, to: head) }
            head = nil
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) }
        else { context.fireUserInboundEventTriggered(event) }
    }

    func respond(_ context: ChannelHandlerContext, to head: HTTPRequestHead) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        var headers = HTTPHeaders()
        let status: HTTPResponseStatus
        let body: String
        if path != "/metrics" {
            (status, body) = (.notFound, "not found: only /metrics is served here\n")
        } else if head.method != .GET && head.method != .HEAD {
            (status, body) = (.methodNotAllowed, "/metrics answers GET and HEAD\n")
            headers.add(name: "Allow", value: "GET, HEAD")
        } else {
            (status, body) = (.ok, render())
        }
        let buffer = context.channel.allocator.buffer(string: body)
        headers.add(name: "Content-Type", value: status == .ok ? Exposition.contentType : "text/plain; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(buffer.readableBytes)")
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil) }
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
