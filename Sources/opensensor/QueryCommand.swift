// `opensensor query`: per station and time bucket, the count of readings and the average,
// minimum and maximum of each column, straight from the lake on this machine — the questions
// one would otherwise ask DuckDB, answered on the station itself.

import ArgumentParser
import Lake
import Parquet
import Systemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Count, average, minimum and maximum per station and time bucket, from the Parquet lake.",
        discussion: """
            Buckets start at UTC midnight and every --every after it; --from is inclusive and --to \
            exclusive. Nulls are ignored: a bucket whose column is all null has an empty average. \
            Unreadable files are skipped with a warning naming them. Only day folders that can hold \
            the range are opened, and only row groups whose timestamp statistics overlap it are read. \
            Sensor values outside the plausibility ranges (a stuck particle sensor: PM1 = PM2.5 = \
            PM10 > 0, or any PM above 1000 µg/m³; gas below 0 or above 10,000 kΩ; temperature \
            outside −40…85 °C; humidity outside 0–100 %; pressure outside 300–1100 hPa; light \
            outside 0–64,000 lux; proximity outside 0–2047) are left out of the aggregates and \
            counted on stderr; --keep-implausible keeps them.
            """)

    @Option(help: "The lake's root: a folder, or s3://BUCKET/PREFIX read with the storage settings sync uses (default: the configured output directory, or health directory with --health).")
    var data: String?

    @Flag(help: "Query the health metrics (health_HHMM.parquet) instead of the sensor readings.")
    var health = false

    @Option(help: "Only this station (repeat for several).")
    var station: [String] = []

    @Option(help: "Start, inclusive: ISO-8601 UTC (2025-06-01T12:00:00Z) or a day (2025-06-01).")
    var from: String?

    @Option(help: "End, exclusive: ISO-8601 UTC or a day.")
    var to: String?

    @Option(help: "Bucket width: minutes, hours or 1d, dividing a day (15m, 1h, 1d, …).")
    var every: String = "1h"

    @Option(help: "Comma-separated columns to aggregate (default: every numeric column).")
    var columns: String?

    @Option(help: "table, csv or json (one object per line).")
    var format: String = "table"

    @Flag(name: .customLong("keep-implausible"), help: "Average implausible sensor values in too, instead of leaving them out.")
    var keepImplausible = false

    @OptionGroup var configOptions: ConfigOptions

    func validate() throws {
        _ = try query()
        guard QueryFormat(rawValue: format) != nil else {
            throw ValidationError("--format: expected table, csv or json, got '\(format)'")
        }
    }

    /// The query the options describe, or a `ValidationError` naming the option at fault.
    func query() throws -> LakeQuery {
        var q = LakeQuery(kind: health ? .health : .data, stations: Set(station), keepImplausible: keepImplausible)
        if let from {
            guard let t = LakeQuery.parseTime(from) else {
                throw ValidationError("--from: expected an ISO-8601 UTC time (2025-06-01T12:00:00Z) or a day (2025-06-01), got '\(from)'")
            }
            q.from = t
        }
        if let to {
            guard let t = LakeQuery.parseTime(to) else {
                throw ValidationError("--to: expected an ISO-8601 UTC time (2025-06-01T12:00:00Z) or a day (2025-06-01), got '\(to)'")
            }
            q.to = t
        }
        if let f = q.from, let t = q.to, t <= f { throw ValidationError("--to (\(to!)) must be after --from (\(from!))") }
        guard let width = BucketWidth(parsing: every) else {
            throw ValidationError("--every: expected minutes, hours or days that divide a day (15m, 1h, 1d, …), got '\(every)'")
        }
        q.every = width
        if let columns {
            q.columns = columns.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
            if q.columns.contains("") { throw ValidationError("--columns: expected comma-separated names, got '\(columns)'") }
        }
        do {
            _ = try q.resolvedColumns()
        } catch {
            throw ValidationError("--columns: \(error)")
        }
        return q
    }

    func run() async throws {
        let q = try query()
        let root: String
        var remote: RemoteLake?
        var configuredDaily: String?  // OPENSENSOR_DAILY_DIR, for the configured lake
        if let data, RemoteLake.isRemote(data) {
            let (config, warnings) = try configOptions.load()
            for w in warnings { StderrText.write("warning: \(w)\n") }
            remote = try RemoteLake.open(data, config: config, environment: ProcessEnvironment.all())
            root = data
        } else if let data {
            root = data
        } else {
            let (config, warnings) = try configOptions.load()
            for w in warnings { StderrText.write("warning: \(w)\n") }
            root = health ? config.healthDirectory : config.outputDirectory
            configuredDaily = health ? config.healthDailyDirectory : config.dailyDirectory
        }
        // Progress only where someone watches; redrawn at most every 1 % of the files.
        let terminal = isatty(STDERR_FILENO) == 1
        let result: QueryResult
        var configured = remote.map { QueryEngine(source: $0.source) } ?? QueryEngine(root: root)
        if let configuredDaily { configured.dailyRoot = configuredDaily }
        configured.dailyRemote = remote?.daily
        let engine = configured
        let location = engine.root
        let answer = await BlockingWork.run { () -> Result<QueryResult, QueryError> in
            var shown = -1
            return Result { () throws(QueryError) -> QueryResult in try engine.run(q, progress: { done, total in
                guard terminal, total >= 200 else { return }
                let percent = done * 100 / total
                guard percent != shown else { return }
                shown = percent
                StderrText.write("\rquery: \(done)/\(total) files (\(percent) %)\u{1B}[K" + (done == total ? "\r\u{1B}[K" : ""))
            }, skipped: { s in
                if terminal && shown >= 0 { StderrText.write("\r\u{1B}[K") }
                StderrText.write("warning: skipped \(location)/\(s.path): \(s.reason)\n")
            }) }
        }
        if let remote {
            try? await remote.store.shutdown()
            StderrText.write("query: \(remote.summary)\n")
        }
        do {
            result = try answer.get()
        } catch {
            throw CLIError("query: \(error)")
        }
        let format = QueryFormat(rawValue: format) ?? .table
        QueryOutput.write(result, as: format) { print($0) }
        if !result.skipped.isEmpty {
            StderrText.write("warning: \(result.skipped.count) unreadable file(s) skipped; the answer leaves them out\n")
        }
        if result.implausible > 0 {
            StderrText.write("query: \(result.implausible) reading(s) had implausible values, left out of the aggregates (--keep-implausible keeps them)\n")
        }
    }
}

extension String {
    /// Without leading and trailing spaces (the executable stays off Foundation).
    fileprivate func trimmingSpaces() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
