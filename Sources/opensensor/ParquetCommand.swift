import ArgumentParser
import Lake
import Parquet

struct ParquetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parquet",
        abstract: "Write and inspect Parquet files of the lake's schemas.",
        subcommands: [Write.self, Inspect.self])

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

        @Option(help: "snappy, zstd, gzip or none (optionally with a level, e.g. zstd:19).")
        var compression: String = "snappy"

        @Option(help: "sensor or health.")
        var schema: String = "sensor"

        @Option(help: .hidden)
        var rowGroupSize: Int?

        func run() async throws {
            guard let codec = Compression(name: compression) else {
                throw ValidationError("--compression: unknown codec '\(compression)'; expected snappy, zstd, gzip or none")
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
            var options = WriterOptions(compression: codec)
            if let rowGroupSize { options.maxRowsPerRowGroup = rowGroupSize }
            var writer = ParquetWriter(schema: schema, options: options)
            try writer.write(columns)
            try ParquetFile.write(writer.finish(), to: output)
        }
    }

    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a Parquet file's schema, row groups, column chunks and statistics.")

        @Argument(help: "The Parquet file.")
        var file: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let bytes = try ParquetFile.readAll(file)
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

/// An error shown to the user as is.
struct CLIError: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}
