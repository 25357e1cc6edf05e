import AWSSigV4
import Foundation
import HTTP1Client
import ObjectStore
import S3ObjectStore
import Testing

/// Settings of the live peers, given by `Tests/Interop/run-s3.sh`.
enum LivePeers {
    static let env = ProcessInfo.processInfo.environment
    /// OpenStack Swift's S3 API (strict: signatures, payload hashes, Content-MD5, clock skew).
    static let swift = env["OPENSENSOR_S3_LIVE_SWIFT"]
    /// moto_server (conditional puts).
    static let moto = env["OPENSENSOR_S3_LIVE_MOTO"]
    /// The fault-injection proxy in front of moto, and its statistics file.
    static let motoProxy = env["OPENSENSOR_S3_LIVE_MOTO_PROXY"]
    static let motoProxyStats = env["OPENSENSOR_S3_LIVE_MOTO_PROXY_STATS"]
    /// The fault-injection proxy in front of Swift, and its statistics file.
    static let swiftProxy = env["OPENSENSOR_S3_LIVE_SWIFT_PROXY"]
    static let swiftProxyStats = env["OPENSENSOR_S3_LIVE_SWIFT_PROXY_STATS"]
    /// Swift's credentials.
    static let swiftKey = env["OPENSENSOR_S3_LIVE_SWIFT_KEY"] ?? "test:tester"
    static let swiftSecret = env["OPENSENSOR_S3_LIVE_SWIFT_SECRET"] ?? "testing"
    /// The bucket the script reads back with DuckDB, and the Parquet file to put there.
    static let bucket = env["OPENSENSOR_S3_LIVE_BUCKET"] ?? "opensensor-live"
    static let parquetFixture = env["OPENSENSOR_S3_LIVE_PARQUET"]
    /// A folder where each live test leaves a marker, so the script can tell they really ran.
    static let markers = env["OPENSENSOR_S3_LIVE_MARKERS"]

    static let run = UUID().uuidString.lowercased().prefix(8)

    static func store(
        _ endpoint: String, key: String = swiftKey, secret: String = swiftSecret, bucket: String = bucket,
        tune: (inout S3Configuration) -> Void = { _ in }
    ) throws -> S3ObjectStore {
        S3ObjectStore(configuration: try configuration(endpoint, key: key, secret: secret, bucket: bucket, tune: tune))
    }

    static func configuration(
        _ endpoint: String, key: String = swiftKey, secret: String = swiftSecret, bucket: String = bucket,
        tune: (inout S3Configuration) -> Void = { _ in }
    ) throws -> S3Configuration {
        var configuration = try S3Configuration(
            settings: S3Settings(
                provider: "minio", bucket: bucket, region: "us-east-1", endpoint: endpoint, accessKeyID: key,
                secretAccessKey: secret))
        configuration.retry = RetryConfig(maxRetries: 4, totalTimeout: .seconds(60), initialBackoff: .milliseconds(50), maxBackoff: .seconds(1))
        configuration.readTimeout = .seconds(20)
        tune(&configuration)
        return configuration
    }

    static func mark(_ name: String) {
        guard let markers else { return }
        _ = FileManager.default.createFile(atPath: markers + "/" + name, contents: Data())
    }

    @discardableResult
    static func withStore<T>(_ store: S3ObjectStore, _ body: (S3ObjectStore) async throws -> T) async throws -> T {
        do {
            let result = try await body(store)
            try await store.shutdown()
            return result
        } catch {
            try? await store.shutdown()
            throw error
        }
    }
}

@Suite(
    .enabled(
        if: LivePeers.swift != nil,
        "needs OpenStack Swift's S3 API: run Tests/Interop/run-s3.sh (it sets OPENSENSOR_S3_LIVE_SWIFT)"),
    .serialized)
struct LiveSwiftTests {
    @Test(arguments: ObjectStoreConformance.Check.allCases)
    func conformance(_ check: ObjectStoreConformance.Check) async throws {
        try await LivePeers.withStore(try LivePeers.store(LivePeers.swift!)) { store in
            try await store.createBucket()
            // Swift answers If-None-Match: * on PUT with 501 (test-peers.md), so conditional puts are "unsupported".
            try await ObjectStoreConformance.run(
                check, on: store,
                options: .init(prefix: "conformance-\(LivePeers.run)/", conditionalPuts: false, largeObjectSize: (17 << 20) + 5))
            #expect(try await store.pendingMultipartUploads(prefix: "conformance-\(LivePeers.run)/").isEmpty)
        }
        LivePeers.mark("swift-\(check)")
    }

