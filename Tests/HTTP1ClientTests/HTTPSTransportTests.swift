import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing
@testable import HTTP1Client

/// A TLS server on 127.0.0.1 with a self-signed certificate for the name `localhost` only
/// (valid until 2126; made with `openssl req -x509 -newkey ec … -addext subjectAltName=DNS:localhost`),
/// answering every request with one fixed response.
final class TLSLoopbackServer: Sendable {
    static let certificatePEM = """
-----BEGIN CERTIFICATE-----
MIIBljCCATugAwIBAgIUNjS873ZpAQT+IM2gz01doYO7gUAwCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyOTIxMTMxNFoYDzIxMjYxMTA1
MjExMzE0WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAR67dO/Kf+6eDgnPeXb2AaCCG/vIo5CKJA5U4a2AfXA4DhecA8QxzqX
1ErTrZSEw6xoaxd5LTFXbN766tMHVuJeo2kwZzAdBgNVHQ4EFgQUfF3kzbd1ik6w
8jb1+Qm8szdICcswHwYDVR0jBBgwFoAUfF3kzbd1ik6w8jb1+Qm8szdICcswFAYD
VR0RBA0wC4IJbG9jYWxob3N0MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID
SQAwRgIhAIx/CMSSrCkF7UoxPGoFcTfgQFWLp0U/u5/oAYq6THQ7AiEAwLGBEvLh
4Wy90oc0926do04s18+OESEu7MNGlGgGm3A=
-----END CERTIFICATE-----
"""
    static let keyPEM = """
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgFgHr/ENneAALBHKA
VR+3eFmwBB0virnhH3XpvyNAazChRANCAAR67dO/Kf+6eDgnPeXb2AaCCG/vIo5C
KJA5U4a2AfXA4DhecA8QxzqX1ErTrZSEw6xoaxd5LTFXbN766tMHVuJe
-----END PRIVATE KEY-----
"""

    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    /// `maximumTLSVersion`: a server stuck on an old protocol, which the client must refuse.
    init(answer: String, maximumTLSVersion: TLSVersion? = nil) async throws {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(Self.certificatePEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(Self.keyPEM.utf8), format: .pem)))
        configuration.minimumTLSVersion = .tlsv1
        configuration.maximumTLSVersion = maximumTLSVersion
        let context = try NIOSSLContext(configuration: configuration)
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    try child.pipeline.syncOperations.addHandler(Answerer(answer: answer))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async throws { try await channel.close() }

    /// Answers once the request's head has arrived (a blank line), then closes.
    final class Answerer: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let answer: String
        private let seen = Mutex("")
        init(answer: String) { self.answer = answer }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            let complete = seen.withLock { s in
                s += String(buffer: buffer)
                return s.contains("\r\n\r\n")
            }
            guard complete else { return }
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: answer)), promise: nil)
        }
    }
}

@Suite(.serialized) struct HTTPSTransportTests {
    func trusting(_ pem: String) throws -> TLSConfiguration {
        var c = TLSConfiguration.makeClientConfiguration()
        c.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(pem.utf8)))
        return c
    }

    @Test func anHTTPSRequestGoesThroughWithTheHostVerified() async throws {
        let server = try await TLSLoopbackServer(answer: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nETag: \"e\"\r\n\r\nhello")
        let t = HTTP1Transport(connectTimeout: .seconds(10), readTimeout: .seconds(10), requestTimeout: .seconds(20),
                               tlsConfiguration: try trusting(TLSLoopbackServer.certificatePEM))
        let r = try await t.send(HTTP1Request(method: "GET", url: "https://localhost:\(server.port)/bucket/key"), maxBodyBytes: 100)
        #expect(r.status == 200)
        #expect(r.body == Array("hello".utf8))
        try await t.shutdown()
        try await server.stop()
    }

    @Test func aCertificateNotTrustedIsATLSError() async throws {
        let server = try await TLSLoopbackServer(answer: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        // The system's trust roots do not include the test's self-signed certificate.
        let t = HTTP1Transport(connectTimeout: .seconds(10), readTimeout: .seconds(10), requestTimeout: .seconds(20))
        await #expect {
            _ = try await t.send(HTTP1Request(method: "GET", url: "https://localhost:\(server.port)/b/k"), maxBodyBytes: 100)
        } throws: { error in
            (error as? HTTPClientError)?.kind == .tls
        }
        try await t.shutdown()
        try await server.stop()
    }

    @Test(arguments: [TLSVersion.tlsv1, .tlsv11])
    func aServerOfferingOnlyTLSBelow12IsRefused(_ version: TLSVersion) async throws {
        let server = try await TLSLoopbackServer(answer: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", maximumTLSVersion: version)
        // Trusted certificate, right name: only the protocol version is wrong.
        let t = HTTP1Transport(connectTimeout: .seconds(10), readTimeout: .seconds(10), requestTimeout: .seconds(20),
                               tlsConfiguration: try trusting(TLSLoopbackServer.certificatePEM))
        await #expect {
            _ = try await t.send(HTTP1Request(method: "GET", url: "https://localhost:\(server.port)/b/k"), maxBodyBytes: 100)
        } throws: { error in
            (error as? HTTPClientError)?.kind == .tls
        }
        try await t.shutdown()
        try await server.stop()
    }

    @Test func theDefaultClientConfigurationIsRaisedToTLS12() {
        #expect(HTTP1Transport.requiringTLS12(.makeClientConfiguration()).minimumTLSVersion == .tlsv12)
        var strict = TLSConfiguration.makeClientConfiguration()
        strict.minimumTLSVersion = .tlsv13
        #expect(HTTP1Transport.requiringTLS12(strict).minimumTLSVersion == .tlsv13)
    }

    @Test func aNameTheCertificateDoesNotCoverIsATLSError() async throws {
        let server = try await TLSLoopbackServer(answer: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        let t = HTTP1Transport(connectTimeout: .seconds(10), readTimeout: .seconds(10), requestTimeout: .seconds(20),
                               tlsConfiguration: try trusting(TLSLoopbackServer.certificatePEM))
        // The same server by its address: the certificate names only `localhost`.
        await #expect {
            _ = try await t.send(HTTP1Request(method: "GET", url: "https://127.0.0.1:\(server.port)/b/k"), maxBodyBytes: 100)
        } throws: { error in
            (error as? HTTPClientError)?.kind == .tls
        }
        try await t.shutdown()
        try await server.stop()
    }
}
