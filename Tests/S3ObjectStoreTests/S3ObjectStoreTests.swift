import AWSSigV4
import Foundation
import HTTP1Client
import ObjectStore
import S3ObjectStore
import Testing

/// The store against a scripted transport: what goes on the wire and how answers are read.
@Suite struct S3ObjectStoreRequestTests {
    // MD5("hello") = 5d41402abc4b2a76b9719d911017c592 (RFC 1321 test-suite style value, widely published).
    let hello = Array("hello".utf8)
    let helloMD5Hex = "5d41402abc4b2a76b9719d911017c592"
    let helloMD5Base64 = "XUFAKrxLKna5cZ2REBfFkg=="

    @Test func putSendsContentMD5AndSignedPayloadHashOnAPathStyleURL() async throws {
        let (store, transport) = makeStore { _, _ in HTTP1Response(status: 200, headers: [("ETag", "\"5d41402abc4b2a76b9719d911017c592\"")]) }
        let result = try await store.put(try ObjectPath("station=s/year=2025/data 1.parquet"), bytes: hello)
        #expect(result.eTag == helloMD5Hex)
        let request = try #require(transport.requests.first)
        #expect(request.method == "PUT")
        #expect(request.url == "http://127.0.0.1:9000/lake/station%3Ds/year%3D2025/data%201.parquet")
        #expect(request.header("Content-MD5") == helloMD5Base64)
        #expect(request.header("x-amz-content-sha256") == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
        let authorization = try #require(request.header("Authorization"))
        #expect(authorization.hasPrefix("AWS4-HMAC-SHA256 Credential=AKIDTEST/20130524/us-east-1/s3/aws4_request,"))
        #expect(authorization.contains("SignedHeaders=content-md5;host;x-amz-content-sha256;x-amz-date,"))
        #expect(request.header("User-Agent") == nil)
    }

    @Test func virtualHostedAddressingPutsTheBucketInTheHost() async throws {
        let (store, transport) = makeStore(testConfiguration(addressing: .virtualHosted, endpoint: "https://s3.eu-west-1.amazonaws.com")) { _, _ in
            HTTP1Response(status: 200, headers: [("Content-Length", "5"), ("ETag", "\"abc\"")])
        }
        _ = try await store.head(try ObjectPath("a/b"))
        #expect(transport.requests.first?.url == "https://lake.s3.eu-west-1.amazonaws.com/a/b")
    }

