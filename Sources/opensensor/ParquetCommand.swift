import ArgumentParser
import ObjectStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import DurableFiles
import Lake
import Parquet

struct ParquetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet",
        abstract: "Write and inspect Parquet files of the lake's schemas.",
        subcommands: [Write.self, Inspect.self, Cat.self])

    struct Write: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a CSV of readings into a Parquet file.",
            discussion: """
                The CSV header names columns of the schema, in any order; columns it leaves out are null. \
                An empty cell is null. Timestamps are ISO-8601 UTC, e.g. 2025-06-01T00:00:05.048Z. \
                The output appears atomically: on any error no file is left behind.
                """)

        @Option(help: "The CSV file to read.")
        var input: String

        @Option(help: "The Parquet file to write.")
        var output: String

        @Option(help: "snappy, zstd, gzip or none (optionally with a level, e.g. zstd:19); default snappy, zstd:3 with --day-file.")
        var compression: String?

        @Flag(help: "Write a day file: BYTE_STREAM_SPLIT floats, zstd, a row group per 6 hours. Read by pyarrow, DuckDB and polars, not fastparquet.")
        var dayFile = false

        @Option(help: "sensor or health.")
        var schema: String = "sensor"

        @Option(help: .hidden)
        var rowGroupSize: Int?

        func run() async throws {
            var options = dayFile ? WriterOptions.dayFile : WriterOptions()
            if let compression {
                guard let codec = Compression(name: compression) else {
                    throw ValidationError("--compression: unknown codec '\(compression)'; expected snappy, zstd, gzip or none")
                }
                options.compression = codec
            }
            guard let schema = LakeSchemas.named(self.schema) else {
                throw ValidationError("--schema: unknown schema '\(self.schema)'; expected sensor or health")
            }
            let bytes = try ParquetFile.readAll(input)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw CLIError("\(input): not UTF-8 text")
            }
            let columns: [ColumnValues]
            do {
                columns = try CSVImport.columns(of: text, schema: schema)
            } catch {
                throw CLIError("\(input): \(error)")
            }
            if let rowGroupSize { options.maxRowsPerRowGroup = rowGroupSize }
            var writer = ParquetWriter(schema: schema, options: options)
            try writer.write(columns)
            try ParquetFile.write(writer.finish(), to: output)
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a Parquet file's schema, row groups, column chunks and statistics.")

        @Argument(help: "The Parquet file, or an object s3://BUCKET/KEY read with the storage settings sync uses.")
        var file: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        @OptionGroup var configOptions: ConfigOptions

        func run() async throws {
            let bytes = try await ParquetCommand.contents(of: file, configOptions)
            let meta: FileMetaData
            do {
                meta = try FileMetaData.read(fileBytes: bytes)
            } catch {
                throw CLIError("\(file): \(error)")
            }
            print(json ? Inspection(meta, fileSize: bytes.count).json() : Inspection(meta, fileSize: bytes.count).text())
        }
    }
}

extension ParquetCommand {
    struct Cat: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every row of a Parquet file as CSV or JSON lines.",
            discussion: """
                CSV: a header of column names; timestamps in ISO-8601 UTC with milliseconds; FLOAT and DOUBLE \
                in the shortest text that reads back to the same value (NaN, Infinity, -Infinity); booleans \
                true/false; strings quoted per RFC 4180 when needed; null as an empty cell. `parquet write` \
                reads it back exactly. JSON: one object per line, null as null, NaN and infinities as strings. \
                The file is read one row group at a time.
                """)

        @Argument(help: "The Parquet file, or an object s3://BUCKET/KEY read with the storage settings sync uses.")
        var file: String

        @OptionGroup var configOptions: ConfigOptions

        @Option(help: "Columns to print, comma-separated, in that order (default: all).")
        var columns: String?

        @Option(help: "csv or json.")
        var format: String = "csv"

        func run() async throws {
            guard let format = RowTextFormat(rawValue: format.lowercased()) else {
                throw ValidationError("--format: unknown format '\(self.format)'; expected csv or json")
            }
            let reader = try await ParquetCommand.reader(of: file, configOptions)
            do {
                let selected = try columns.map { list throws(ParquetReadError) in
                    try reader.columns(named: list.split(separator: ",").map { String($0).trimmingSpaces })
                } ?? reader.columns
                let formatter = RowFormatter(columns: selected, format: format)
                var out = formatter.header ?? ""
                // Flushed every few thousand rows, so output streams and memory stays bounded
                // by one row group's values.
                let step = 4096
                for g in 0..<reader.rowGroupCount {
                    let values = try reader.readRowGroup(g, columns: selected.map(\.index))
                    let rows = reader.rowCount(ofRowGroup: g)
                    for start in stride(from: 0, to: rows, by: step) {
                        formatter.appendRows(values, rows: start..<min(rows, start + step), to: &out)
                        StandardOutput.put(out)
                        out.removeAll(keepingCapacity: true)
                    }
                }
                StandardOutput.put(out)
            } catch {
                throw CLIError("\(error.inFile(file))")
            }
        }
    }
}

extension ParquetCommand {
    /// A local file opened to read one row group at a time; an object is fetched whole first.
    static func reader(of file: String, _ options: ConfigOptions) async throws -> ParquetFileReader {
        guard RemoteLake.isRemote(file) else { return try ParquetFileReader(path: file) }
        let bytes = try await contents(of: file, options)
        do { return try ParquetFileReader(bytes: bytes) } catch { throw error.inFile(file) }
    }

    /// The whole file, or the whole object of an `s3://BUCKET/KEY` (no keys configured:
    /// an unsigned request, for a public bucket).
    static func contents(of file: String, _ options: ConfigOptions) async throws -> [UInt8] {
        guard RemoteLake.isRemote(file) else { return try ParquetFile.readAll(file) }
        let (config, _) = try options.load()
        let bucket = try RemoteLake.Bucket(file, option: "file", config: config)
        let got: Result<[UInt8], any Error>
        do {
            got = .success(try await bucket.store.get(try ObjectPath(bucket.prefix)).bytes)
        } catch {
            got = .failure(error)
        }
        try? await bucket.store.shutdown()
        do { return try got.get() } catch { throw CLIError("\(file): \(error)") }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}

/// Unbuffered-enough writes of large text to standard output.
enum StandardOutput {
    static func put(_ text: String) {
        guard !text.isEmpty else { return }
        var text = text
        text.withUTF8 { buf in
            var done = 0
            while done < buf.count {
                let n = FileIO.retryingInterrupted { write(1, buf.baseAddress! + done, buf.count - done) }
                if n < 0 { return }
                done += n
            }
        }
    }
}

/// An error shown to the user as is.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
