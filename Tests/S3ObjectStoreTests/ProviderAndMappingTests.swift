import HTTP1Client
import ObjectStore
import S3ObjectStore
import Testing

@Suite struct ProviderTests {
    func resolve(_ provider: String, region: String? = nil, endpoint: String? = nil, bucket: String = "lake", prefix: String? = nil) throws -> S3Configuration {
        try S3Configuration(
            settings: S3Settings(
                provider: provider, bucket: bucket, region: region, endpoint: endpoint, prefix: prefix, accessKeyID: "AK",
                secretAccessKey: "SK"))
    }

    @Test(arguments: [
        ("s3", "eu-central-1", "https://s3.eu-central-1.amazonaws.com", S3Addressing.virtualHosted, "eu-central-1"),
        ("wasabi", "eu-central-2", "https://s3.eu-central-2.wasabisys.com", .pathStyle, "eu-central-2"),
        ("backblaze", "us-west-004", "https://s3.us-west-004.backblazeb2.com", .pathStyle, "us-west-004"),
        ("hetzner", "fsn1", "https://fsn1.your-objectstorage.com", .pathStyle, "fsn1"),
        ("GCS", nil, "https://storage.googleapis.com", .pathStyle, "auto"),
        ("sourcecoop", nil, "https://data.source.coop", .pathStyle, "us-west-2"),
    ] as [(String, String?, String, S3Addressing, String)])
    func derivedEndpoints(provider: String, region: String?, endpoint: String, addressing: S3Addressing, signingRegion: String) throws {
        let c = try resolve(provider, region: region)
        #expect(c.endpoint.description == endpoint)
        #expect(c.addressing == addressing)
        #expect(c.region == signingRegion)
    }

    @Test func awsDefaultsToUsWest2AndPathStyleForDottedBuckets() throws {
        #expect(try resolve("s3").endpoint.host == "s3.us-west-2.amazonaws.com")
        #expect(try resolve("s3", bucket: "my.bucket").addressing == .pathStyle)
    }

    @Test func aCustomEndpointWinsAndIsPathStyle() throws {
        let c = try resolve("s3", endpoint: "http://192.168.1.20:9000/")
        #expect(c.endpoint.description == "http://192.168.1.20:9000" && c.addressing == .pathStyle)
        let r2 = try resolve("r2", endpoint: "https://acct.r2.cloudflarestorage.com")
        #expect(r2.region == "auto")
    }

    @Test(arguments: [
        ("r2", nil, "needs an endpoint"), ("minio", nil, "needs an endpoint"), ("azure", nil, "azure is not supported"),
        ("dropbox", nil, "unknown storage provider"), ("hetzner", nil, "needs its location"),
        ("minio", "http://minio.example.org:9000", "plain http"), ("minio", "ftp://x", "must start with https://"),
        ("minio", "https://host/path", "no path"), ("minio", "https://host:99999", "invalid port"),
    ] as [(String, String?, String)])
    func refusedSettings(provider: String, endpoint: String?, reason: String) {
        #expect {
            try resolve(provider, endpoint: endpoint)
        } throws: { error in
            let e = error as? ObjectStoreError
            return e?.kind == .configuration && e?.message.contains(reason) == true
        }
    }

    @Test func gcsWithAServiceAccountIsRefused() {
        #expect {
            try S3Configuration(settings: S3Settings(provider: "gcs", bucket: "b", gcsServiceAccountPath: "/etc/sa.json"))
        } throws: { ($0 as? ObjectStoreError)?.message.contains("service-account JSON") == true }
    }

    @Test func missingBucketOrKeysAreNamed() {
        #expect { try S3Configuration(settings: S3Settings(provider: "s3", accessKeyID: "a", secretAccessKey: "b")) } throws: {
            ($0 as? ObjectStoreError)?.message.contains("OPENSENSOR_STORAGE_BUCKET") == true
        }
        #expect { try S3Configuration(settings: S3Settings(provider: "s3", bucket: "b", accessKeyID: "a", secretAccessKey: " ")) } throws: {
            ($0 as? ObjectStoreError)?.message.contains("OPENSENSOR_AWS_SECRET_ACCESS_KEY") == true
        }
    }

    @Test(arguments: [
        ("http://127.0.0.1:8080", true), ("http://localhost:9000", true), ("http://10.1.2.3", true),
        ("http://172.16.0.1", true), ("http://172.32.0.1", false), ("http://192.168.0.9", true),
        ("http://[::1]:9000", true), ("http://[fd00::1]", true), ("http://8.8.8.8", false),
        ("http://example.com", false),
    ])
    func plainHTTPOnlyForLocalAddresses(endpoint: String, allowed: Bool) throws {
        #expect(try S3Endpoint(parsing: endpoint).isLoopbackOrPrivate == allowed)
    }

    @Test func objectKeysFollowThePrefixRule() throws {
        let relative = "station=abc/year=2025/month=08/day=30/data_1445.parquet"
        #expect(try resolve("s3", prefix: "/sensors/").objectKey(forRelativePath: relative).rawValue == "sensors/" + relative)
        #expect(try resolve("s3", prefix: nil).objectKey(forRelativePath: relative).rawValue == relative)
    }
}

