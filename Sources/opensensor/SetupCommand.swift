// `opensensor setup`: writes the station's `.env` — station id (a new UUIDv7 or the one the
// file has), output directory, compression, health monitoring and sync with the questions each
// provider needs. It asks on a terminal and takes flags with --non-interactive. Only answered
// keys change; every other line of an existing file stays as it was (Station's EnvFileWriter).

import ArgumentParser
import CivilTime
import Collector
import Config
import DurableFiles
import LakeSync
import StationRuntime
import Systemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct SetupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "setup",
        abstract: "Write the station's configuration file (.env).",
        discussion: """
            On a terminal, asks for each setting with the current value as the default. With \
            --non-interactive, takes the answers from flags and keeps the file's value (or the \
            default) for the rest. Other lines of an existing file, comments included, are kept. \
            The file is written with mode 0600 because it may hold credentials.
            """)

    @Option(name: .customLong("env-file"), help: "The file to write.")
    var envFile: String = ".env"

    @Flag(name: .customLong("non-interactive"), help: "Ask nothing; use flags, then the file's values, then defaults.")
    var nonInteractive = false

    @Option(name: .customLong("station-id"), help: "Use this station UUID.")
    var stationID: String?

    @Flag(name: .customLong("new-station-id"), help: "Generate a new UUIDv7 even if the file has a station id.")
    var newStationID = false

    @Option(name: .customLong("output-dir"), help: "Directory of the data lake (default: output).")
    var outputDirectory: String?

    @Option(help: "Parquet compression: snappy (default), zstd, gzip or none.")
    var compression: String?

    @Flag(inversion: .prefixedNo, help: "Record system health once a minute (default: on).")
    var health: Bool?

    @Flag(inversion: .prefixedNo, help: "Upload batches to object storage (default: off).")
    var sync: Bool?

    @Option(help: "Storage provider: \(StorageProvider.allCases.map(\.rawValue).joined(separator: ", ")).")
    var provider: String?

    @Option(help: "Bucket to upload into (required with --sync).")
    var bucket: String?

    @Option(help: "Key prefix inside the bucket (default: sensor-data).")
    var prefix: String?

    @Option(help: "Storage region (default depends on the provider).")
    var region: String?

    @Option(help: "Endpoint URL (required for r2 and minio).")
    var endpoint: String?

    @Option(name: .customLong("access-key-id"), help: "S3-compatible (or GCS HMAC) access key id.")
    var accessKeyID: String?

    @Option(
        name: .customLong("secret-access-key"),
        help: "S3-compatible secret key. Flags are visible to other users in the process list; prefer the wizard.")
    var secretAccessKey: String?

    @Option(name: .customLong("gcs-service-account-path"), help: "GCS service-account JSON file.")
    var gcsServiceAccountPath: String?

    @Option(name: .customLong("azure-account"), help: "Azure storage account.")
    var azureAccount: String?

    @Option(name: .customLong("azure-key"), help: "Azure storage account key.")
    var azureKey: String?

    @Option(name: .customLong("azure-sas-token"), help: "Azure SAS token.")
    var azureSASToken: String?

    @Option(name: .customLong("sync-interval"), help: "Minutes between syncs (default: 15).")
    var syncInterval: Int?

    func run() async throws {
        let interactive = !nonInteractive
        if interactive && isatty(STDIN_FILENO) == 0 {
            throw SetupError(
                "standard input is not a terminal: pass --non-interactive (with flags for the answers) to write \(envFile)")
        }
        let existing = try EnvFileWriter.existingValues(path: envFile)
        var wizard = Wizard(interactive: interactive, existing: existing)

        if interactive {
            print(existing.isEmpty ? "Creating \(envFile)." : "Updating \(envFile); Enter keeps the value in [brackets].")
        }

        // Station id.
        let current = existing["OPENSENSOR_STATION_ID"].flatMap(UUIDText.canonical)
        var id: String
        if let stationID {
            guard let canonical = UUIDText.canonical(stationID) else {
                throw SetupError("--station-id \(stationID) is not a UUID")
            }
            id = canonical
        } else if interactive {
            let answer = try wizard.ask(
                current == nil ? "Station id (Enter generates a new UUIDv7, or paste yours)"
                    : "Station id (Enter keeps it, \"new\" generates a UUIDv7)",
                default: current ?? "")
            if answer.isEmpty || answer.lowercased() == "new" {
                id = UUIDv7.generate()
            } else if let canonical = UUIDText.canonical(answer) {
                id = canonical
            } else {
                throw SetupError("\(answer) is not a UUID")
            }
        } else {
            id = (newStationID ? nil : current) ?? UUIDv7.generate()
        }
        if newStationID && stationID == nil { id = UUIDv7.generate() }
        try wizard.set("OPENSENSOR_STATION_ID", id)

        try wizard.answer("OPENSENSOR_OUTPUT_DIR", flag: outputDirectory, question: "Output directory", fallback: "output")
        try wizard.answer(
            "OPENSENSOR_COMPRESSION", flag: compression, question: "Compression (snappy, zstd, gzip, none)",
            fallback: "snappy")
        try wizard.answerBool("OPENSENSOR_HEALTH_ENABLED", flag: health, question: "Record system health", fallback: true)
        let syncOn = try wizard.answerBool("OPENSENSOR_SYNC_ENABLED", flag: sync, question: "Sync to object storage", fallback: false)

        if syncOn {
            try askStorage(&wizard)
        }

        try EnvFileWriter.update(path: envFile, settings: wizard.answers)
        print("Wrote \(envFile) (mode 0600):")
        for (key, value) in wizard.answers {
            print("  \(key)=\(ConfigKey.named(key)?.mask(value) ?? "****")")
        }
        if wizard.answers.isEmpty { print("  nothing changed") }
    }

    private func askStorage(_ wizard: inout Wizard) throws {
        if wizard.interactive {
            print("""
                Providers: s3 (AWS), r2 (Cloudflare), gcs (HMAC keys), minio, wasabi, backblaze, hetzner,
                           sourcecoop (Source Cooperative), azure (not yet synced by this version)
                """)
        }
        let providerName = try wizard.answer(
            "OPENSENSOR_STORAGE_PROVIDER", flag: provider?.lowercased(), question: "Storage provider", fallback: "s3")
        let chosen = StorageProvider(rawValue: providerName.lowercased()) ?? .s3
        try wizard.answer(
            "OPENSENSOR_STORAGE_BUCKET", flag: bucket, question: "Bucket", fallback: "", required: true,
            flagName: "--bucket")
        try wizard.answer("OPENSENSOR_STORAGE_PREFIX", flag: prefix, question: "Prefix in the bucket", fallback: "sensor-data")

        switch chosen {
        case .azure:
            try wizard.answer(
                "OPENSENSOR_AZURE_STORAGE_ACCOUNT", flag: azureAccount, question: "Azure storage account", fallback: "",
                required: true, flagName: "--azure-account")
            var useSAS = azureSASToken != nil
            if !useSAS && wizard.interactive && azureKey == nil {
                useSAS = try wizard.ask("Authenticate with a key or a SAS token (key/sas)", default: "key").lowercased() == "sas"
            }
            if useSAS {
                try wizard.answer("OPENSENSOR_AZURE_SAS_TOKEN", flag: azureSASToken, question: "SAS token", fallback: "", secret: true)
            } else {
                try wizard.answer("OPENSENSOR_AZURE_STORAGE_KEY", flag: azureKey, question: "Account key", fallback: "", secret: true)
            }
            return
        default:
            break
        }

        // Region presets: the Python collector's wizard defaults, plus ours.
        let regionDefault: String =
            switch chosen {
            case .wasabi: "us-east-1"
            case .backblaze: "us-west-004"
            case .hetzner: "fsn1"
            case .r2: "auto"
            case .minio: "us-east-1"
            default: "us-west-2"
            }
        try wizard.answer("OPENSENSOR_STORAGE_REGION", flag: region, question: "Region", fallback: regionDefault)

        switch chosen {
        case .r2:
            try wizard.answer(
                "OPENSENSOR_STORAGE_ENDPOINT", flag: endpoint,
                question: "Endpoint (https://<account_id>.r2.cloudflarestorage.com)", fallback: "", required: true,
                flagName: "--endpoint")
        case .minio:
            try wizard.answer(
                "OPENSENSOR_STORAGE_ENDPOINT", flag: endpoint, question: "Endpoint", fallback: "http://localhost:9000")
        default:
            // Derived from the provider and region; asked only when given or already set.
            if endpoint != nil || wizard.existing["OPENSENSOR_STORAGE_ENDPOINT"] != nil {
                try wizard.answer(
                    "OPENSENSOR_STORAGE_ENDPOINT", flag: endpoint, question: "Endpoint (empty: derived)", fallback: "")
            }
        }
        if chosen == .gcs, gcsServiceAccountPath != nil {
            try wizard.answer(
                "OPENSENSOR_GCS_SERVICE_ACCOUNT_PATH", flag: gcsServiceAccountPath, question: "Service-account JSON",
                fallback: "")
        }
        try wizard.answer("OPENSENSOR_AWS_ACCESS_KEY_ID", flag: accessKeyID, question: "Access key id", fallback: "")
        try wizard.answer(
            "OPENSENSOR_AWS_SECRET_ACCESS_KEY", flag: secretAccessKey, question: "Secret access key", fallback: "",
            secret: true)
        if let syncInterval {
            try wizard.set("OPENSENSOR_SYNC_INTERVAL_MINUTES", String(syncInterval))
        }
    }
}