    @Test func aServerStoringOtherBytesIsCaught() async throws {
        let (store, _) = makeStore { _, _ in HTTP1Response(status: 200, headers: [("ETag", "\"00000000000000000000000000000000\"")]) }
        await #expect {
            try await store.put(try ObjectPath("k"), bytes: hello)
        } throws: { ($0 as? ObjectStoreError)?.message.contains("MD5") == true }
    }

    @Test func transientFailuresAreRetriedWithBackoff() async throws {
        let clock = InstantClock()
        let (store, transport) = makeStore(clock: clock) { request, index in
            switch index {
            case 0: HTTP1Response(status: 503, body: xmlError("SlowDown", "Please reduce your request rate."))
            case 1: throw URLError(.networkConnectionLost)
            case 2 where request.method == "HEAD": HTTP1Response(status: 404)
            default: HTTP1Response(status: 200, headers: [("ETag", "\"5d41402abc4b2a76b9719d911017c592\"")])
            }
        }
        try await store.put(try ObjectPath("k"), bytes: hello)
        // An answered failure is simply resent; after a lost answer a HEAD looks first.
        #expect(transport.requests.map(\.method) == ["PUT", "PUT", "HEAD", "PUT"])
        #expect(clock.sleeps == [.milliseconds(100), .milliseconds(200)])  // half of 200 ms, 400 ms (FixedRandom 0.5)
        // Each attempt is signed afresh (same fixed clock here, so same signature).
        let puts = transport.requests.filter { $0.method == "PUT" }
        #expect(Set(puts.map { $0.header("Authorization") ?? "" }).count == 1)
    }

    @Test func aPutWhoseAnswerWasLostButLandedIsNotSentAgain() async throws {
        let (store, transport) = makeStore { request, index in
            if index == 0 { throw URLError(.networkConnectionLost) }
            #expect(request.method == "HEAD")
            return HTTP1Response(status: 200, headers: [("ETag", "\"5d41402abc4b2a76b9719d911017c592\""), ("Content-Length", "5")])
        }
        let result = try await store.put(try ObjectPath("k"), bytes: hello)
        #expect(result.eTag == "5d41402abc4b2a76b9719d911017c592")
        #expect(transport.requests.map(\.method) == ["PUT", "HEAD"])
    }

    @Test func givingUpKeepsTheProviderCodeAndMessage() async throws {
        let (store, transport) = makeStore { _, _ in
            HTTP1Response(status: 503, headers: [("x-amz-request-id", "R1")], body: xmlError("SlowDown", "Reduce your rate"))
        }
        await #expect {
            try await store.put(try ObjectPath("k"), bytes: hello)
        } throws: { error in
            guard let e = error as? ObjectStoreError else { return false }
            return e.kind == .transient && e.attempts == 4 && e.provider?.code == "SlowDown"
                && e.provider?.message == "Reduce your rate" && e.provider?.status == 503
        }
        #expect(transport.requests.count == 4)
    }

    @Test func createModeSendsIfNoneMatchAndMapsConflictToAlreadyExists() async throws {
        let (store, transport) = makeStore { _, _ in HTTP1Response(status: 412, body: xmlError("PreconditionFailed")) }
        await #expect {
            try await store.put(try ObjectPath("k"), bytes: hello, mode: .create)
        } throws: { ($0 as? ObjectStoreError)?.kind == .alreadyExists }
        #expect(transport.requests.first?.header("If-None-Match") == "*")
        #expect(transport.requests.count == 1)
    }

    @Test func aCreateWhoseAnswerWasLostIsRecognisedAsOurs() async throws {
        // Attempt 1 lands but its answer is lost; attempt 2 finds the object (412); HEAD shows our MD5.
        let (store, transport) = makeStore { request, index in
            switch (index, request.method) {
            case (0, _): throw URLError(.networkConnectionLost)
            case (_, "PUT"): HTTP1Response(status: 412, body: xmlError("PreconditionFailed"))
            default: HTTP1Response(status: 200, headers: [("Content-Length", "5"), ("ETag", "\"5d41402abc4b2a76b9719d911017c592\"")])
            }
        }
        let result = try await store.put(try ObjectPath("k"), bytes: hello, mode: .create)
        #expect(result.eTag == helloMD5Hex)
        #expect(transport.requests.map(\.method) == ["PUT", "PUT", "HEAD"])
    }

    @Test func ifMatchCarriesTheQuotedETag() async throws {
        let (store, transport) = makeStore { _, _ in HTTP1Response(status: 412, body: xmlError("PreconditionFailed")) }
        await #expect {
            try await store.put(try ObjectPath("k"), bytes: hello, mode: .update(eTag: "abc"))
        } throws: { ($0 as? ObjectStoreError)?.kind == .preconditionFailed }
        #expect(transport.requests.first?.header("If-Match") == "\"abc\"")
    }

    @Test func rangedGetReadsContentRange() async throws {
        let (store, transport) = makeStore { _, _ in
            HTTP1Response(status: 206, headers: [("Content-Range", "bytes 2-4/10"), ("ETag", "\"e\"")], body: [7, 8, 9])
        }
        let result = try await store.get(try ObjectPath("k"), range: .offsets(2..<5))
        #expect(transport.requests.first?.header("Range") == "bytes=2-4")
        #expect(result.bytes == [7, 8, 9] && result.range == 2..<5 && result.meta.size == 10)
    }

    @Test func aShortPartialBodyIsRetried() async throws {
        let (store, transport) = makeStore { _, index in
            index == 0
                ? HTTP1Response(status: 206, headers: [("Content-Range", "bytes 2-4/10")], body: [7, 8])
                : HTTP1Response(status: 206, headers: [("Content-Range", "bytes 2-4/10")], body: [7, 8, 9])
        }
        #expect(try await store.get(try ObjectPath("k"), range: .offsets(2..<5)).bytes == [7, 8, 9])
        #expect(transport.requests.count == 2)
    }

    @Test func aCorruptedDownloadIsDetectedByItsMD5() async throws {
        let (store, _) = makeStore { _, _ in
            HTTP1Response(status: 200, headers: [("ETag", "\"5d41402abc4b2a76b9719d911017c592\"")], body: Array("hellO".utf8))
        }
        await #expect {
            _ = try await store.get(try ObjectPath("k"))
        } throws: { ($0 as? ObjectStoreError)?.kind == .transient }
    }

    @Test func listFollowsContinuationTokens() async throws {
        let pages = [
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>lake</Name><Prefix>p/</Prefix>
            <KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
            <NextContinuationToken>tok/en+1=</NextContinuationToken>
            <Contents><Key>p/a&amp;b</Key><LastModified>2025-08-30T14:45:00.000Z</LastModified><ETag>&quot;e1&quot;</ETag><Size>3</Size><StorageClass>STANDARD</StorageClass></Contents>
            <Contents><Key>p/folder/</Key><Size>0</Size></Contents>
            </ListBucketResult>
            """,
            """
            <ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>p/c</Key><Size>4</Size><ETag>"e2"</ETag></Contents></ListBucketResult>
            """,
        ]
        let (store, transport) = makeStore { _, index in HTTP1Response(status: 200, body: Array(pages[index].utf8)) }
        var keys: [String] = []
        for try await meta in store.listAll(prefix: "p/", pageSize: 2) { keys.append("\(meta.path)=\(meta.size)/\(meta.eTag ?? "")") }
        #expect(keys == ["p/a&b=3/e1", "p/c=4/e2"])
        #expect(transport.requests[0].url == "http://127.0.0.1:9000/lake?list-type=2&max-keys=2&prefix=p%2F")
        #expect(
            transport.requests[1].url
                == "http://127.0.0.1:9000/lake?continuation-token=tok%2Fen%2B1%3D&list-type=2&max-keys=2&prefix=p%2F")
    }

    @Test func aTruncatedListingWithoutATokenIsRefused() async throws {
        let (store, _) = makeStore { _, _ in
            HTTP1Response(status: 200, body: Array("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>".utf8))
        }
        await #expect(throws: ObjectStoreError.self) { _ = try await store.list(prefix: "", continuation: nil, maxKeys: 5) }
    }

    @Test func deleteOfAMissingObjectSucceedsButAMissingBucketDoesNot() async throws {
        let (store, _) = makeStore { _, _ in HTTP1Response(status: 404, body: xmlError("NoSuchKey")) }
        try await store.delete(try ObjectPath("k"))
        let (store2, _) = makeStore { _, _ in HTTP1Response(status: 404, body: xmlError("NoSuchBucket")) }
        await #expect {
            try await store2.delete(try ObjectPath("k"))
        } throws: { ($0 as? ObjectStoreError)?.kind == .configuration }
    }

    @Test func cancellationIsNotRetried() async throws {
        let (store, transport) = makeStore { _, _ in throw CancellationError() }
        await #expect(throws: CancellationError.self) { try await store.put(try ObjectPath("k"), bytes: [1]) }
        #expect(transport.requests.count == 1)
    }

    @Test func descriptionsAndErrorsNeverShowTheSecret() async throws {
        let (store, _) = makeStore { _, _ in HTTP1Response(status: 403, body: xmlError("SignatureDoesNotMatch")) }
        var texts = ["\(store)", "\(store.configuration)", String(reflecting: store.configuration)]
        var dumped = ""
        dump(store.configuration, to: &dumped)
        texts.append(dumped)
        do {
            try await store.put(try ObjectPath("k"), bytes: [1])
        } catch {
            texts.append("\(error)")
            #expect((error as? ObjectStoreError)?.kind == .credentials)
        }
        texts.append("\(S3Settings(accessKeyID: "AKIDTEST", secretAccessKey: "SECRET-never-print-me", sessionToken: "TOKEN-xyz"))")
        for text in texts {
            #expect(!text.contains("SECRET-never") && !text.contains("TOKEN-xyz"), "\(text)")
        }
    }
}

@Suite struct S3MultipartTests {
    let size = (8 << 20) * 2 + 1000  // two full 8 MiB parts and a short one

    func configuration() -> S3Configuration {
        var c = testConfiguration()
        c.multipartThreshold = 8 << 20
        return c
    }

    @Test func uploadsPartsAndCompletes() async throws {
        let bytes = ObjectStoreConformance.pattern(count: size, seed: 3)
        let (store, transport) = makeStore(configuration()) { request, _ in
            if request.method == "POST" && request.url.hasSuffix("?uploads=") {
                return HTTP1Response(status: 200, body: Array("<InitiateMultipartUploadResult><UploadId>U1</UploadId></InitiateMultipartUploadResult>".utf8))
            }
            if request.method == "PUT" { return HTTP1Response(status: 200, headers: [("ETag", "\"p\(request.body.count)\"")]) }
            return HTTP1Response(status: 200, body: Array("<CompleteMultipartUploadResult><ETag>&quot;final-3&quot;</ETag></CompleteMultipartUploadResult>".utf8))
        }
        let result = try await store.put(try ObjectPath("big"), bytes: bytes)
        #expect(result.eTag == "final-3")
        let requests = transport.requests
        #expect(requests.map(\.method) == ["POST", "PUT", "PUT", "PUT", "POST"])
        #expect(requests[1].url.hasSuffix("/lake/big?partNumber=1&uploadId=U1"))
        #expect(requests[1].body.count == 8 << 20 && requests[3].body.count == 1000)
        #expect(requests.dropFirst().dropLast().allSatisfy { $0.header("Content-MD5") != nil })
        #expect(requests[1].body + requests[2].body + requests[3].body == bytes)
        let complete = String(decoding: requests[4].body, as: UTF8.self)
        #expect(complete.contains("<Part><PartNumber>2</PartNumber><ETag>\"p8388608\"</ETag></Part>"))
        #expect(requests[4].url.hasSuffix("?uploadId=U1"))
    }

    @Test func aFailedPartAbortsTheUpload() async throws {
        let (store, transport) = makeStore(configuration()) { request, _ in
            if request.method == "POST" {
                return HTTP1Response(status: 200, body: Array("<InitiateMultipartUploadResult><UploadId>U2</UploadId></InitiateMultipartUploadResult>".utf8))
            }
            if request.method == "PUT" && request.url.contains("partNumber=2") {
                return HTTP1Response(status: 403, body: xmlError("AccessDenied"))
            }
            if request.method == "DELETE" { return HTTP1Response(status: 204) }
            return HTTP1Response(status: 200, headers: [("ETag", "\"x\"")])
        }
        await #expect {
            try await store.put(try ObjectPath("big"), bytes: [UInt8](repeating: 1, count: size))
        } throws: { ($0 as? ObjectStoreError)?.kind == .credentials }
        let last = try #require(transport.requests.last)
        #expect(last.method == "DELETE" && last.url.hasSuffix("/lake/big?uploadId=U2"))
    }

    @Test func anErrorInsideA200CompleteIsAnError() async throws {
        let (store, transport) = makeStore(configuration()) { request, _ in
            if request.method == "POST" && request.url.hasSuffix("?uploads=") {
                return HTTP1Response(status: 200, body: Array("<InitiateMultipartUploadResult><UploadId>U3</UploadId></InitiateMultipartUploadResult>".utf8))
            }
            if request.method == "POST" { return HTTP1Response(status: 200, body: xmlError("InternalError")) }
            if request.method == "DELETE" { return HTTP1Response(status: 204) }
            return HTTP1Response(status: 200, headers: [("ETag", "\"x\"")])
        }
        await #expect {
            try await store.put(try ObjectPath("big"), bytes: [UInt8](repeating: 1, count: size))
        } throws: { ($0 as? ObjectStoreError)?.provider?.code == "InternalError" }
        // Complete was retried (transient), then the upload was aborted.
        #expect(transport.requests.filter { $0.method == "POST" }.count == 1 + 4)
        #expect(transport.requests.last?.method == "DELETE")
    }
}
