import Foundation
@testable import HTTP1Client
import Testing

/// One test per ``HTTPClientError`` kind that the transport tests do not already reach
/// (those: connectFailed, tls, connectionClosed, readTimeout, responseTooLarge).
@Suite(.serialized) struct ErrorKindTests {
    func expectKind(
        _ kind: HTTPClientError.Kind, _ text: String, _ client: HTTP1Transport, _ request: HTTP1Request
    ) async {
        await #expect {
            _ = try await client.send(request, maxBodyBytes: 100)
        } throws: { error in
            (error as? HTTPClientError)?.kind == kind && "\(error)".contains(text)
        }
    }

    @Test func aURLWithUserInformationIsInvalidAndItsPasswordNotShown() async throws {
        let client = transport()
        await #expect {
            _ = try await client.send(.init(method: "GET", url: "http://KEY:SECRET@127.0.0.1:1/b"), maxBodyBytes: 10)
        } throws: { error in
            (error as? HTTPClientError)?.kind == .invalidURL && "\(error)".contains("http://127.0.0.1:1/b")
                && !"\(error)".contains("SECRET")
        }
        try await client.shutdown()
    }

    @Test func aTLSHandshakeThatNeverEndsIsAConnectTimeout() async throws {
        // The server accepts the connection and reads the ClientHello, but never answers it.
        let server = try LoopbackServer { _, _ in .silence }
        defer { server.stop() }
        let client = HTTP1Transport(connectTimeout: .milliseconds(300), readTimeout: .seconds(30), requestTimeout: .seconds(60))
        await expectKind(.connectTimeout, "TLS handshake with 127.0.0.1:\(server.port)", client,
                         .init(method: "GET", url: "https://127.0.0.1:\(server.port)/"))
        try await client.shutdown()
    }

    @Test func anAnswerSlowerThanTheRequestTimeoutIsARequestTimeout() async throws {
        let server = try LoopbackServer { _, _ in .silence }
        defer { server.stop() }
        // The read timeout is far longer: only the request's deadline can end this.
        let client = HTTP1Transport(connectTimeout: .seconds(20), readTimeout: .seconds(60), requestTimeout: .milliseconds(400))
        await expectKind(.requestTimeout, "no complete answer from 127.0.0.1:\(server.port) within 0.4 s", client,
                         .init(method: "GET", url: server.url + "/"))
        try await client.shutdown()
    }

    @Test func bytesThatAreNotHTTPAreAMalformedResponse() async throws {
        let server = try LoopbackServer { _, _ in .answer("SSH-2.0-OpenSSH_9.6\r\n\r\n") }
        defer { server.stop() }
        let client = transport()
        await expectKind(.malformedResponse, "not valid HTTP/1.1", client, .init(method: "GET", url: server.url + "/"))
        try await client.shutdown()
    }

    @Test func anAnswerCutShortIsAClosedConnectionNotAMalformedOne() async throws {
        let server = try LoopbackServer { _, _ in .answerAndClose("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") }
        defer { server.stop() }
        let client = transport()
        await #expect {
            _ = try await client.send(.init(method: "GET", url: server.url + "/"), maxBodyBytes: 100)
        } throws: { error in
            let e = error as? HTTPClientError
            return e?.kind == .connectionClosed && e?.answerStarted == true
        }
        try await client.shutdown()
    }

    @Test func aRequestAfterShutdownIsRefused() async throws {
        let server = try LoopbackServer { _, _ in .answer(ok("x")) }
        defer { server.stop() }
        let client = transport()
        _ = try await client.send(.init(method: "GET", url: server.url + "/"), maxBodyBytes: 10)
        try await client.shutdown()
        await expectKind(.shutDown, "shut down", client, .init(method: "GET", url: server.url + "/"))
        #expect(server.requests.count == 1)
    }
}
