// `opensensor sync`, and the wiring shared with `start`: from the configuration to an S3 store
// and a sync engine per kind of data (sensor readings, health).

import ArgumentParser
import Logging
import ObjectStore
import S3ObjectStore
import CivilTime
import Collector
import Config
import DurableFiles
import LakeSync
import StationRuntime
import Systemd
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One folder synced to one destination.
struct SyncTarget {
    /// `data` or `health`.
    let label: String
    let engine: SyncEngine
    let store: S3ObjectStore
    let intervalMinutes: Int
    /// `s3://bucket/prefix at https://endpoint`, no secrets.
    let destination: String

    /// The targets of a configuration: sensor data, and health data when health sync is on.
    /// `requireEnabled` (as `start` does) leaves out what OPENSENSOR_*SYNC_ENABLED turns off;
    /// `sync` ignores the main switch — running it is the user's request.
    static func all(_ config: StationConfig, requireEnabled: Bool, includeHealth: Bool, logger: Logger) async throws -> [SyncTarget] {
        var targets: [SyncTarget] = []
        if !requireEnabled || config.sync.enabled {
            targets.append(try await make("data", config.outputDirectory, config.sync, logger: logger))
        }
        if includeHealth && config.healthSync.enabled && config.healthSync.storage.bucket != nil {
            targets.append(try await make("health", config.healthDirectory, config.healthSync, logger: logger))
        }
        return targets
    }

