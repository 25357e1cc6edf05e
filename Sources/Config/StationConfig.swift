// The station's configuration: the keys of ConfigKey.all merged from flags, the process
// environment, a `.env` file and defaults, in that order (docs/ARCHITECTURE.md §2), then validated.

import DurableFiles
import ObjectStore
public import Parquet

/// Where an effective value came from, for `opensensor info`.
public enum ConfigSource: String, Sendable, Equatable {
    case flag, environment, envFile = "env file", inherited, derived, `default`
}

/// Object storage settings: one set for sensor data, one for health data.
public struct StorageSettings: Sendable, Equatable, CustomStringConvertible, CustomReflectable {
    public var provider: StorageProvider
    public var bucket: String?
    public var prefix: String?
    public var region: String
    /// The configured endpoint; providers that derive one from the region leave it nil here.
    public var endpoint: String?
    public var awsAccessKeyID: String?
    public var awsSecretAccessKey: String?
    public var gcsServiceAccountPath: String?
    public var azureStorageAccount: String?
    public var azureStorageKey: String?
    public var azureSASToken: String?

    public init(
        provider: StorageProvider = .s3, bucket: String? = nil, prefix: String? = nil, region: String = "us-west-2",
        endpoint: String? = nil, awsAccessKeyID: String? = nil, awsSecretAccessKey: String? = nil,
        gcsServiceAccountPath: String? = nil, azureStorageAccount: String? = nil, azureStorageKey: String? = nil,
        azureSASToken: String? = nil
    ) {
        self.provider = provider
        self.bucket = bucket
        self.prefix = prefix
        self.region = region
        self.endpoint = endpoint
        self.awsAccessKeyID = awsAccessKeyID
        self.awsSecretAccessKey = awsSecretAccessKey
        self.gcsServiceAccountPath = gcsServiceAccountPath
        self.azureStorageAccount = azureStorageAccount
        self.azureStorageKey = azureStorageKey
        self.azureSASToken = azureSASToken
    }

    /// Fields with the key that sets them, in table order (masking reads the key's sensitivity).
    var fields: [(suffix: String, value: String?)] {
        [
            ("STORAGE_PROVIDER", provider.rawValue), ("STORAGE_BUCKET", bucket), ("STORAGE_PREFIX", prefix),
            ("STORAGE_REGION", region), ("STORAGE_ENDPOINT", endpoint), ("AWS_ACCESS_KEY_ID", awsAccessKeyID),
            ("AWS_SECRET_ACCESS_KEY", awsSecretAccessKey), ("GCS_SERVICE_ACCOUNT_PATH", gcsServiceAccountPath),
            ("AZURE_STORAGE_ACCOUNT", azureStorageAccount), ("AZURE_STORAGE_KEY", azureStorageKey),
            ("AZURE_SAS_TOKEN", azureSASToken),
        ]
    }

    var maskedFields: [(String, String)] {
        fields.map { field in
            let key = ConfigKey.named(ConfigKey.prefix + field.suffix)
            return (field.suffix.lowercased(), field.value.map { key?.mask($0) ?? "****" } ?? "-")
        }
    }

    /// Secrets masked.
    public var description: String {
        maskedFields.map { "\($0.0)=\($0.1)" }.joined(separator: " ")
    }

    /// Secrets masked in `dump` and debuggers too.
    public var customMirror: Mirror {
        Mirror(self, children: maskedFields.map { (label: $0.0, value: $0.1 as Any) })
    }
}

/// Sync settings for one kind of data.
public struct SyncSettings: Sendable, Equatable {
    public var enabled: Bool
    public var intervalMinutes: Int
    public var storage: StorageSettings

    public init(enabled: Bool = false, intervalMinutes: Int = 15, storage: StorageSettings = StorageSettings()) {
        self.enabled = enabled
        self.intervalMinutes = intervalMinutes
        self.storage = storage
    }
}

