import AWSSigV4
import Foundation
import Testing

@Suite struct EncodingAndRedactionTests {
    @Test func pathEncodingKeepsSlashesAndUnreservedOnly() {
        #expect(
            URIEncoding.encodePath("/bucket/station=0190a/year=2025/data 14:45+é.parquet")
                == "/bucket/station%3D0190a/year%3D2025/data%2014%3A45%2B%C3%A9.parquet")
        #expect(URIEncoding.encodePath("/a-b_c.d~e/") == "/a-b_c.d~e/")
    }

    @Test func queryEncodingEncodesSlashAndSpace() {
        #expect(URIEncoding.encodeQueryComponent("a/b c*") == "a%2Fb%20c%2A")
        #expect(URIEncoding.encodeQueryComponent("1/2+3=") == "1%2F2%2B3%3D")
    }

    @Test(arguments: [
        (0.0, "19700101T000000Z"),
        (951_782_400.0, "20000229T000000Z"),
        (1_440_938_160.9, "20150830T123600Z"),
        (-1.0, "19691231T235959Z"),
        (4_102_444_799.0, "20991231T235959Z"),
    ])
    func signingDate(seconds: Double, expected: String) {
        let date = SigningDate(Date(timeIntervalSince1970: seconds))
        #expect(date.timestamp == expected)
        #expect(date.day == String(expected.prefix(8)))
    }

    @Test func credentialsNeverShowTheirSecrets() {
        let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s3cr3t-value", sessionToken: "t0ken-value")
        let signer = AWSSigner(credentials: credentials, region: "us-east-1")
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [
            credentials.description, credentials.debugDescription, String(describing: credentials),
            String(reflecting: credentials), "\(signer)", String(reflecting: signer), dumped,
        ] {
            #expect(!text.contains("s3cr3t"), "\(text)")
            #expect(!text.contains("t0ken"), "\(text)")
            #expect(text.contains("AKID"), "\(text)")
        }
    }
}