/// Collects answers: a flag wins, then (on a terminal) the user's answer with the file's value
/// or the fallback as default, then the file's value, then the fallback. Every answer is
/// validated by the key table before anything is written.
struct Wizard {
    let interactive: Bool
    let existing: [String: String]
    private(set) var answers: [(key: String, value: String)] = []

    init(interactive: Bool, existing: [String: String]) {
        self.interactive = interactive
        self.existing = existing
    }

    /// Records `value` for `key` after validation; a value equal to the file's is not rewritten.
    mutating func set(_ key: String, _ value: String) throws {
        if let descriptor = ConfigKey.named(key), !value.isEmpty {
            do {
                _ = try descriptor.parse(value)
            } catch {
                throw SetupError(error.description)
            }
        }
        if existing[key] == value { return }
        answers.removeAll { $0.key == key }
        answers.append((key, value))
    }

    @discardableResult
    mutating func answer(
        _ key: String, flag: String?, question: String, fallback: String, required: Bool = false, secret: Bool = false,
        flagName: String? = nil
    ) throws -> String {
        let current = existing[key] ?? fallback
        var value: String
        if let flag {
            value = flag
        } else if interactive {
            while true {
                // What the key's mask shows (a secret as ****, an endpoint without user:password@);
                // Enter, or typing back what was shown, keeps the stored value.
                let masked = ConfigKey.named(key)?.mask(current) ?? current
                let shown = secret && !current.isEmpty && masked == current ? "****" : masked
                let typed = try ask(question, default: shown, hidden: secret)
                value = typed.isEmpty || (typed == shown && shown != current) ? current : typed
                if !(required && value.isEmpty) {
                    if let descriptor = ConfigKey.named(key), !value.isEmpty, (try? descriptor.parse(value)) == nil {
                        print("  \(descriptor.name) allows \(descriptor.allowed)")
                        continue
                    }
                    break
                }
                print("  an answer is required")
            }
        } else {
            value = current
        }
        if required && value.isEmpty {
            throw SetupError("\(key) is required here: pass \(flagName ?? "it as a flag")")
        }
        if value.isEmpty && existing[key] == nil { return value }
        try set(key, value)
        return value
    }

