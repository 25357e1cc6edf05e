// Loading: precedence, validation with the Python collector's ranges, unknown-key warnings,
// health-storage inheritance, and a `.env` written for the Python collector.

import Foundation
import Parquet
import Testing
@testable import Config

/// A scratch folder per test, removed afterwards.
final class ConfigScratch {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "config-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: false, encoding: .utf8)
        return file
    }
}

@Suite("Config: loading and validation")
struct ConfigLoadTests {
    /// A `.env` as the Python collector's `opensensor setup` writes it (utils/env.py), with
    /// sync on, plus the health-storage section and keys users add by hand.
    static let pythonCollectorEnv = """
        # OpenSensor.Space Configuration
        # https://opensensor.space

        # Station Configuration
        OPENSENSOR_STATION_ID=019374a2-6a1e-7c2b-9f3d-4e5a6b7c8d9e

        # Data Collection
        OPENSENSOR_READ_INTERVAL=10
        OPENSENSOR_BATCH_DURATION=1800

        # Output Settings
        OPENSENSOR_OUTPUT_DIR=/home/pi/opensensor/output
        OPENSENSOR_COMPRESSION=zstd

        # Logging
        OPENSENSOR_LOG_LEVEL=DEBUG

        # Health Monitoring (CPU, memory, disk, WiFi, NTP sync)
        OPENSENSOR_HEALTH_ENABLED=true
        OPENSENSOR_HEALTH_DIR=/home/pi/opensensor/health

        # Cloud Sync
        OPENSENSOR_SYNC_ENABLED=true
        OPENSENSOR_SYNC_INTERVAL_MINUTES=30

        # S3/MinIO Storage Settings
        OPENSENSOR_STORAGE_BUCKET=opensensor-data
        OPENSENSOR_STORAGE_PREFIX=stations/kitchen
        OPENSENSOR_STORAGE_REGION=eu-central-1

        # AWS Credentials
        OPENSENSOR_AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
        OPENSENSOR_AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
        OPENSENSOR_STORAGE_ENDPOINT=https://s3.eu-central-1.wasabisys.com
        OPENSENSOR_STORAGE_PROVIDER=wasabi

        # Health Data Storage (Separate)
        OPENSENSOR_HEALTH_STORAGE_PROVIDER=wasabi
        OPENSENSOR_HEALTH_STORAGE_BUCKET=opensensor-health
        OPENSENSOR_HEALTH_STORAGE_PREFIX=
        OPENSENSOR_HEALTH_STORAGE_REGION=us-west-2

        OPENSENSOR_TEMP_COMPENSATION_ENABLED=True
        OPENSENSOR_TEMP_COMPENSATION_FACTOR=1.8
        OPENSENSOR_PMS5003_DEVICE=/dev/ttyAMA0
        OPENSENSOR_LOG_DIR=/var/log/opensensor
        OPENSENSOR_LOG_JSON=false
        OPENSENSOR_GCS_SERVICE_ACCOUNT_PATH=/home/pi/gcs.json
        OPENSENSOR_AZURE_STORAGE_ACCOUNT=station
        OPENSENSOR_AZURE_STORAGE_KEY=azure-key-value-123456
        OPENSENSOR_AZURE_SAS_TOKEN=sv=2022-11-02&sig=abcdef

        """

