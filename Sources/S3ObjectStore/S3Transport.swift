public import HTTP1Client

/// Sends requests; the seam that lets unit tests script responses without sockets.
///
/// A transport throws for failures below HTTP (refused, reset, timed out); the store turns
/// ``HTTPClientError``s into ``ObjectStoreError`` kinds. ``HTTP1Transport`` is the real one.
public protocol S3Transport: Sendable {
    /// Sends one request and reads the whole response (at most `maxBodyBytes` of body).
    func send(_ request: HTTP1Request, maxBodyBytes: Int) async throws -> HTTP1Response
    /// Releases connections.
    func shutdown() async throws
}

extension HTTP1Transport: S3Transport {}