@Suite struct ErrorMappingTests {
    @Test(arguments: [
        (404, "NoSuchKey", ObjectStoreError.Kind.notFound), (404, "NoSuchBucket", .configuration),
        (403, "SignatureDoesNotMatch", .credentials), (403, "InvalidAccessKeyId", .credentials),
        (403, "AccessDenied", .credentials), (403, "RequestTimeTooSkewed", .configuration),
        (400, "AuthorizationHeaderMalformed", .configuration), (301, "PermanentRedirect", .configuration),
        (412, "PreconditionFailed", .preconditionFailed), (503, "SlowDown", .transient), (500, "InternalError", .transient),
        (400, "BadDigest", .transient), (400, "InvalidDigest", .rejected), (501, "NotImplemented", .unsupported),
        (416, "InvalidRange", .rejected), (409, "OperationAborted", .transient), (400, "EntityTooSmall", .rejected),
    ] as [(Int, String, ObjectStoreError.Kind)])
    func byCode(status: Int, code: String, kind: ObjectStoreError.Kind) {
        #expect(S3ErrorMapping.classify(status: status, code: code).0 == kind)
    }

    @Test(arguments: [
        (404, ObjectStoreError.Kind.notFound), (403, .credentials), (401, .credentials), (412, .preconditionFailed),
        (409, .alreadyExists), (429, .transient), (500, .transient), (502, .transient), (503, .transient),
        (501, .unsupported), (400, .rejected), (307, .configuration),
    ] as [(Int, ObjectStoreError.Kind)])
    func byStatusWhenThereIsNoBody(status: Int, kind: ObjectStoreError.Kind) {
        #expect(S3ErrorMapping.classify(status: status, code: nil).0 == kind)
    }
}

@Suite struct EndpointAndPresignTests {
    @Test func ipv6EndpointsKeepTheirBrackets() throws {
        let e = try S3Endpoint(parsing: "http://[::1]:9000")
        #expect(e.host == "::1" && e.port == 9000 && e.authority == "[::1]:9000")
        #expect(try S3Endpoint(parsing: "https://S3.example.org:443/").description == "https://s3.example.org")
    }

    @Test func presignedURLUsesTheAddressingStyle() throws {
        let (store, _) = makeStore(testConfiguration(addressing: .virtualHosted, endpoint: "https://s3.us-east-1.amazonaws.com")) { _, _ in
            HTTP1Response(status: 500)
        }
        let url = store.presignedURL(try ObjectPath("test.txt"), expires: 86_400)
        #expect(url.hasPrefix("https://lake.s3.us-east-1.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&"))
        #expect(url.contains("&X-Amz-Credential=AKIDTEST%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&"))
        #expect(url.contains("&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature="))
        #expect(!url.contains("SECRET"))
    }
}