    @discardableResult
    mutating func answerBool(_ key: String, flag: Bool?, question: String, fallback: Bool) throws -> Bool {
        let descriptor = ConfigKey.named(key)
        var current = fallback
        if let text = existing[key], case .bool(let b)? = try? descriptor?.parse(text) { current = b }
        var value = flag ?? current
        if flag == nil && interactive {
            while true {
                let typed = try ask("\(question) (yes/no)", default: current ? "yes" : "no")
                if typed.isEmpty { break }
                if case .bool(let b)? = try? descriptor?.parse(typed) { value = b; break }
                print("  answer yes or no")
            }
        }
        if existing[key] == nil || value != current { try set(key, value ? "true" : "false") }
        return value
    }

    /// Prints `question [default]: ` and reads a line; `hidden` turns the terminal's echo off.
    func ask(_ question: String, default shown: String, hidden: Bool = false) throws -> String {
        print(shown.isEmpty ? "\(question): " : "\(question) [\(shown)]: ", terminator: "")
        fflush(nil)  // all streams: naming `stdout` is shared mutable state to Swift 6
        var saved = termios()
        let echoOff = hidden && tcgetattr(STDIN_FILENO, &saved) == 0
        if echoOff {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        }
        defer {
            if echoOff {
                tcsetattr(STDIN_FILENO, TCSANOW, &saved)
                print("")
            }
        }
        guard let line = readLine(strippingNewline: true) else {
            throw SetupError("input ended before setup was complete; nothing was written")
        }
        var trimmed = Substring(line)
        while trimmed.first == " " || trimmed.first == "\t" { trimmed = trimmed.dropFirst() }
        while trimmed.last == " " || trimmed.last == "\t" { trimmed = trimmed.dropLast() }
        return String(trimmed)
    }
}

/// A setup failure: printed as `Error: <message>` without the usage text, since the flags were
/// well-formed and only an answer was wrong.
struct SetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