    static func make(_ label: String, _ root: String, _ sync: SyncSettings, logger: Logger) async throws -> SyncTarget {
        let s = sync.storage
        let settingsPrefix = (label == "health" ? "OPENSENSOR_HEALTH_" : "OPENSENSOR_")
        let configuration: S3Configuration
        do {
            configuration = try S3Configuration(settings: S3Settings(
                provider: s.provider.rawValue, bucket: s.bucket, region: s.region, endpoint: s.endpoint, prefix: s.prefix,
                accessKeyID: s.awsAccessKeyID, secretAccessKey: s.awsSecretAccessKey,
                gcsServiceAccountPath: s.gcsServiceAccountPath))
        } catch {
            throw CLIError("\(label) sync is not set up: \(error.message) (keys \(settingsPrefix)STORAGE_*; 'opensensor setup' writes them)")
        }
        let store = S3ObjectStore(configuration: configuration)
        let destination = "s3://\(configuration.bucket)/\(configuration.prefix) at \(configuration.endpoint)"
        let engine: SyncEngine
        do {
            engine = try SyncEngine(
                root: root, store: store, keyPrefix: configuration.prefix,
                destination: "\(configuration.provider) \(configuration.endpoint) \(configuration.bucket)",
                logger: logger)
        } catch {
            try? await store.shutdown()
            throw CLIError("\(error)")
        }
        return SyncTarget(label: label, engine: engine, store: store, intervalMinutes: sync.intervalMinutes, destination: destination)
    }
}

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Upload new Parquet files to the configured object storage.",
        discussion: """
            Uploads every file of the lake layout that has not been uploaded yet — sensor data from \
            OPENSENSOR_OUTPUT_DIR and health data from OPENSENSOR_HEALTH_DIR — to \
            <bucket>/<prefix>/<path relative to the folder>. A ledger under <folder>/.opensensor/sync \
            remembers what went up, so a sync with nothing new makes no request. An object that \
            already exists with different content is reported, never overwritten. Runs whether or \
            not OPENSENSOR_SYNC_ENABLED is set ('start' syncs automatically only when it is). \
            Exits 1 when a file could not be uploaded or conflicts with the stored object.
            """)

    @Flag(help: "Show what would be uploaded; make no request and change nothing.")
    var dryRun = false

    @Flag(help: "List the bucket and reconcile the ledger with it: upload what is missing; report and record objects that differ (retention then keeps those files).")
    var verify = false

    @Flag(help: "Sensor data only, not health data.")
    var noHealth = false

    @OptionGroup var configOptions: ConfigOptions

    func run() async throws {
        let (config, warnings) = try configOptions.load()
        var logger = LogSetup.bootstrapOnce(level: config.logLevel)
        // The summary below says what happened; per-sync log lines would repeat it.
        if logger.logLevel < .warning { logger.logLevel = .warning }
        for w in warnings { logger.warning("\(w)") }
        if config.sync.storage.bucket == nil {
            throw CLIError("sync is not set up: no bucket (OPENSENSOR_STORAGE_BUCKET); run 'opensensor setup' or edit the .env file")
        }
        let targets = try await SyncTarget.all(config, requireEnabled: false, includeHealth: !noHealth, logger: logger)
        var ok = true
        for target in targets {
            let bar = ProgressBar(label: "\(target.label) files", terminal: isatty(STDERR_FILENO) == 1)
            let report = verify
                ? await target.engine.verify(dryRun: dryRun, progress: bar.update)
                : await target.engine.sync(dryRun: dryRun, progress: bar.update)
            bar.finish()
            try? await target.store.shutdown()
            print(Self.summary(report, target: target, dryRun: dryRun))
            ok = ok && report.succeeded
        }
        if !ok { throw ExitCode(1) }
    }

    static func summary(_ r: SyncReport, target: SyncTarget, dryRun: Bool) -> String {
        var lines: [String] = []
        let seconds = String(format1: Double(r.durationMillis) / 1000)
        if dryRun {
            let bytes = r.wouldUpload.reduce(0) { $0 + $1.bytes }
            lines.append("\(target.label) → \(target.destination): \(r.wouldUpload.count) files (\(Self.size(bytes))) would be uploaded (dry run, no requests)")
            lines += r.wouldUpload.prefix(20).map { "  \($0.path)" }
            if r.wouldUpload.count > 20 { lines.append("  … and \(r.wouldUpload.count - 20) more") }
        } else {
            var head = "\(target.label) → \(target.destination): \(r.uploaded.count) uploaded (\(Self.size(r.bytesUploaded)))"
            if !r.alreadyStored.isEmpty { head += ", \(r.alreadyStored.count) already stored" }
            head += ", \(r.failures.count) failed, \(r.conflicts.count) conflicts in \(seconds) s (\(r.requests) requests)"
            lines.append(head)
        }
        if !r.missingRemotely.isEmpty { lines.append("  missing from the bucket, uploaded again: \(r.missingRemotely.count)") }
        for m in r.mismatched { lines.append("  differs from the bucket: \(m.path): \(m.reason)") }
        for c in r.conflicts { lines.append("  conflict, not overwritten: \(c.path): \(c.reason)") }
        if r.knownConflicts > 0 { lines.append("  \(r.knownConflicts) earlier conflicts are still unresolved ('sync --verify' checks them again)") }
        for f in r.failures.prefix(10) { lines.append("  failed: \(f.path): \(f.reason)") }
        if r.failures.count > 10 { lines.append("  … and \(r.failures.count - 10) more failures") }
        if r.deferred > 0 { lines.append("  \(r.deferred) files left for the next sync") }
        if let stop = r.stoppedBy { lines.append("  stopped: \(stop)") }
        if r.incomplete > 0 { lines.append("  \(r.incomplete) files are not complete Parquet files (still being copied?): left for the next sync") }
        return lines.joined(separator: "\n")
    }

    static func size(_ bytes: Int) -> String {
        bytes < 1 << 20 ? "\(String(format1: Double(bytes) / 1024)) KiB" : "\(String(format1: Double(bytes) / 1_048_576)) MiB"
    }
}

extension String {
    /// One decimal, without Foundation's formatter.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}

/// ``Progress`` behind a lock, for the sync engine's callback; drawn only on a terminal
/// (elsewhere the summary line says it all) and only once there is something to upload.
final class ProgressBar: Sendable {
    private let label: String
    private let terminal: Bool
    private let bar = Mutex<Progress?>(nil)

    init(label: String, terminal: Bool) {
        self.label = label
        self.terminal = terminal
    }

    var update: @Sendable (SyncProgress) -> Void {
        { p in
            guard self.terminal, p.filesTotal > 0 else { return }
            self.bar.withLock { bar in
                if bar?.total != p.filesTotal { bar = Progress(total: p.filesTotal, label: self.label, terminal: true) }
                bar?.update(p.filesDone, detail: "")
            }
        }
    }

    func finish() { bar.withLock { $0?.finish() } }
}