    @Test func aPythonCollectorEnvLoadsUnchanged() throws {
        let scratch = try ConfigScratch()
        let file = try scratch.write(".env", Self.pythonCollectorEnv)
        let (config, warnings) = try StationConfig.load(environment: [:], envFile: file, overrides: [:])
        #expect(warnings.isEmpty)
        #expect(config.stationID == "019374a2-6a1e-7c2b-9f3d-4e5a6b7c8d9e")
        #expect(config.readInterval == 10)
        #expect(config.batchDuration == 1800)
        #expect(config.outputDirectory == "/home/pi/opensensor/output")
        #expect(config.healthDirectory == "/home/pi/opensensor/health")
        #expect(config.compression == .zstd(level: 3))
        #expect(config.logLevel == .debug)
        #expect(config.logDirectory == "/var/log/opensensor")
        #expect(config.healthEnabled)
        #expect(config.temperatureCompensationEnabled)
        #expect(config.temperatureCompensationFactor == 1.8)
        #expect(config.pms5003Device == "/dev/ttyAMA0")
        #expect(config.warmupReadings == 10)
        #expect(config.sync.enabled)
        #expect(config.sync.intervalMinutes == 30)
        let s = config.sync.storage
        #expect(s.provider == .wasabi)
        #expect(s.bucket == "opensensor-data")
        #expect(s.prefix == "stations/kitchen")
        #expect(s.region == "eu-central-1")
        #expect(s.endpoint == "https://s3.eu-central-1.wasabisys.com")
        #expect(s.awsAccessKeyID == "AKIAIOSFODNN7EXAMPLE")
        #expect(s.awsSecretAccessKey == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
        #expect(s.gcsServiceAccountPath == "/home/pi/gcs.json")
        #expect(s.azureStorageAccount == "station")
        #expect(s.azureStorageKey == "azure-key-value-123456")
        #expect(s.azureSASToken == "sv=2022-11-02&sig=abcdef")
        // Health: own bucket, same provider -> credentials and endpoint inherited; the empty
        // prefix counts as unset; its explicit region stays.
        let h = config.healthSync
        #expect(h.enabled)
        #expect(h.intervalMinutes == 30)
        #expect(h.storage.bucket == "opensensor-health")
        #expect(h.storage.prefix == nil)
        #expect(h.storage.region == "us-west-2")
        #expect(h.storage.awsSecretAccessKey == s.awsSecretAccessKey)
        #expect(h.storage.endpoint == s.endpoint)
    }

    @Test func flagsBeatTheEnvironmentWhichBeatsTheFileWhichBeatsDefaults() throws {
        let scratch = try ConfigScratch()
        let file = try scratch.write("x.env", """
            OPENSENSOR_READ_INTERVAL=7
            OPENSENSOR_BATCH_DURATION=600
            OPENSENSOR_LOG_LEVEL=ERROR
            """)
        let (config, _) = try StationConfig.load(
            environment: ["OPENSENSOR_BATCH_DURATION": "1200", "OPENSENSOR_LOG_LEVEL": "WARNING"],
            envFile: file, overrides: ["OPENSENSOR_LOG_LEVEL": "debug"])
        #expect(config.readInterval == 7)
        #expect(config.batchDuration == 1200)
        #expect(config.logLevel == .debug)
        #expect(config.warmupReadings == 10)
        #expect(config.sources["OPENSENSOR_READ_INTERVAL"] == .envFile)
        #expect(config.sources["OPENSENSOR_BATCH_DURATION"] == .environment)
        #expect(config.sources["OPENSENSOR_LOG_LEVEL"] == .flag)
        #expect(config.sources["OPENSENSOR_WARMUP_READINGS"] == .default)
    }

    @Test func defaultsWithoutAnySource() throws {
        let (config, warnings) = try StationConfig.load(environment: ["PATH": "/bin"], envFile: nil, overrides: [:])
        #expect(warnings.isEmpty)
        #expect(config.stationID == nil)
        #expect(config.readInterval == 5)
        #expect(config.batchDuration == 900)
        #expect(config.compression == .snappy)
        #expect(config.outputDirectory == "output")
        #expect(config.healthDirectory == "output-health")
        #expect(config.logLevel == .info)
        #expect(!config.sync.enabled)
        #expect(config.sync.storage.region == "us-west-2")
        #expect(config.sync.storage.provider == .s3)
        #expect(!config.healthSync.enabled)
    }

    @Test func everyDefaultInTheTableValidates() throws {
        for key in ConfigKey.all {
            if let text = key.defaultText { _ = try key.parse(text) }
        }
        #expect(Set(ConfigKey.all.map(\.name)).count == ConfigKey.all.count)
    }

    @Test func keysAreCaseInsensitiveAndEmptyMeansUnset() throws {
        let (config, _) = try StationConfig.load(
            environment: ["opensensor_read_interval": "8", "OPENSENSOR_BATCH_DURATION": "  "], envFile: nil,
            overrides: [:])
        #expect(config.readInterval == 8)
        #expect(config.batchDuration == 900)
    }

    @Test func healthDirectoryFollowsOutputAndTildeExpands() throws {
        let (a, _) = try StationConfig.load(
            environment: ["OPENSENSOR_OUTPUT_DIR": "~/data/", "HOME": "/home/pi"], envFile: nil, overrides: [:])
        #expect(a.outputDirectory == "/home/pi/data/")
        #expect(a.healthDirectory == "/home/pi/data-health")
        #expect(a.sources["OPENSENSOR_HEALTH_DIR"] == .derived)
    }