    @Test func wrongSecretIsACredentialsError() async throws {
        try await LivePeers.withStore(try LivePeers.store(LivePeers.swift!, secret: "wrong-secret")) { store in
            await #expect {
                _ = try await store.list(prefix: "", continuation: nil, maxKeys: 1)
            } throws: { error in
                let e = error as? ObjectStoreError
                return e?.kind == .credentials && e?.provider?.code == "SignatureDoesNotMatch"
                    && !"\(error)".contains("wrong-secret")
            }
        }
        LivePeers.mark("swift-wrong-secret")
    }

    @Test func missingBucketIsAConfigurationError() async throws {
        try await LivePeers.withStore(try LivePeers.store(LivePeers.swift!, bucket: "no-such-bucket-\(LivePeers.run)")) { store in
            await #expect {
                _ = try await store.list(prefix: "", continuation: nil, maxKeys: 1)
            } throws: { error in
                let e = error as? ObjectStoreError
                return e?.kind == .configuration && e?.provider?.code == "NoSuchBucket"
            }
        }
        LivePeers.mark("swift-missing-bucket")
    }

    @Test func aSkewedClockIsAConfigurationError() async throws {
        var configuration = try LivePeers.configuration(LivePeers.swift!)
        configuration.retry = .never
        let store = S3ObjectStore(
            configuration: configuration,
            transport: HTTP1Transport(connectTimeout: .seconds(5), readTimeout: .seconds(20), requestTimeout: .seconds(30)),
            now: { Date().addingTimeInterval(-3600) })
        try await LivePeers.withStore(store) { store in
            await #expect {
                _ = try await store.list(prefix: "", continuation: nil, maxKeys: 1)
            } throws: { error in
                let e = error as? ObjectStoreError
                return e?.kind == .configuration && e?.provider?.code == "RequestTimeTooSkewed"
            }
        }
        LivePeers.mark("swift-clock-skew")
    }

    @Test func presignedURLsWork() async throws {
        try await LivePeers.withStore(try LivePeers.store(LivePeers.swift!)) { store in
            try await store.createBucket()
            let path = try ObjectPath("presigned-\(LivePeers.run)/station=x/a b.bin")
            try await store.put(path, bytes: [1, 2, 3, 4])
            let transport = HTTP1Transport(connectTimeout: .seconds(5), readTimeout: .seconds(10), requestTimeout: .seconds(20))
            let ok = try await transport.send(.init(method: "GET", url: store.presignedURL(path, expires: 60), headers: [], body: []), maxBodyBytes: 100)
            #expect(ok.status == 200 && ok.body == [1, 2, 3, 4])
            let tampered = store.presignedURL(path, expires: 60).replacingOccurrences(of: "X-Amz-Expires=60", with: "X-Amz-Expires=61")
            let refused = try await transport.send(.init(method: "GET", url: tampered, headers: [], body: []), maxBodyBytes: 10_000)
            #expect(refused.status == 403)
            try await transport.shutdown()
        }
        LivePeers.mark("swift-presigned")
    }

    /// Uploads a Parquet file under a Hive layout for the script's DuckDB httpfs check.
    @Test(.enabled(if: LivePeers.parquetFixture != nil, "OPENSENSOR_S3_LIVE_PARQUET names the file to upload"))
    func uploadLakeForDuckDB() async throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: LivePeers.parquetFixture!)))
        try await LivePeers.withStore(try LivePeers.store(LivePeers.swift!)) { store in
            try await store.createBucket()
            for day in ["30", "31"] {
                let key = try store.configuration.objectKey(
                    forRelativePath: "station=0190a4c2-7b1e-7c3d-8e9f-0a1b2c3d4e5f/year=2025/month=08/day=\(day)/data_1445.parquet")
                let lake = try ObjectPath(prefix: "lake", relativePath: key.rawValue)
                try await store.put(lake, bytes: bytes)
                #expect(try await store.get(lake).bytes == bytes)
            }
        }
        LivePeers.mark("swift-duckdb-upload")
    }
}

@Suite(
    .enabled(if: LivePeers.moto != nil, "needs moto_server: run Tests/Interop/run-s3.sh (it sets OPENSENSOR_S3_LIVE_MOTO)"),
    .serialized)
struct LiveMotoTests {
    @Test(arguments: ObjectStoreConformance.Check.allCases)
    func conformance(_ check: ObjectStoreConformance.Check) async throws {
        try await LivePeers.withStore(try LivePeers.store(LivePeers.moto!)) { store in
            try await store.createBucket()
            try await ObjectStoreConformance.run(
                check, on: store,
                options: .init(prefix: "conformance-\(LivePeers.run)/", conditionalPuts: true, largeObjectSize: (17 << 20) + 5))
        }
        LivePeers.mark("moto-\(check)")
    }
}