/// Every setting of the collector, typed and validated.
public struct StationConfig: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Canonical lowercase UUID; nil until `opensensor setup` has run (the collector requires one).
    public var stationID: String?
    /// Seconds between readings (1–60).
    public var readInterval: Int
    /// Seconds per batch (60–3600).
    public var batchDuration: Int
    /// Readings discarded after start (0–1000).
    public var warmupReadings: Int
    public var temperatureCompensationEnabled: Bool
    /// > 0.
    public var temperatureCompensationFactor: Double
    public var pms5003Device: String
    public var outputDirectory: String
    /// `OPENSENSOR_HEALTH_DIR`, or `<output>-health`.
    public var healthDirectory: String
    /// `OPENSENSOR_CACHE_DIR`: the cache of a remote lake's objects; nil: the user's cache folder.
    public var cacheDirectory: String?
    /// `OPENSENSOR_CACHE_MB` (0: no cache).
    public var cacheMB: Int
    public var compression: Compression
    public var healthEnabled: Bool
    public var logLevel: LogLevel
    public var logDirectory: String
    /// Accepted for compatibility; we always log plain text.
    public var logJSON: Bool
    /// `OPENSENSOR_JOURNAL_SYNC_SECONDS` (0: every reading).
    public var journalSyncSeconds: Int
    /// Its default, chosen from Benchmarks/run-wear.sh (README, "SD card wear").
    public static let journalSyncDefault = 30
    /// `OPENSENSOR_RETENTION_DAYS`: nil keeps batch files forever.
    public var retentionDays: Int?
    /// `OPENSENSOR_MIN_FREE_MB` (0: no floor).
    public var minFreeMB: Int
    /// `OPENSENSOR_RETENTION_DELETE_UNSYNCED`: only ever true with sync off (load refuses it otherwise).
    public var retentionDeleteUnsynced: Bool
    /// `OPENSENSOR_COMPACT_ENABLED`: `start` writes the day file of each closed day.
    public var compactEnabled: Bool
    /// `OPENSENSOR_DAILY_DIR`, or `<output>-daily`: the lake of day files.
    public var dailyDirectory: String
    /// The health lake's day files: `<health>-daily`.
    public var healthDailyDirectory: String { healthDirectory + "-daily" }
    /// `OPENSENSOR_DAILY_STORAGE_PREFIX`, if set.
    public var dailyStoragePrefixSetting: String?
    public var sync: SyncSettings
    /// Health data's sync settings after inheritance from `sync`.
    public var healthSync: SyncSettings
    /// The effective value of every key that has one, as text (unmasked; print `entries`).
    public private(set) var values: [String: String]
    /// Where each effective value came from.
    public private(set) var sources: [String: ConfigSource]

    /// Every key with its masked effective value ("-" when unset) and source, in table order.
    public var entries: [(key: ConfigKey, display: String, source: ConfigSource)] {
        ConfigKey.all.map { key in
            (key, values[key.name].map(key.mask) ?? "-", sources[key.name] ?? .default)
        }
    }

    /// One `KEY=value (source)` line per key, secrets masked.
    public var redactedDescription: String {
        entries.map { "\($0.key.name)=\($0.display) (\($0.source.rawValue))" }.joined(separator: "\n")
    }

    public var description: String { redactedDescription }
    public var debugDescription: String { redactedDescription }
    public var customMirror: Mirror {
        Mirror(self, children: entries.map { (label: $0.key.name, value: $0.display as Any) })
    }

    /// The default configuration (no station id).
    public static var defaults: StationConfig {
        // The defaults of the table always validate (tested); `try?` keeps this total.
        (try? load(environment: [:], envFile: nil, overrides: [:], workingDirectoryEnvFile: false).0)
            ?? fallback
    }

    private static let fallback = StationConfig(resolved: [:], sources: [:])

    /// Loads the configuration: `overrides` (from flags) > `environment` > the `.env` file >
    /// defaults. The `.env` file is `envFile`, or `./.env` when nil and present. Keys are
    /// matched case-insensitively, as the Python collector does; an empty value counts as unset.
    /// Returns warnings for unknown `OPENSENSOR_*` keys, each naming the closest known key.
    public static func load(
        environment: [String: String], envFile: String?, overrides: [String: String]
    ) throws(ConfigError) -> (StationConfig, warnings: [String]) {
        try load(environment: environment, envFile: envFile, overrides: overrides, workingDirectoryEnvFile: true)
    }

    static func load(
        environment: [String: String], envFile: String?, overrides: [String: String], workingDirectoryEnvFile: Bool
    ) throws(ConfigError) -> (StationConfig, warnings: [String]) {
        var raw: [String: (value: String, source: ConfigSource, origin: String)] = [:]
        var warnings: [String] = []
        var warned: Set<String> = []

        func take(_ name: String, _ value: String, _ source: ConfigSource, origin: String) {
            let upper = name.uppercased()
            guard upper.hasPrefix(ConfigKey.prefix) else { return }
            guard ConfigKey.named(upper) != nil else {
                let closest = ConfigKey.closest(to: upper)
                // The environment also carries other tools' variables (a test harness's
                // OPENSENSOR_BIN): there only a near miss of a real key is worth a warning. A
                // .env file is ours, so every unknown key in it is.
                if source == .environment && !ConfigKey.isNearMiss(upper, of: closest) { return }
                if warned.insert(upper).inserted {
                    warnings.append("unknown key \(upper) (\(origin)) is ignored; did you mean \(closest.name)?")
                }
                return
            }
            raw[upper] = (value, source, origin)
        }

        let filePath = envFile ?? (workingDirectoryEnvFile && FileIO.exists(".env") ? ".env" : nil)
        if let filePath {
            let text = try FileIO.readText(filePath)
            for (key, value) in try DotEnv.values(text, path: filePath, environment: environment) {
                take(key, value, .envFile, origin: filePath)
            }
        }
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) {
            take(key, value, .environment, origin: "environment")
        }
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) {
            take(key, value, .flag, origin: "flag")
        }

        let home = environment["HOME"]
        var resolved: [String: ConfigValue] = [:]
        var sources: [String: ConfigSource] = [:]
        for key in ConfigKey.all {
            if let given = raw[key.name], !given.value.trimmingWhitespace().isEmpty {
                resolved[key.name] = try key.parse(given.value, home: home)
                sources[key.name] = given.source
            } else if let text = key.defaultText {
                resolved[key.name] = try key.parse(text, home: home)
                sources[key.name] = .default
            }
        }
        let config = StationConfig(resolved: resolved, sources: sources)
        // Deleting files never uploaded while sync is on would defeat the one promise retention
        // makes; say so rather than quietly ignore the setting.
        if config.retentionDeleteUnsynced && config.sync.enabled {
            let key = "OPENSENSOR_RETENTION_DELETE_UNSYNCED"
            throw .invalidValue(
                key: key, value: raw[key]?.value ?? "true",
                allowed: "false while OPENSENSOR_SYNC_ENABLED is true (with sync on, retention deletes only files the sync ledger shows uploaded)")
        }
        try config.validateMQTT()
        return (config, warnings)
    }

    /// The free-space floor in bytes.
    public var minFreeBytes: Int64 {
        let (bytes, overflow) = Int64(minFreeMB).multipliedReportingOverflow(by: 1 << 20)
        return overflow ? .max : bytes
    }

    /// The key prefix the day files of the sensor (or health) lake are uploaded under: the
    /// lake's own prefix with `-daily`, beside it in the same bucket, so globs over the raw
    /// prefix never count a reading twice.
    public func dailyStoragePrefix(health: Bool) -> String {
        if !health, let setting = dailyStoragePrefixSetting { return setting }
        return ObjectPath.dailyPrefix(of: (health ? healthSync : sync).storage.prefix ?? "")
    }

    /// Retention's policy for a lake whose sync is on or off.
    public func retentionPolicy(syncEnabled: Bool) -> RetentionPolicy {
        RetentionPolicy(
            retentionDays: retentionDays, minFreeBytes: minFreeBytes, syncEnabled: syncEnabled,
            deleteUnsynced: retentionDeleteUnsynced)
    }

    /// Builds the typed fields from validated values, applying the derived defaults and the
    /// health-storage inheritance.
    init(resolved input: [String: ConfigValue], sources input2: [String: ConfigSource]) {
        var resolved = input
        var sources = input2
        func text(_ name: String) -> String? { if case .text(let v)? = resolved[name] { v } else { nil } }
        func int(_ name: String, _ fallback: Int) -> Int { if case .integer(let v)? = resolved[name] { v } else { fallback } }
        func bool(_ name: String, _ fallback: Bool) -> Bool { if case .bool(let v)? = resolved[name] { v } else { fallback } }

        let output = text("OPENSENSOR_OUTPUT_DIR") ?? "output"
        if text("OPENSENSOR_HEALTH_DIR") == nil {
            // Python: Path(str(output_dir) + "-health"); a trailing slash would break that.
            var base = Substring(output)
            while base.count > 1 && base.hasSuffix("/") { base = base.dropLast() }
            resolved["OPENSENSOR_HEALTH_DIR"] = .text(String(base) + "-health")
            sources["OPENSENSOR_HEALTH_DIR"] = .derived
        }

        func storage(_ prefix: String) -> StorageSettings {
            var provider = StorageProvider.s3
            if case .provider(let p)? = resolved[prefix + "STORAGE_PROVIDER"] { provider = p }
            return StorageSettings(
                provider: provider, bucket: text(prefix + "STORAGE_BUCKET"), prefix: text(prefix + "STORAGE_PREFIX"),
                region: text(prefix + "STORAGE_REGION") ?? "us-west-2", endpoint: text(prefix + "STORAGE_ENDPOINT"),
                awsAccessKeyID: text(prefix + "AWS_ACCESS_KEY_ID"),
                awsSecretAccessKey: text(prefix + "AWS_SECRET_ACCESS_KEY"),
                gcsServiceAccountPath: text(prefix + "GCS_SERVICE_ACCOUNT_PATH"),
                azureStorageAccount: text(prefix + "AZURE_STORAGE_ACCOUNT"),
                azureStorageKey: text(prefix + "AZURE_STORAGE_KEY"), azureSASToken: text(prefix + "AZURE_SAS_TOKEN"))
        }

        // Health storage inheritance, as the Python collector's HealthStorageConfig.with_fallback:
        // health sync follows main sync unless set; with no health bucket everything is inherited
        // (prefix becomes `<prefix>-health`); with a bucket of the same provider only the
        // credentials, region and endpoint it lacks are inherited. One deviation: an explicit
        // OPENSENSOR_HEALTH_SYNC_ENABLED=false is honoured (Python turns it back on).
        let h = ConfigKey.healthPrefix
        let m = ConfigKey.prefix
        let mainEnabled = bool(m + "SYNC_ENABLED", false)
        if resolved[h + "SYNC_ENABLED"] == nil {
            resolved[h + "SYNC_ENABLED"] = .bool(mainEnabled)
            sources[h + "SYNC_ENABLED"] = .inherited
        }
        if resolved[h + "SYNC_INTERVAL_MINUTES"] == nil, let main = resolved[m + "SYNC_INTERVAL_MINUTES"] {
            resolved[h + "SYNC_INTERVAL_MINUTES"] = main
            sources[h + "SYNC_INTERVAL_MINUTES"] = .inherited
        }
        let healthEnabled = bool(h + "SYNC_ENABLED", false)
        func inherit(_ suffix: String) {
            guard resolved[h + suffix] == nil, let main = resolved[m + suffix] else { return }
            resolved[h + suffix] = main
            sources[h + suffix] = .inherited
        }
        let credentialSuffixes = [
            "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "GCS_SERVICE_ACCOUNT_PATH", "AZURE_STORAGE_ACCOUNT",
            "AZURE_STORAGE_KEY", "AZURE_SAS_TOKEN", "STORAGE_REGION", "STORAGE_ENDPOINT",
        ]
        if text(h + "STORAGE_BUCKET") == nil {
            if healthEnabled {
                for suffix in ["STORAGE_PROVIDER", "STORAGE_BUCKET"] + credentialSuffixes { inherit(suffix) }
                if text(h + "STORAGE_PREFIX") == nil, let prefix = text(m + "STORAGE_PREFIX") {
                    resolved[h + "STORAGE_PREFIX"] = .text(prefix + "-health")
                    sources[h + "STORAGE_PREFIX"] = .inherited
                }
            }
        } else if healthEnabled {
            inherit("STORAGE_PROVIDER")
            if resolved[h + "STORAGE_PROVIDER"] == resolved[m + "STORAGE_PROVIDER"] {
                for suffix in credentialSuffixes { inherit(suffix) }
            }
        }

        self.stationID = text("OPENSENSOR_STATION_ID")
        self.readInterval = int("OPENSENSOR_READ_INTERVAL", 5)
        self.batchDuration = int("OPENSENSOR_BATCH_DURATION", 900)
        self.warmupReadings = int("OPENSENSOR_WARMUP_READINGS", 10)
        self.temperatureCompensationEnabled = bool("OPENSENSOR_TEMP_COMPENSATION_ENABLED", true)
        if case .number(let factor)? = resolved["OPENSENSOR_TEMP_COMPENSATION_FACTOR"] {
            self.temperatureCompensationFactor = factor
        } else {
            self.temperatureCompensationFactor = 2.25
        }
        self.pms5003Device = text("OPENSENSOR_PMS5003_DEVICE") ?? "/dev/serial0"
        self.outputDirectory = output
        self.healthDirectory = text("OPENSENSOR_HEALTH_DIR") ?? output + "-health"
        self.cacheDirectory = text("OPENSENSOR_CACHE_DIR")
        self.cacheMB = int("OPENSENSOR_CACHE_MB", 512)
        if case .compression(let c)? = resolved["OPENSENSOR_COMPRESSION"] { self.compression = c } else { self.compression = .snappy }
        self.healthEnabled = bool("OPENSENSOR_HEALTH_ENABLED", true)
        if case .logLevel(let l)? = resolved["OPENSENSOR_LOG_LEVEL"] { self.logLevel = l } else { self.logLevel = .info }
        self.logDirectory = text("OPENSENSOR_LOG_DIR") ?? "logs"
        self.logJSON = bool("OPENSENSOR_LOG_JSON", false)
        self.journalSyncSeconds = int("OPENSENSOR_JOURNAL_SYNC_SECONDS", Self.journalSyncDefault)
        if case .integer(let days)? = resolved["OPENSENSOR_RETENTION_DAYS"] { self.retentionDays = days } else { self.retentionDays = nil }
        self.minFreeMB = int("OPENSENSOR_MIN_FREE_MB", 256)
        self.retentionDeleteUnsynced = bool("OPENSENSOR_RETENTION_DELETE_UNSYNCED", false)
        self.compactEnabled = bool("OPENSENSOR_COMPACT_ENABLED", true)
        self.dailyDirectory = text("OPENSENSOR_DAILY_DIR") ?? output + "-daily"
        self.dailyStoragePrefixSetting = text("OPENSENSOR_DAILY_STORAGE_PREFIX")
        self.sync = SyncSettings(
            enabled: mainEnabled, intervalMinutes: int(m + "SYNC_INTERVAL_MINUTES", 15), storage: storage(m))
        self.healthSync = SyncSettings(
            enabled: healthEnabled, intervalMinutes: int(h + "SYNC_INTERVAL_MINUTES", 15), storage: storage(h))

        var values: [String: String] = [:]
        for (name, value) in resolved {
            switch value {
            case .bool(let b): values[name] = b ? "true" : "false"
            case .integer(let i): values[name] = String(i)
            case .number(let d): values[name] = String(d)
            case .text(let t): values[name] = t
            case .compression(let c): values[name] = c.description
            case .logLevel(let l): values[name] = l.rawValue
            case .provider(let p): values[name] = p.rawValue
            }
        }
        self.values = values
        self.sources = sources
    }
}
