// Reading a file's footer: magic, footer length, FileMetaData (parquet-format README "File
// Format"). Lengths come from the file and are checked before use.

/// Why a file could not be read: what is wrong and, when the bytes came from a path, which file.
public struct ParquetReadError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The path of the file, when the reader was given one.
    public var file: String?

    public init(_ message: String) { self.message = message }

    public init(_ message: String, file: String?) {
        self.message = message
        self.file = file
    }

    public var description: String { file.map { "\($0): \(message)" } ?? message }

    /// This error, naming `file` unless it already names one.
    public func inFile(_ file: String?) -> ParquetReadError {
        var e = self
        if e.file == nil { e.file = file }
        return e
    }
}

/// "PAR1", the magic at both ends of a Parquet file.
let parquetMagic: [UInt8] = Array("PAR1".utf8)

extension FileMetaData {
    /// Parses the footer of a whole file held in memory.
    public static func read(fileBytes bytes: [UInt8]) throws(ParquetReadError) -> FileMetaData {
        guard bytes.count >= 12 else { throw ParquetReadError("file is \(bytes.count) bytes, too short for Parquet (at least 12)") }
        guard bytes.prefix(4).elementsEqual(parquetMagic) else { throw ParquetReadError("missing PAR1 magic at the start") }
        let length = try footerLength(tail: Array(bytes.suffix(8)), fileSize: bytes.count)
        return try decodeFooter(bytes, range: (bytes.count - 8 - length)..<(bytes.count - 8))
    }

    /// The footer length stored in a file's last 8 bytes (length, then "PAR1"), checked against
    /// the file's size.
    static func footerLength(tail: [UInt8], fileSize n: Int) throws(ParquetReadError) -> Int {
        guard n >= 12, tail.count == 8 else { throw ParquetReadError("file is \(n) bytes, too short for Parquet (at least 12)") }
        guard tail[4...].elementsEqual(parquetMagic) else {
            throw ParquetReadError("missing PAR1 magic at the end (truncated, encrypted or not a Parquet file)")
        }
        let length = Int(UInt32(tail[0]) | UInt32(tail[1]) << 8 | UInt32(tail[2]) << 16 | UInt32(tail[3]) << 24)
        guard length <= n - 12 else { throw ParquetReadError("footer length \(length) exceeds the file's \(n - 12) bytes of content") }
        guard length > 0 else { throw ParquetReadError("footer length is 0") }
        return length
    }

    static func decodeFooter(_ bytes: [UInt8], range: Range<Int>) throws(ParquetReadError) -> FileMetaData {
        var reader = ThriftCompactReader(bytes, range: range)
        do {
            return try FileMetaData.decode(&reader)
        } catch {
            throw ParquetReadError("footer: \(error)")
        }
    }

    /// The leaf columns of a flat schema, with their schema elements.
    public var leafColumns: [SchemaElement] { schema.filter { $0.type != nil } }
}
