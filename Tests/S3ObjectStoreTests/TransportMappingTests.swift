import Foundation
import HTTP1Client
import ObjectStore
import S3ObjectStore
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// How the store turns the HTTP client's failures and unreadable answers into ``ObjectStoreError`` kinds.
@Suite struct TransportMappingTests {
    /// A loopback port nothing listens on: bound, read back, closed.
    func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    @Test func theStoreCallsTransportFailuresTransient() async throws {
        var configuration = testConfiguration(endpoint: "http://127.0.0.1:\(try freePort())")
        configuration.retry = .never
        let store = S3ObjectStore(
            configuration: configuration,
            transport: HTTP1Transport(connectTimeout: .seconds(20), readTimeout: .seconds(5), requestTimeout: .seconds(60)))
        await #expect {
            _ = try await store.head(try ObjectPath("a/b.parquet"))
        } throws: { error in
            let e = error as? ObjectStoreError
            return e?.kind == .transient && e?.message.contains("refused") == true
                && (e?.underlying as? HTTPClientError)?.kind == .connectFailed
        }
        try await store.shutdown()
    }

    @Test(arguments: [
        HTTPClientError.Kind.connectFailed, .connectTimeout, .tls, .connectionClosed, .readTimeout, .requestTimeout,
        .malformedResponse, .invalidURL, .shutDown,
    ])
    func clientFailuresStayTransient(kind: HTTPClientError.Kind) async throws {
        let (store, transport) = makeStore { _, _ in throw HTTPClientError(kind, "scripted \(kind)") }
        await #expect {
            _ = try await store.get(try ObjectPath("k"), range: nil)
        } throws: { error in
            let e = error as? ObjectStoreError
            return e?.kind == .transient && e?.message.contains("scripted \(kind)") == true
        }
        #expect(transport.requests.count == 4)  // retried: 1 + 3
    }

    @Test func anAnswerOverTheLimitIsRejectedWithoutRetrying() async throws {
        let (store, transport) = makeStore { _, _ in
            throw HTTPClientError(.responseTooLarge, "the answer from h to GET is larger than the 1000 bytes allowed", answerStarted: true)
        }
        await #expect {
            _ = try await store.get(try ObjectPath("k"), range: nil)
        } throws: { error in
            let e = error as? ObjectStoreError
            return e?.kind == .rejected && e?.message.contains("1000 bytes") == true
                && e?.message.contains("S3Configuration.maxObjectSize") == true && e?.operation == "GET"
        }
        #expect(transport.requests.count == 1)
    }

    @Test func anUnreadableListingIsRejectedWithoutRetrying() async throws {
        let (store, transport) = makeStore { _, _ in
            HTTP1Response(status: 200, body: Array("<ListBucketResult><Contents></ListBucketResult>".utf8))
        }
        await #expect {
            _ = try await store.list(prefix: "", continuation: nil, maxKeys: 5)
        } throws: { error in
            let e = error as? ObjectStoreError
            return e?.kind == .rejected && e?.message.contains("malformed XML") == true
        }
        #expect(transport.requests.count == 1)
    }

    @Test func anUnreadableUploadsListingIsRejectedWithoutRetrying() async throws {
        let (store, transport) = makeStore { _, _ in HTTP1Response(status: 200, body: Array("<ListMultipartUploadsResult>".utf8)) }
        await #expect {
            _ = try await store.pendingMultipartUploads()
        } throws: { ($0 as? ObjectStoreError)?.kind == .rejected }
        #expect(transport.requests.count == 1)
    }

    @Test func anUnreadableCreateMultipartAnswerIsRejectedWithoutRetrying() async throws {
        var configuration = testConfiguration()
        configuration.multipartThreshold = 8
        let (store, transport) = makeStore(configuration) { _, _ in HTTP1Response(status: 200, body: Array("<Initiate".utf8)) }
        await #expect {
            try await store.put(try ObjectPath("k"), bytes: Array(repeating: 1, count: 16), mode: .overwrite)
        } throws: { error in
            let e = error as? ObjectStoreError
            return e?.kind == .rejected && e?.operation == "CreateMultipartUpload"
        }
        #expect(transport.requests.count == 1)
    }

    @Test func anUnreadableCompleteMultipartAnswerIsRejectedWithoutRetrying() async throws {
        var configuration = testConfiguration()
        configuration.multipartThreshold = 8
        let (store, transport) = makeStore(configuration) { request, _ in
            if request.method == "POST" && request.url.contains("uploads") {
                return HTTP1Response(status: 200, body: Array("<InitiateMultipartUploadResult><UploadId>U</UploadId></InitiateMultipartUploadResult>".utf8))
            }
            if request.method == "PUT" { return HTTP1Response(status: 200, headers: [("ETag", "\"p\"")]) }
            if request.method == "DELETE" { return HTTP1Response(status: 204) }
            return HTTP1Response(status: 200, body: Array("<CompleteMultipartUploadResult><ETag>".utf8))
        }
        await #expect {
            try await store.put(try ObjectPath("k"), bytes: Array(repeating: 1, count: 16), mode: .overwrite)
        } throws: { error in
            let e = error as? ObjectStoreError
            return e?.kind == .rejected && e?.operation == "CompleteMultipartUpload"
        }
        // One Complete, not four; then the abort.
        #expect(transport.requests.filter { $0.method == "POST" && $0.url.contains("uploadId=") }.count == 1)
        #expect(transport.requests.last?.method == "DELETE")
    }
}
