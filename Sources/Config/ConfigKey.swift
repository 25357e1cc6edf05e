// The one table of configuration keys (docs/ARCHITECTURE.md §2). Parsing, validation, unknown-key
// suggestions, masking and the generated documentation all read this list, so a key is added
// in exactly one place. Names, defaults and ranges are the Python collector's
// (opensensor-enviroplus 0.5.9, config/settings.py) unless a doc line says "ours".

import ObjectStore
public import Parquet

/// How much of a value may be shown when configuration is printed.
public enum Sensitivity: Sendable, Equatable {
    /// Shown as is.
    case plain
    /// An identifier that is not a secret alone but should not be shown whole (access key ids):
    /// shown as its first and last four characters, `AKIA…XYZ1`.
    case identifier
    /// Never shown: `****`.
    case secret
}

/// Log levels, named as Python's `logging` names them (the Python collector passes
/// `OPENSENSOR_LOG_LEVEL` straight to it).
public enum LogLevel: String, Sendable, CaseIterable, Comparable {
    case debug = "DEBUG", info = "INFO", warning = "WARNING", error = "ERROR", critical = "CRITICAL"

    /// Case-insensitive; `WARN` is accepted as Python's `logging` accepts it.
    public init?(name: String) {
        let upper = name.uppercased()
        if upper == "WARN" { self = .warning; return }
        guard let level = LogLevel(rawValue: upper) else { return nil }
        self = level
    }

    private var rank: Int { LogLevel.allCases.firstIndex(of: self) ?? 0 }
    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rank < b.rank }
}

/// Object storage providers. The first eight are the Python collector's; `sourcecoop` is ours.
public enum StorageProvider: String, Sendable, CaseIterable, CustomStringConvertible {
    case s3, r2, gcs, azure, minio, wasabi, backblaze, hetzner, sourcecoop
    public var description: String { rawValue }
}

/// One validated value, typed by its key's kind.
public enum ConfigValue: Sendable, Equatable {
    case bool(Bool)
    case integer(Int)
    case number(Double)
    case text(String)
    case compression(Compression)
    case logLevel(LogLevel)
    case provider(StorageProvider)
}

/// A configuration key: its name, default, what it allows, whether it is secret, and one line
/// of documentation.
public struct ConfigKey: Sendable, Hashable {
    /// The kinds of value a key takes; each kind knows how to parse and how to describe itself.
    public enum Kind: Sendable, Hashable {
        /// Python's bool parsing (pydantic): true/false, 1/0, yes/no, on/off, t/f, y/n.
        case bool
        case integer(ClosedRange<Int>)
        /// A finite number strictly greater than zero.
        case positiveNumber
        /// A UUID in any form Python's `uuid.UUID` accepts; stored in canonical lowercase form.
        case uuid
        /// A filesystem path; a leading `~` is expanded to `$HOME` as the Python collector does.
        case path
        /// Free text (bucket names, regions, credentials).
        case text
        /// An `http://` or `https://` URL.
        case url
        /// A listening address, `host:port` (`[v6]:port` for an IPv6 address), port 1–65535.
        case hostPort
        case compression
        case logLevel
        case provider
        /// An `mqtt://` or `mqtts://` broker URL (`MQTTBrokerURL`).
        case mqttURL
        /// An MQTT topic to publish under (`MQTTSettings.isValidTopic`).
        case mqttTopic
    }

    public let name: String
    /// The default as it would be written in `.env`; nil when there is none (or it is derived,
    /// which `doc` then explains).
    public let defaultText: String?
    public let kind: Kind
    public let sensitivity: Sensitivity
    public let doc: String

    init(_ name: String, _ defaultText: String?, _ kind: Kind, _ doc: String) {
        self.init(name, defaultText, kind, .plain, doc)
    }

    init(_ name: String, _ defaultText: String?, _ kind: Kind, _ sensitivity: Sensitivity, _ doc: String) {
        self.name = name
        self.defaultText = defaultText
        self.kind = kind
        self.sensitivity = sensitivity
        self.doc = doc
    }

    /// Every key's name starts with this prefix; other `OPENSENSOR_*` names get a warning.
    public static let prefix = "OPENSENSOR_"
    /// Health-storage keys repeat the storage keys under this prefix (Python's
    /// `HealthStorageConfig`), inheriting what they do not set.
    public static let healthPrefix = "OPENSENSOR_HEALTH_"

