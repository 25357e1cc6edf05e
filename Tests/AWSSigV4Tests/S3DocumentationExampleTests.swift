import AWSSigV4
import Foundation
import Testing

/// The worked examples of the S3 API documentation ("Signature Calculations for the
/// Authorization Header: Transferring Payload in a Single Chunk" and "Authenticating Requests:
/// Using Query Parameters"): example credentials, 2013-05-24T00:00:00Z, us-east-1.
@Suite struct S3DocumentationExampleTests {
    let signer = AWSSigner(
        credentials: AWSCredentials(
            accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        region: "us-east-1")
    let date = Date(timeIntervalSince1970: 1_369_353_600)  // 20130524T000000Z
    let host = "examplebucket.s3.amazonaws.com"

    @Test func getObjectWithRange() {
        let signed = signer.sign(
            .init(method: "GET", host: host, path: "/test.txt", headers: [("Range", "bytes=0-9")]),
            payload: .empty, date: date)
        #expect(signed.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
        #expect(
            signed.canonicalRequest
                == """
                GET
                /test.txt

                host:examplebucket.s3.amazonaws.com
                range:bytes=0-9
                x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                x-amz-date:20130524T000000Z

                host;range;x-amz-content-sha256;x-amz-date
                e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
                """)
        let authorization = signed.headers.first { $0.name == "Authorization" }?.value
        #expect(
            authorization
                == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                + "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func putObjectSignsPayloadAndEncodesDollar() {
        let body = Array("Welcome to Amazon S3.".utf8)
        let payload = AWSSigner.PayloadHash.of(body)
        #expect(payload.value == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072")
        let signed = signer.sign(
            .init(
                method: "PUT", host: host, path: "/test$file.text",
                headers: [("Date", "Fri, 24 May 2013 00:00:00 GMT"), ("x-amz-storage-class", "REDUCED_REDUNDANCY")]),
            payload: payload, date: date)
        #expect(signed.encodedPath == "/test%24file.text")
        #expect(signed.signature == "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd")
    }

    @Test func getBucketLifecycle() {
        let signed = signer.sign(
            .init(method: "GET", host: host, path: "/", query: [("lifecycle", "")]), payload: .empty, date: date)
        #expect(signed.encodedQuery == "lifecycle=")
        #expect(signed.signature == "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543")
    }

    @Test func listObjectsSortsQuery() {
        let signed = signer.sign(
            .init(method: "GET", host: host, path: "/", query: [("prefix", "J"), ("max-keys", "2")]),
            payload: .empty, date: date)
        #expect(signed.encodedQuery == "max-keys=2&prefix=J")
        #expect(signed.signature == "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7")
    }

    @Test func presignedGet() {
        let signed = signer.presign(.init(method: "GET", host: host, path: "/test.txt"), expires: 86_400, date: date)
        #expect(signed.signature == "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(
            signed.pathAndQuery
                == "/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
                + "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
                + "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404")
        #expect(signed.canonicalRequest.hasSuffix("\nhost\nUNSIGNED-PAYLOAD"))
    }

    @Test func changingAnyInputChangesTheSignature() {
        let base = signer.sign(.init(method: "GET", host: host, path: "/test.txt"), payload: .empty, date: date)
        let otherPath = signer.sign(.init(method: "GET", host: host, path: "/test.txT"), payload: .empty, date: date)
        let otherDate = signer.sign(
            .init(method: "GET", host: host, path: "/test.txt"), payload: .empty, date: date.addingTimeInterval(1))
        let otherRegion = AWSSigner(credentials: signer.credentials, region: "eu-west-1").sign(
            .init(method: "GET", host: host, path: "/test.txt"), payload: .empty, date: date)
        #expect(Set([base.signature, otherPath.signature, otherDate.signature, otherRegion.signature]).count == 4)
    }
}