    @Test(arguments: [
        ("true", true), ("FALSE", false), ("1", true), ("0", false), ("Yes", true), ("no", false),
        ("on", true), ("off", false),
    ])
    func booleansParseAsPythonParsesThem(text: String, expected: Bool) throws {
        let (config, _) = try StationConfig.load(
            environment: ["OPENSENSOR_HEALTH_ENABLED": text], envFile: nil, overrides: [:])
        #expect(config.healthEnabled == expected)
    }

    @Test func integersAcceptAWholeFloatAsPydanticDoes() throws {
        let (config, _) = try StationConfig.load(
            environment: ["OPENSENSOR_READ_INTERVAL": "5.0"], envFile: nil, overrides: [:])
        #expect(config.readInterval == 5)
    }

    @Test(arguments: [
        ("OPENSENSOR_READ_INTERVAL", "0", "from 1 to 60"),
        ("OPENSENSOR_READ_INTERVAL", "61", "from 1 to 60"),
        ("OPENSENSOR_READ_INTERVAL", "5.5", "from 1 to 60"),
        ("OPENSENSOR_BATCH_DURATION", "59", "from 60 to 3600"),
        ("OPENSENSOR_BATCH_DURATION", "3601", "from 60 to 3600"),
        ("OPENSENSOR_WARMUP_READINGS", "1001", "from 0 to 1000"),
        ("OPENSENSOR_WARMUP_READINGS", "-1", "from 0 to 1000"),
        ("OPENSENSOR_TEMP_COMPENSATION_FACTOR", "0", "> 0"),
        ("OPENSENSOR_TEMP_COMPENSATION_FACTOR", "nan", "> 0"),
        ("OPENSENSOR_TEMP_COMPENSATION_ENABLED", "maybe", "true or false"),
        ("OPENSENSOR_SYNC_INTERVAL_MINUTES", "0", "≥ 1"),
        ("OPENSENSOR_COMPRESSION", "lz4", "snappy, zstd, gzip or none"),
        ("OPENSENSOR_COMPRESSION", "zstd:23", "zstd:1–22"),
        ("OPENSENSOR_LOG_LEVEL", "verbose", "DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ("OPENSENSOR_STORAGE_PROVIDER", "dropbox", "s3, r2, gcs, azure, minio, wasabi, backblaze, hetzner, sourcecoop"),
        ("OPENSENSOR_HEALTH_STORAGE_PROVIDER", "ftp", "s3, r2"),
        ("OPENSENSOR_STATION_ID", "station-1", "a UUID"),
        ("OPENSENSOR_STATION_ID", "019374a2-6a1e-7c2b-9f3d-4e5a6b7c8d9", "a UUID"),
        ("OPENSENSOR_STORAGE_ENDPOINT", "minio.local:9000", "http:// or https://"),
    ])
    func anInvalidValueIsNamedWithWhatIsAllowed(key: String, value: String, allowed: String) {
        do {
            _ = try StationConfig.load(environment: [key: value], envFile: nil, overrides: [:])
            Issue.record("\(key)=\(value) was accepted")
        } catch {
            guard case .invalidValue(let k, let v, let a) = error else { Issue.record("unexpected \(error)"); return }
            #expect(k == key)
            #expect(v == value)
            #expect(a.contains(allowed))
            #expect(error.description.contains("\(key)=\(value)"))
        }
    }

    @Test func uuidFormsPythonAcceptsAreCanonicalised() throws {
        for text in [
            "019374A2-6A1E-7C2B-9F3D-4E5A6B7C8D9E", "019374a26a1e7c2b9f3d4e5a6b7c8d9e",
            "{019374a2-6a1e-7c2b-9f3d-4e5a6b7c8d9e}", "urn:uuid:019374a2-6a1e-7c2b-9f3d-4e5a6b7c8d9e",
        ] {
            let (config, _) = try StationConfig.load(
                environment: ["OPENSENSOR_STATION_ID": text], envFile: nil, overrides: [:])
            #expect(config.stationID == "019374a2-6a1e-7c2b-9f3d-4e5a6b7c8d9e")
        }
    }

    @Test func unknownKeysWarnWithTheClosestKnownKey() throws {
        let scratch = try ConfigScratch()
        let file = try scratch.write(".env", "OPENSENSOR_STORAGE_BUKET=b\nOTHER_TOOL_KEY=1\nOPENSENSOR_ANSWER=42\n")
        // In the environment, a variable far from every key belongs to another tool: no warning.
        let (_, warnings) = try StationConfig.load(
            environment: ["OPENSENSOR_READ_INTERVALL": "5", "PATH": "/bin", "OPENSENSOR_WARMUP": "3", "OPENSENSOR_BIN": "/x"],
            envFile: file, overrides: [:])
        #expect(warnings.count == 4)
        #expect(warnings.contains { $0.contains("OPENSENSOR_ANSWER") })
        #expect(!warnings.contains { $0.contains("OPENSENSOR_BIN") })
        #expect(warnings.contains { $0.contains("OPENSENSOR_STORAGE_BUKET") && $0.contains("OPENSENSOR_STORAGE_BUCKET") })
        #expect(warnings.contains { $0.contains("OPENSENSOR_READ_INTERVALL") && $0.contains("did you mean OPENSENSOR_READ_INTERVAL?") })
        #expect(warnings.contains { $0.contains("OPENSENSOR_WARMUP ") && $0.contains("OPENSENSOR_WARMUP_READINGS") })
    }

    @Test func aMissingExplicitEnvFileIsAnError() {
        #expect(throws: ConfigError.self) {
            _ = try StationConfig.load(environment: [:], envFile: "/nonexistent/opensensor/.env", overrides: [:])
        }
    }