/// Uploads through the loopback fault-injection proxy (Tests/Interop/s3/fault_proxy.py), which
/// answers some requests with 503 SlowDown or 500, resets connections before or after
/// forwarding (the latter loses the answer of a request that succeeded), and stalls others
/// past the client's read timeout.
@Suite(
    .enabled(
        if: LivePeers.motoProxy != nil && LivePeers.swiftProxy != nil,
        "needs the fault-injection proxies: run Tests/Interop/run-s3.sh"),
    .serialized)
struct LiveFaultInjectionTests {
    static let objectCount = 24

    func objects(_ prefix: String) throws -> [(ObjectPath, [UInt8])] {
        var list: [(ObjectPath, [UInt8])] = []
        for i in 0..<Self.objectCount {
            let key = "\(prefix)station=s/year=2025/month=08/day=\(10 + i % 3)/data_\(1000 + i).parquet"
            list.append((try ObjectPath(key), ObjectStoreConformance.pattern(count: 1000 + i * 7919, seed: UInt64(i))))
        }
        list.append((try ObjectPath("\(prefix)large/multipart.bin"), ObjectStoreConformance.pattern(count: (17 << 20) + 3, seed: 99)))
        return list
    }

    func upload(through proxy: String, direct: String, stats: String?, mode: PutMode, name: String) async throws {
        let prefix = "faults-\(LivePeers.run)/"
        let objects = try objects(prefix)
        let proxied = try LivePeers.store(proxy) { c in
            c.readTimeout = .seconds(1)  // the proxy stalls for longer than this
            c.retry = RetryConfig(maxRetries: 12, totalTimeout: .seconds(120), initialBackoff: .milliseconds(20), maxBackoff: .milliseconds(500))
        }
        try await LivePeers.withStore(proxied) { store in
            try await store.createBucket()
            try await withThrowingTaskGroup(of: Void.self) { group in
                var next = 0
                for _ in 0..<4 {  // a few uploads at a time, as the sync engine will run them
                    let (path, bytes) = objects[next]
                    next += 1
                    group.addTask { try await store.put(path, bytes: bytes, mode: bytes.count > 1 << 20 ? .overwrite : mode) }
                }
                while try await group.next() != nil {
                    if next < objects.count {
                        let (path, bytes) = objects[next]
                        next += 1
                        group.addTask { try await store.put(path, bytes: bytes, mode: bytes.count > 1 << 20 ? .overwrite : mode) }
                    }
                }
            }
        }
        // Check directly at the peer: every object present once, byte-identical, no leftover uploads.
        try await LivePeers.withStore(try LivePeers.store(direct)) { store in
            var listed: [String] = []
            for try await meta in store.listAll(prefix: prefix, pageSize: 10) { listed.append(meta.path.rawValue) }
            #expect(listed == objects.map(\.0.rawValue).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            for (path, bytes) in objects {
                let got = try await store.get(path)
                #expect(got.bytes == bytes, "\(path) differs after faults")
            }
            #expect(try await store.pendingMultipartUploads(prefix: prefix).isEmpty)
        }
        // The proxy's record: faults of every kind happened, and (create-only puts) every object
        // was written exactly once at the peer.
        if let stats {
            let data = try Data(contentsOf: URL(fileURLWithPath: stats))
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let faults = try #require(json["faults"] as? [String: Int])
            for kind in ["slowdown", "error500", "reset_before", "reset_after", "stall"] {
                #expect((faults[kind] ?? 0) > 0, "the proxy injected no \(kind) fault: \(faults)")
            }
            if mode == .create {
                let writes = try #require(json["writes"] as? [String: Int])
                for (path, _) in objects.dropLast() {
                    let count = writes.first { $0.key.hasSuffix(URIEncoding.encodePath(path.rawValue)) }?.value ?? 0
                    #expect(count == 1, "\(path) was written \(count) times at the peer")
                }
            }
        }
        LivePeers.mark("faults-\(name)")
    }

    @Test func motoCreateOnlyUploadsLandExactlyOnce() async throws {
        try await upload(
            through: LivePeers.motoProxy!, direct: LivePeers.moto!, stats: LivePeers.motoProxyStats, mode: .create,
            name: "moto")
    }

    @Test func swiftUploadsSurviveFaultsByteIdentical() async throws {
        try await upload(
            through: LivePeers.swiftProxy!, direct: LivePeers.swift!, stats: LivePeers.swiftProxyStats, mode: .overwrite,
            name: "swift")
    }
}