    /// Keys that read the same under `OPENSENSOR_HEALTH_` for health data.
    static let storageKeys: [ConfigKey] = [
        ConfigKey("OPENSENSOR_SYNC_ENABLED", "false", .bool, "Upload finished batch files to object storage."),
        ConfigKey("OPENSENSOR_SYNC_INTERVAL_MINUTES", "15", .integer(1...Int.max), "Minutes between sync runs."),
        ConfigKey("OPENSENSOR_STORAGE_PROVIDER", "s3", .provider,
                  "Object storage provider; wasabi, backblaze and hetzner derive their endpoint from the region."),
        ConfigKey("OPENSENSOR_STORAGE_BUCKET", nil, .text, "Bucket (or container) to upload into."),
        ConfigKey("OPENSENSOR_STORAGE_PREFIX", nil, .text, "Key prefix inside the bucket."),
        ConfigKey("OPENSENSOR_STORAGE_REGION", "us-west-2", .text, "Storage region."),
        ConfigKey("OPENSENSOR_STORAGE_ENDPOINT", nil, .url, "Endpoint URL; required for r2 and minio."),
        ConfigKey("OPENSENSOR_AWS_ACCESS_KEY_ID", nil, .text, .identifier, "S3-compatible access key id."),
        ConfigKey("OPENSENSOR_AWS_SECRET_ACCESS_KEY", nil, .text, .secret, "S3-compatible secret access key."),
        ConfigKey("OPENSENSOR_GCS_SERVICE_ACCOUNT_PATH", nil, .path, "Google Cloud service-account JSON file."),
        ConfigKey("OPENSENSOR_AZURE_STORAGE_ACCOUNT", nil, .text, "Azure storage account name."),
        ConfigKey("OPENSENSOR_AZURE_STORAGE_KEY", nil, .text, .secret, "Azure storage account key."),
        ConfigKey("OPENSENSOR_AZURE_SAS_TOKEN", nil, .text, .secret, "Azure shared access signature."),
    ]

