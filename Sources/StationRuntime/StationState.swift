// What `status` and `info` read: the configuration and the state of the output directory — the
// lake, and per station the journal's pending readings and the collector holding it, if any.

public import Collector
public import Config
public import Lake
import DurableFiles

public struct StationState: Sendable {
    public let config: StationConfig
    public let warnings: [String]
    public let lake: LakeScan
    /// Per station with a journal under `<output>/.opensensor/`: the collector's pid if one
    /// runs, the readings its journal holds (collected, not yet in a file; held ones too) and
    /// what was wrong with it, read without the collector's lock (`JournalReader`).
    public let journals: [(station: String, pid: Int32?, pending: [Reading], notice: String?)]

    public init(config: StationConfig, warnings: [String]) {
        self.config = config
        self.warnings = warnings
        lake = LakeScan(root: config.outputDirectory)
        let output = config.outputDirectory
        journals = JournalReader.stations(outputDirectory: output).map { name in
            let read = JournalReader(outputDirectory: output, station: name, clockFloor: .min).readings()
            let lock = CollectorSettings.journalDirectory(outputDirectory: output, station: name)
            return (name, Journal.lockHolder(directory: lock), read.readings, read.notice)
        }
    }

    public var lastReading: Int64? {
        let inFiles = lake.files.filter { $0.entry.kind == "data" }.compactMap(\.lastMillis).max()
        let inJournals = newestJournaled?.reading.timestamp
        return [inFiles, inJournals].compactMap { $0 }.max()
    }

    /// The newest reading the journals hold whose time is known (the clock was set), and its
    /// station; nil when they hold none.
    public var newestJournaled: (station: String, reading: Reading)? {
        journals.flatMap { j in j.pending.filter { $0.timestamp >= CollectorSettings.defaultClockFloor }.map { (j.station, $0) } }
            .max { $0.1.timestamp < $1.1.timestamp }
    }

    public var lastBatch: LakeFile? { lake.files.filter { $0.entry.kind == "data" }.max { $0.modified < $1.modified } }
    public var running: [(String, Int32)] { journals.compactMap { j in j.pid.map { (j.station, $0) } } }

    public var syncSummary: String {
        let s = config.sync
        guard s.enabled else { return "disabled" }
        let prefix = s.storage.prefix.map { "/" + $0 } ?? ""
        return "every \(s.intervalMinutes) min to \(s.storage.provider.rawValue) bucket \(s.storage.bucket ?? "(none set)")\(prefix)"
    }

    /// How often the journal is made durable, and what a power cut can cost.
    public var journalSyncSummary: String {
        let n = config.journalSyncSeconds
        return n == 0 ? "every reading (a power cut loses nothing journaled)"
            : "every \(n) s (a power cut loses at most the last \(n) s of readings; a crash of the process loses nothing)"
    }

    /// Where `start` puts day files, and how many are there.
    public var compactionSummary: String {
        let c = config
        guard c.compactEnabled else { return "disabled" }
        let files = LakeLayout.dayFiles(in: c.dailyDirectory, kind: "data")
        let upload = c.sync.enabled
            ? ", uploaded to \(c.sync.storage.bucket ?? "(none set)")/\(c.dailyStoragePrefix(health: false))" : ""
        return "day files in \(c.dailyDirectory) (\(files.count) so far)\(upload)"
    }

    public var retentionSummary: String {
        let c = config
        let keep = c.retentionDays.map { "keep today and \($0) days before it" } ?? "keep batch files forever"
        let which = c.sync.enabled ? "synced files only" : (c.retentionDeleteUnsynced ? "unsynced files too (sync is off)" : "nothing (sync is off)")
        let floor = c.minFreeMB > 0 ? "free-space floor \(c.minFreeMB) MiB" : "no free-space floor"
        let waits = c.compactEnabled && c.retentionDays != nil ? "; by age only once a day's day file is stored" : ""
        return "\(keep); \(floor); deletes \(which)\(waits)"
    }
}
