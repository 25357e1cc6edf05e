// `opensensor info` and `opensensor status`: what a station owner asks first — is it running,
// when was the last reading, what is configured, how much data is there.

import ArgumentParser
import Lake
import CivilTime
import Collector
import Config
import Dashboard
import DurableFiles
import JSONText
import LakeSync
import StationRuntime
import Systemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension StationState {
    /// The state behind `status` and `info` (Sources/StationRuntime/StationState.swift).
    init(_ options: ConfigOptions) throws {
        let (config, warnings) = try options.load()
        self.init(config: config, warnings: warnings)
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Is a collector running here, and when did it last read and write?")

    @Flag(help: "Print JSON.") var json = false
    @OptionGroup var configOptions: ConfigOptions

    func run() async throws {
        let s = try StationState(configOptions)
        for w in s.warnings { StderrText.write("warning: \(w)\n") }
        let now = SystemWallClock().nowMillis()
        let newest = Self.newestReading(s)
        if json {
            let j = JSONWriter()
            j.object {
                j.field("output") { j.string(s.config.outputDirectory) }
                j.field("collectors") { j.array(s.running) { r in j.object { j.field("station") { j.string(r.0) }; j.field("pid") { j.number(Int(r.1)) } } } }
                j.field("last_reading") { j.string(s.lastReading.map(ISO8601.format(millis:))) }
                j.field("last_batch_file") { j.string(s.lastBatch?.path) }
                j.field("newest_reading") {
                    guard let n = newest else { return j.null() }
                    j.object {
                        j.field("time") { j.string(ISO8601.format(millis: n.time)) }
                        j.field("age_seconds") { j.number(max(0, now - n.time) / 1000) }
                        j.field("station") { j.string(n.station) }
                        j.field("source") { j.string(n.file == nil ? "journal" : "batch file") }
                        j.field("file") { j.string(n.file) }
                        j.field("values") { j.object { for f in ReadingText.fields { j.field(f.column) { j.number(n.values(f.column)) } } } }
                    }
                }
                j.field("pending_readings") { j.number(s.journals.reduce(0) { $0 + $1.pending.count }) }
                j.field("journal_sync_seconds") { j.number(s.config.journalSyncSeconds) }
                j.field("sync") { j.string(s.syncSummary) }
                j.field("compaction") { j.string(s.compactionSummary) }
                j.field("retention") { j.string(s.retentionSummary) }
            }
            print(j.out)
            return
        }
        print("output:        \(s.config.outputDirectory)")
        print("collector:     " + (s.running.isEmpty ? "not running" : s.running.map { "running (pid \($0.1), station \($0.0))" }.joined(separator: "; ")))
        if let n = newest {
            let source = n.file.map { "from the batch file \($0)" } ?? "from the journal"
            print("last reading:  \(ISO8601.format(millis: n.time)) (\(Self.age(now - n.time)) ago, station \(n.station), \(source))")
            for (field, text) in ReadingText.values(n.values) {
                print("  " + field.label + String(repeating: " ", count: max(1, 15 - field.label.count)) + text)
            }
        } else if let t = s.lastReading {
            print("last reading:  \(ISO8601.format(millis: t)) (\(Self.age(now - t)) ago)")
        } else {
            print("last reading:  none")
        }
        print("last batch:    \(s.lastBatch?.path ?? "none")")
        print("in journal:    \(s.journals.reduce(0) { $0 + $1.pending.count }) readings not yet in a file")
        print("journal sync:  \(s.journalSyncSummary)")
        print("sync:          \(s.syncSummary)" + (s.config.sync.enabled ? " ('opensensor sync --dry-run' lists what waits)" : ""))
        print("compaction:    \(s.compactionSummary)")
        print("retention:     \(s.retentionSummary)")
    }

    /// The newest reading: from a journal when one holds a reading (it is newer than any file),
    /// else the newest row of the newest batch file (the dashboard's lookup, `LakeView.latest`)
    /// of the configured station, or of every station in the lake.
    static func newestReading(_ s: StationState) -> (time: Int64, station: String, file: String?, values: (String) -> Double?)? {
        if let (station, reading) = s.newestJournaled {
            return (reading.timestamp, station, nil, { reading.value(named: $0).map(Double.init) })
        }
        let root = s.config.outputDirectory
        let view = LakeView(dataRoot: root, healthRoot: nil, cache: QueryCache(capacity: 0, maxBytes: 0))
        let stations = s.config.stationID.map { [$0] } ?? LakeIndex.stations(root)
        let rows = stations.compactMap { id in (try? view.latest(id, .data)).flatMap { $0 }.map { (id, $0) } }
        guard let (station, row) = rows.max(by: { $0.1.time < $1.1.time }) else { return nil }
        return (row.time, station, row.file, { row.values[$0] })
    }

    static func age(_ ms: Int64) -> String {
        let s = max(0, ms / 1000)
        if s < 120 { return "\(s) s" }
        if s < 7200 { return "\(s / 60) min" }
        if s < 172_800 { return "\(s / 3600) h" }
        return "\(s / 86400) days"
    }
}

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show the configuration (secrets masked), the data collected and the journal.")

    @Flag(help: "Print JSON.") var json = false
    @Flag(help: "Print the table of every configuration key (markdown) and exit.") var keys = false
    @OptionGroup var configOptions: ConfigOptions

    func run() async throws {
        if keys {
            print(ConfigKey.documentation())
            return
        }
        let s = try StationState(configOptions)
        let data = s.lake.files.filter { $0.entry.kind == "data" }
        var days: [String: (files: Int, rows: Int64, bytes: Int)] = [:]
        for f in data {
            let key = "\(f.entry.station) \(f.entry.year)-\(LakeLayout.pad(f.entry.month, 2))-\(LakeLayout.pad(f.entry.day, 2))"
            days[key, default: (0, 0, 0)].files += 1
            days[key, default: (0, 0, 0)].rows += f.rows
            days[key, default: (0, 0, 0)].bytes += f.bytes
        }
        let first = data.compactMap(\.firstMillis).min(), last = data.compactMap(\.lastMillis).max()
        // Days compacted into the sibling lake of day files (`opensensor compact`).
        let dailyRoot = s.config.dailyDirectory
        let dayFiles = LakeLayout.dayFiles(in: dailyRoot, kind: "data")
        let compacted = Set(dayFiles.map { "\($0.station) \(LakeLayout.pad($0.date.year, 4))-\(LakeLayout.pad($0.date.month, 2))-\(LakeLayout.pad($0.date.day, 2))" })
        if json {
            let j = JSONWriter()
            j.object {
                j.field("configuration") { j.object { for e in s.config.entries { j.field(e.key.name) { j.string(e.display) } } } }
                j.field("warnings") { j.array(s.warnings) { j.string($0) } }
                j.field("data") {
                    j.object {
                        j.field("files") { j.number(data.count) }
                        j.field("rows") { j.number(Int(data.reduce(0) { $0 + $1.rows })) }
                        j.field("bytes") { j.number(data.reduce(0) { $0 + $1.bytes }) }
                        j.field("first_reading") { j.string(first.map(ISO8601.format(millis:))) }
                        j.field("last_reading") { j.string(last.map(ISO8601.format(millis:))) }
                        j.field("unreadable") { j.array(s.lake.unreadable) { u in j.object { j.field("path") { j.string(u.path) }; j.field("error") { j.string(u.reason) } } } }
                        j.field("days") {
                            j.array(days.keys.sorted()) { k in
                                j.object {
                                    let parts = k.split(separator: " ")
                                    j.field("station") { j.string(String(parts[0])) }
                                    j.field("day") { j.string(String(parts[1])) }
                                    j.field("files") { j.number(days[k]!.files) }
                                    j.field("rows") { j.number(Int(days[k]!.rows)) }
                                    j.field("bytes") { j.number(days[k]!.bytes) }
                                    j.field("compacted") { j.bool(compacted.contains(k)) }
                                }
                            }
                        }
                    }
                }
                j.field("daily") {
                    j.object {
                        j.field("root") { j.string(dailyRoot) }
                        j.field("day_files") { j.number(dayFiles.count) }
                        j.field("bytes") { j.number(dayFiles.reduce(0) { $0 + $1.bytes }) }
                    }
                }
                j.field("journals") {
                    j.array(s.journals) { jr in
                        j.object {
                            j.field("station") { j.string(jr.station) }
                            j.field("collector_pid") { j.number(jr.pid.map(Int.init)) }
                            j.field("pending_readings") { j.number(jr.pending.count) }
                        }
                    }
                }
            }
            print(j.out)
            return
        }
        print("configuration:")
        for e in s.config.entries { print("  \(e.key.name) = \(e.display)  [\(e.source.rawValue)]") }
        for w in s.warnings { print("  warning: \(w)") }
        print("data in \(s.config.outputDirectory): \(data.count) files, \(data.reduce(0) { $0 + $1.rows }) rows, \(data.reduce(0) { $0 + $1.bytes }) bytes")
        if let first, let last { print("  from \(ISO8601.format(millis: first)) to \(ISO8601.format(millis: last))") }
        for k in days.keys.sorted() {
            print("  \(k): \(days[k]!.files) files, \(days[k]!.rows) rows, \(days[k]!.bytes) bytes" + (compacted.contains(k) ? ", compacted" : ""))
        }
        print("day files in \(dailyRoot): \(dayFiles.count), \(dayFiles.reduce(0) { $0 + $1.bytes }) bytes")
        for u in s.lake.unreadable { print("  unreadable: \(u.path): \(u.reason)") }
        print("journals (made durable \(s.journalSyncSummary)):")
        if s.journals.isEmpty { print("  none") }
        for jr in s.journals {
            print("  \(jr.station): \(jr.pending.count) readings not yet in a file; collector \(jr.pid.map { "running (pid \($0))" } ?? "not running")")
        }
        print("sensors: run 'opensensor test --once' to see which sensors answer")
    }
}
