import ObjectStore
@testable import S3ObjectStore
import Testing

/// A URL's `user:password@` is a password in plain sight: it must never reach a message.
@Suite struct EndpointDisplayTests {
    @Test(arguments: [
        ("https://AKIA:s3cr3t@minio.local:9000", "https://minio.local:9000"),
        ("http://user@10.0.0.2/", "http://10.0.0.2/"),
        ("https://a:b@c@host/path?x=a@b", "https://host/path?x=a@b"),  // the last @ of the authority
        ("AKIA:s3cr3t@host", "host"),
        ("https://host/key@with-at", "https://host/key@with-at"),  // an @ after the authority stays
        ("https://[::1]:9000", "https://[::1]:9000"),
        ("", ""),
    ])
    func userInformationIsRemoved(_ text: String, _ shown: String) {
        #expect(displayedEndpoint(text) == shown)
    }

    @Test(arguments: [
        "https://AKIA:s3cr3t@minio.local:9000", "ftp://AKIA:s3cr3t@minio.local", "https://AKIA:s3cr3t@host/path",
        "https://AKIA:s3cr3t@[::1", "https://AKIA:s3cr3t@host:99999",
    ])
    func aRefusedEndpointIsQuotedWithoutItsPassword(_ text: String) {
        #expect {
            _ = try S3Endpoint(parsing: text)
        } throws: { error in
            let message = "\(error)"
            return !message.contains("s3cr3t") && !message.contains("AKIA") && message.contains("endpoint")
        }
    }

    @Test func settingsAndConfigurationErrorsDoNotShowIt() {
        let settings = S3Settings(
            provider: "minio", bucket: "lake", endpoint: "https://AKIA:s3cr3t@minio.local:9000", accessKeyID: "AK",
            secretAccessKey: "SK")
        #expect(!settings.description.contains("s3cr3t"))
        #expect(settings.description.contains("https://minio.local:9000"))
        #expect {
            _ = try S3Configuration(settings: settings)
        } throws: { error in
            !"\(error)".contains("s3cr3t") && "\(error)".contains("minio.local")
        }
    }
}
