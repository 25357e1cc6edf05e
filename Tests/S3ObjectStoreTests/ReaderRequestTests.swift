// What a lake reader asks of S3: delimiter listings (one level of the layout at a time) and,
// without keys, unsigned requests for a public bucket.

import AWSSigV4
import Foundation
import HTTP1Client
import ObjectStore
import S3ObjectStore
import Testing

@Suite struct ReaderRequestTests {
    @Test func aDelimiterListingSendsTheDelimiterAndReturnsTheCommonPrefixes() async throws {
        let page = """
            <ListBucketResult><IsTruncated>false</IsTruncated><Prefix>lake/station=a/</Prefix>
            <Contents><Key>lake/station=a/notes.txt</Key><Size>4</Size><ETag>"e1"</ETag></Contents>
            <CommonPrefixes><Prefix>lake/station=a/year=2025/</Prefix></CommonPrefixes>
            <CommonPrefixes><Prefix>lake/station=a/year=2026/</Prefix></CommonPrefixes>
            </ListBucketResult>
            """
        let (store, transport) = makeStore { _, _ in HTTP1Response(status: 200, body: Array(page.utf8)) }
        let result = try await store.list(prefix: "lake/station=a/", delimiter: "/", continuation: nil, maxKeys: 1000)
        #expect(result.commonPrefixes == ["lake/station=a/year=2025/", "lake/station=a/year=2026/"])
        #expect(result.objects.map(\.path.rawValue) == ["lake/station=a/notes.txt"])
        #expect(
            transport.requests[0].url
                == "http://127.0.0.1:9000/lake?delimiter=%2F&list-type=2&max-keys=1000&prefix=lake%2Fstation%3Da%2F")
    }

    @Test func withoutKeysAReaderSendsUnsignedRequests() async throws {
        let configuration = try S3Configuration(
            settings: S3Settings(provider: "s3", bucket: "us-west-2.opendata.source.coop", region: "us-west-2"),
            anonymousAllowed: true)
        #expect(configuration.credentials == nil)
        // A bucket name with dots is addressed path-style (the wildcard certificate does not match it).
        #expect(configuration.addressing == .pathStyle)
        #expect("\(configuration)".contains("unsigned"))
        let (store, transport) = makeStore(configuration) { _, _ in
            HTTP1Response(status: 206, headers: [("Content-Range", "bytes 0-1/10"), ("ETag", "\"e\"")], body: [1, 2])
        }
        let got = try await store.get(try ObjectPath("p/station=x/a b.parquet"), range: .offsets(0..<2))
        #expect(got.bytes == [1, 2] && got.meta.size == 10)
        let request = try #require(transport.requests.first)
        #expect(request.url == "https://s3.us-west-2.amazonaws.com/us-west-2.opendata.source.coop/p/station%3Dx/a%20b.parquet")
        #expect(!request.headers.contains { $0.name.lowercased() == "authorization" || $0.name.lowercased().hasPrefix("x-amz-") })
        #expect(request.headers.contains { $0.name == "Range" && $0.value == "bytes=0-1" })
    }

    @Test func unsignedIsOnlyForNoKeysAtAll() {
        // Sync never runs unsigned: without the flag, missing keys are an error as before.
        #expect(throws: ObjectStoreError.self) { try S3Configuration(settings: S3Settings(bucket: "b")) }
        // One key without the other is a mistake, not a wish to read anonymously.
        #expect(throws: ObjectStoreError.self) {
            try S3Configuration(settings: S3Settings(bucket: "b", accessKeyID: "AKID"), anonymousAllowed: true)
        }
    }
}