    /// Every key, in documentation order.
    public static let all: [ConfigKey] = [
        ConfigKey("OPENSENSOR_STATION_ID", nil, .uuid, "This station's UUID; `opensensor setup` generates a UUIDv7."),
        ConfigKey("OPENSENSOR_READ_INTERVAL", "5", .integer(1...60), "Seconds between sensor readings."),
        ConfigKey("OPENSENSOR_BATCH_DURATION", "900", .integer(60...3600),
                  "Seconds per batch file; batches close on multiples of this since midnight UTC."),
        ConfigKey("OPENSENSOR_WARMUP_READINGS", "10", .integer(0...1000),
                  "Ours: readings discarded after start while the gas sensor heats up."),
        ConfigKey("OPENSENSOR_TEMP_COMPENSATION_ENABLED", "true", .bool, "Correct temperature for the CPU's heat."),
        ConfigKey("OPENSENSOR_TEMP_COMPENSATION_FACTOR", "2.25", .positiveNumber,
                  "Divisor of the CPU-heat correction (docs/ARCHITECTURE.md §6)."),
        ConfigKey("OPENSENSOR_PMS5003_DEVICE", "/dev/serial0", .path, "Serial device of the PMS5003 particle sensor."),
        ConfigKey("OPENSENSOR_OUTPUT_DIR", "output", .path, "Directory of the sensor data lake."),
        ConfigKey("OPENSENSOR_HEALTH_DIR", nil, .path, "Directory of health data; default `<output>-health`."),
        ConfigKey("OPENSENSOR_CACHE_DIR", nil, .path,
                  "Ours: where `query --data s3://…` keeps the objects it fetched; default `$XDG_CACHE_HOME/opensensor` or `~/.cache/opensensor`."),
        ConfigKey("OPENSENSOR_CACHE_MB", "512", .integer(0...Int.max),
                  "Ours: the most MiB that cache may hold; the least recently used objects go first; 0 turns it off."),
        ConfigKey("OPENSENSOR_COMPRESSION", "snappy", .compression,
                  "Parquet compression (the Python collector defaults to zstd); `zstd:N`, `gzip:N` set a level."),
        ConfigKey("OPENSENSOR_HEALTH_ENABLED", "true", .bool, "Record system health once a minute."),
        ConfigKey("OPENSENSOR_LOG_LEVEL", "INFO", .logLevel, "Least severe level that is logged."),
        ConfigKey("OPENSENSOR_LOG_DIR", "logs", .path, "Directory of log files."),
        ConfigKey("OPENSENSOR_LOG_JSON", "false", .bool, "Accepted for compatibility with the Python collector; logs stay plain text."),
        ConfigKey("OPENSENSOR_JOURNAL_SYNC_SECONDS", String(StationConfig.journalSyncDefault), .integer(0...3600),
                  "Ours: how often the journal is made durable (fdatasync); 0 syncs every reading. Every reading is written at once, so a crash of the process loses nothing; a power cut loses at most this many seconds of readings."),
        ConfigKey("OPENSENSOR_RETENTION_DAYS", nil, .integer(1...Int.max),
                  "Ours: keep today and this many whole days before it, deleting older batch files once synced; unset keeps them forever."),
        ConfigKey("OPENSENSOR_MIN_FREE_MB", "256", .integer(0...Int.max),
                  "Ours: free-space floor in MiB; below it the oldest synced batch files are deleted first; 0 turns it off."),
        ConfigKey("OPENSENSOR_RETENTION_DELETE_UNSYNCED", "false", .bool,
                  "Ours: with sync off, let retention and the free-space floor delete files never uploaded; refused while sync is on."),
        ConfigKey("OPENSENSOR_COMPACT_ENABLED", "true", .bool,
                  "Ours: once a UTC day is over (and, with sync on, each of its batch files uploaded), `start` writes its day file into the daily lake and uploads it."),
        ConfigKey("OPENSENSOR_DAILY_DIR", nil, .path,
                  "Ours: directory of the day files; default `<output>-daily` (health: `<health>-daily`)."),
        ConfigKey("OPENSENSOR_DAILY_STORAGE_PREFIX", nil, .text,
                  "Ours: key prefix of the day files in the bucket; default `<prefix>-daily`, or `daily` without a prefix (health: `<health prefix>-daily`, alike)."),
        ConfigKey("OPENSENSOR_METRICS_LISTEN", nil, .hostPort,
                  "Ours: where `start` serves Prometheus metrics at /metrics; unset: not served."),
        ConfigKey("OPENSENSOR_SENSOR_COMMUNITY_ENABLED", "false", .bool,
                  "Ours: push averages to sensor.community every interval."),
        ConfigKey("OPENSENSOR_SENSOR_COMMUNITY_INTERVAL", "145", .integer(30...3600),
                  "Ours: seconds between sensor.community pushes (145 as the network's own firmware)."),
        ConfigKey("OPENSENSOR_SENSOR_COMMUNITY_ENDPOINT", "https://api.sensor.community/v1/push-sensor-data/", .url,
                  "Ours: sensor.community's push URL."),
        ConfigKey("OPENSENSOR_SENSOR_COMMUNITY_SENSOR_ID", nil, .text,
                  "Ours: the node id sent as `X-Sensor: raspi-<id>`; default the Pi's serial number; required off a Pi and with --simulate."),
        ConfigKey("OPENSENSOR_DISPLAY_ENABLED", "false", .bool,
                  "Ours: `start` shows the readings on the Enviro+ screen (SPI on: `sudo raspi-config nonint do_spi 0`); a tap on the light sensor turns the page. A missing or failing screen is logged and never stops collection."),
        ConfigKey("OPENSENSOR_DISPLAY_TIMEOUT", "300", .integer(0...86_400),
                  "Ours: seconds after the last tap (or the start) before the screen's backlight goes off; a tap wakes it; 0 keeps it on."),
    ] + storageKeys + storageKeys.map { key in
        ConfigKey(
            healthPrefix + key.name.dropFirst(prefix.count), nil, key.kind, key.sensitivity,
            "Health data: as \(key.name); inherits it when unset.")
    } + mqttKeys

    static let byName: [String: ConfigKey] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The key of this name (exact, upper case), if it is one of ours.
    public static func named(_ name: String) -> ConfigKey? { byName[name] }

    /// What the key allows, as shown in errors and documentation.
    public var allowed: String {
        switch kind {
        case .bool: "true or false (also 1/0, yes/no, on/off)"
        case .integer(let range) where range.upperBound == Int.max: "an integer ≥ \(range.lowerBound)"
        case .integer(let range): "an integer from \(range.lowerBound) to \(range.upperBound)"
        case .positiveNumber: "a number > 0"
        case .uuid: "a UUID such as 0190b6c4-1c2d-7e3f-8a4b-5c6d7e8f9a0b"
        case .path: "a path"
        case .text: "text"
        case .url: "an http:// or https:// URL"
        case .hostPort: "host:port, such as 127.0.0.1:9101 or [::1]:9101"
        case .compression: "snappy, zstd, gzip or none (zstd:1–22 and gzip:1–9 set a level)"
        case .logLevel: LogLevel.allCases.map(\.rawValue).joined(separator: ", ")
        case .provider: StorageProvider.allCases.map(\.rawValue).joined(separator: ", ")
        case .mqttURL: "mqtt://host[:port] or mqtts://host[:port] (TLS), no user or path in the URL"
        case .mqttTopic: "an MQTT topic: not empty, no + or #, not starting with $ or ending with /"
        }
    }

