// Reading a file's footer: magic, footer length, FileMetaData (parquet-format README "File
// Format"). Lengths come from the file and are checked before use.

/// Why a file could not be read.
public struct ParquetReadError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension FileMetaData {
    /// Parses the footer of a whole file held in memory.
    public static func read(fileBytes bytes: [UInt8]) throws(ParquetReadError) -> FileMetaData {
        guard bytes.count >= 12 else { throw ParquetReadError("file is \(bytes.count) bytes, too short for Parquet (at least 12)") }
        guard bytes.prefix(4).elementsEqual("PAR1".utf8) else { throw ParquetReadError("missing PAR1 magic at the start") }
        guard bytes.suffix(4).elementsEqual("PAR1".utf8) else { throw ParquetReadError("missing PAR1 magic at the end (truncated or encrypted file?)") }
        let n = bytes.count
        let length = Int(UInt32(bytes[n - 8]) | UInt32(bytes[n - 7]) << 8 | UInt32(bytes[n - 6]) << 16 | UInt32(bytes[n - 5]) << 24)
        guard length <= n - 12 else { throw ParquetReadError("footer length \(length) exceeds the file's \(n - 12) bytes of content") }
        var reader = ThriftCompactReader(bytes, range: (n - 8 - length)..<(n - 8))
        do {
            return try FileMetaData.decode(&reader)
        } catch {
            throw ParquetReadError("footer: \(error)")
        }
    }

    /// The leaf columns of a flat schema, with their schema elements.
    public var leafColumns: [SchemaElement] { schema.filter { $0.type != nil } }
}