    @Test func aBrokenEnvFileNamesItsLine() throws {
        let scratch = try ConfigScratch()
        let file = try scratch.write(".env", "OPENSENSOR_READ_INTERVAL=5\n# ok\nOPENSENSOR_OUTPUT_DIR my data\n")
        do {
            _ = try StationConfig.load(environment: [:], envFile: file, overrides: [:])
            Issue.record("loaded a broken file")
        } catch {
            #expect(error == .malformedEnvFile(path: file, line: 3, expected: "`=` after the key OPENSENSOR_OUTPUT_DIR"))
        }
    }

    @Test func healthStorageInheritsEverythingWithoutABucket() throws {
        let (config, _) = try StationConfig.load(
            environment: [
                "OPENSENSOR_SYNC_ENABLED": "true", "OPENSENSOR_STORAGE_PROVIDER": "hetzner",
                "OPENSENSOR_STORAGE_BUCKET": "lake", "OPENSENSOR_STORAGE_PREFIX": "stations",
                "OPENSENSOR_STORAGE_REGION": "fsn1", "OPENSENSOR_AWS_ACCESS_KEY_ID": "KEYID",
                "OPENSENSOR_AWS_SECRET_ACCESS_KEY": "SECRET",
            ], envFile: nil, overrides: [:])
        let h = config.healthSync
        #expect(h.enabled)
        #expect(h.storage.provider == .hetzner)
        #expect(h.storage.bucket == "lake")
        #expect(h.storage.prefix == "stations-health")
        #expect(h.storage.region == "fsn1")
        #expect(h.storage.awsAccessKeyID == "KEYID")
        #expect(h.storage.awsSecretAccessKey == "SECRET")
        #expect(config.sources["OPENSENSOR_HEALTH_STORAGE_PREFIX"] == .inherited)
    }

    @Test func healthStorageOfAnotherProviderInheritsNoCredentials() throws {
        let (config, _) = try StationConfig.load(
            environment: [
                "OPENSENSOR_SYNC_ENABLED": "true", "OPENSENSOR_STORAGE_BUCKET": "lake",
                "OPENSENSOR_AWS_SECRET_ACCESS_KEY": "SECRET", "OPENSENSOR_HEALTH_STORAGE_PROVIDER": "r2",
                "OPENSENSOR_HEALTH_STORAGE_BUCKET": "health",
            ], envFile: nil, overrides: [:])
        #expect(config.healthSync.storage.provider == .r2)
        #expect(config.healthSync.storage.awsSecretAccessKey == nil)
    }

    @Test func anExplicitHealthSyncOffIsHonoured() throws {
        let (config, _) = try StationConfig.load(
            environment: ["OPENSENSOR_SYNC_ENABLED": "true", "OPENSENSOR_HEALTH_SYNC_ENABLED": "false"],
            envFile: nil, overrides: [:])
        #expect(config.sync.enabled)
        #expect(!config.healthSync.enabled)
    }

    @Test func documentationListsEveryKey() {
        let doc = ConfigKey.documentation()
        for key in ConfigKey.all { #expect(doc.contains("`\(key.name)`")) }
        #expect(doc.contains("from 0 to 1000"))
    }
}