    /// Parses and validates `raw` for this key. `home` expands a leading `~` in paths.
    public func parse(_ raw: String, home: String? = nil) throws(ConfigError) -> ConfigValue {
        let text = raw.trimmingWhitespace()
        func invalid() -> ConfigError { .invalidValue(key: name, value: mask(raw), allowed: allowed) }
        switch kind {
        case .bool:
            switch text.lowercased() {
            case "true", "1", "yes", "on", "t", "y": return .bool(true)
            case "false", "0", "no", "off", "f", "n": return .bool(false)
            default: throw invalid()
            }
        case .integer(let range):
            // pydantic accepts "5" and "5.0" for an int field, not "5.5".
            var value = Int(text)
            if value == nil, let number = Double(text), number.isFinite, number == number.rounded(),
               abs(number) < 1e15 {
                value = Int(number)
            }
            guard let value, range.contains(value) else { throw invalid() }
            return .integer(value)
        case .positiveNumber:
            guard let number = Double(text), number.isFinite, number > 0 else { throw invalid() }
            return .number(number)
        case .uuid:
            guard let canonical = UUIDText.canonical(text) else { throw invalid() }
            return .text(canonical)
        case .path:
            guard !text.isEmpty, !text.contains("\0") else { throw invalid() }
            if let home, text == "~" || text.hasPrefix("~/") {
                return .text(home + text.dropFirst())
            }
            return .text(text)
        case .text:
            return .text(text)
        case .url:
            let lower = text.lowercased()
            guard (lower.hasPrefix("http://") && text.count > 7) || (lower.hasPrefix("https://") && text.count > 8)
            else { throw invalid() }
            return .text(text)
        case .hostPort:
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                  (1...65535).contains(port) else { throw invalid() }
            let host = text[..<colon]
            let bracketed = host.hasPrefix("[") && host.hasSuffix("]") && host.count > 2
            guard !host.isEmpty, bracketed || !host.contains(":"), !host.contains(where: { $0 == " " || $0 == "/" })
            else { throw invalid() }
            return .text(text)
        case .compression:
            guard let compression = Compression(name: text) else { throw invalid() }
            return .compression(compression)
        case .logLevel:
            guard let level = LogLevel(name: text) else { throw invalid() }
            return .logLevel(level)
        case .provider:
            guard let provider = StorageProvider(rawValue: text.lowercased()) else { throw invalid() }
            return .provider(provider)
        case .mqttURL:
            guard MQTTBrokerURL(text) != nil else { throw invalid() }
            return .text(text)
        case .mqttTopic:
            guard MQTTSettings.isValidTopic(text) else { throw invalid() }
            return .text(text)
        }
    }

    /// `value` as it may be printed for this key.
    public func mask(_ value: String) -> String {
        switch sensitivity {
        case .plain: kind == .url ? displayedEndpoint(value) : value
        case .secret: value.isEmpty ? "" : "****"
        case .identifier:
            value.count >= 12 ? "\(value.prefix(4))…\(value.suffix(4))" : (value.isEmpty ? "" : "****")
        }
    }

    /// The known key closest to `name` (for "did you mean" warnings): the shortest key that
    /// `name` begins, else the nearest by edit distance (a truncated name is nearer to a short
    /// unrelated key by distance alone).
    public static func closest(to name: String) -> ConfigKey {
        let upperName = name.uppercased()
        if let extended = all.filter({ $0.name.hasPrefix(upperName) }).min(by: { $0.name.count < $1.name.count }) {
            return extended
        }
        let upper = Array(upperName.utf8)
        var best = all[0]
        var bestDistance = Int.max
        for key in all {
            let distance = editDistance(upper, Array(key.name.utf8))
            if distance < bestDistance { (best, bestDistance) = (key, distance) }
        }
        return best
    }

    /// Whether `name` looks like a mistyped `key`: a prefix of it, or at most 3 edits away.
    public static func isNearMiss(_ name: String, of key: ConfigKey) -> Bool {
        let upper = name.uppercased()
        return key.name.hasPrefix(upper) || editDistance(Array(upper.utf8), Array(key.name.utf8)) <= 3
    }

    /// Levenshtein distance over bytes (key names are ASCII).
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Markdown documentation of every key, generated from this table.
    public static func documentation() -> String {
        var lines = ["| key | default | allowed | |", "|---|---|---|---|"]
        for key in all {
            let secret = key.sensitivity == .plain ? "" : " (masked when printed)"
            lines.append("| `\(key.name)` | \(key.defaultText.map { "`\($0)`" } ?? "—") | \(key.allowed) | \(key.doc)\(secret) |")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// Python's `str.strip()` for the whitespace `.env` values can carry.
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[first...last])
    }
}
