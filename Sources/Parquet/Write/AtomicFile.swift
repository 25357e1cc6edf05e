// Writing a finished Parquet file: the durable-file layer's atomic write (temporary name, fsync,
// publish, folder fsync — docs/ARCHITECTURE.md §4 rule 1), its errors told in Parquet's terms.

import DurableFiles

public enum ParquetFile {
    /// Writes `bytes` to `path` atomically. With `overwrite: false` an existing file is
    /// `.alreadyExists` and is left untouched. `durable: false` skips the fsyncs (benchmarks and
    /// scratch files only: a power cut may then leave an empty file).
    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool = true, durable: Bool = true) throws(ParquetWriteError) {
        do {
            try FileIO.write(bytes, to: path, mode: overwrite ? .replace : .createOnly, durable: durable)
        } catch {
            throw ParquetWriteError(error)
        }
    }

    /// fsyncs a folder so a rename inside it survives power loss.
    public static func syncDirectory(_ dir: String) throws(ParquetWriteError) {
        do { try FileIO.syncFolder(dir) } catch { throw ParquetWriteError(error) }
    }
}

extension ParquetWriteError {
    init(_ error: FileError) {
        self = error.kind == .alreadyExists
            ? .alreadyExists(path: error.path)
            : .io(path: error.path, operation: error.operation, errno: error.errno, message: error.reason)
    }
}
