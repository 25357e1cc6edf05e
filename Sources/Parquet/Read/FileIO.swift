import DurableFiles

extension ParquetFile {
    /// Reads a whole file, refusing files above `limit` bytes.
    public static func readAll(_ path: String, limit: Int = 1 << 31) throws(ParquetReadError) -> [UInt8] {
        do { return try FileIO.readWholeFile(path, limit: limit) } catch { throw ParquetReadError("\(error)") }
    }
}
