// The log file, bounded: `opensensor.log` grows to `maxBytes`, then becomes `opensensor.log.1`
// (the older ones shift to .2, .3, … and the oldest beyond `keep` is deleted). At DEBUG a
// station logs about 3.5 MB a day; unbounded, that fills a card over months, and the free-space
// floor cannot delete logs. With the defaults, logs take at most 5 × 4 MiB.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization
public import Config
import DurableFiles

public final class RotatingLogFile: Sendable {
    public let path: String
    public let maxBytes: Int
    /// Rotated files kept besides the current one.
    public let keep: Int

    public static let defaultMaxBytes = 4 << 20
    public static let defaultKeep = 4

    private struct State {
        var file: AppendFile
    }
    private let state: Mutex<State>

    /// Opens (creating it and its folder) the log file at `path` for appending.
    public init(path: String, maxBytes: Int = defaultMaxBytes, keep: Int = defaultKeep) throws(ConfigError) {
        self.path = path
        self.maxBytes = max(4096, maxBytes)
        self.keep = max(1, keep)
        // A missing folder shows as the open's error below.
        try? FileIO.makeFolders(FileIO.split(path).folder)
        state = Mutex(State(file: try Self.open(path)))
    }

    /// Appends `line` (one whole line, newline included); rotates first when it would take the
    /// file past `maxBytes`. A failed write is dropped: logging never stops the collector.
    public func write(_ line: String) {
        var text = line
        state.withLock { s in
            if s.file.size > 0, s.file.size + text.utf8.count > maxBytes { rotate(&s) }
            text.withUTF8 { buf in try? s.file.append(UnsafeRawBufferPointer(buf)) }
        }
    }

    /// The rotated files' paths, newest first (`.1` … `.keep`).
    public var rotated: [String] { (1...keep).map { "\(path).\($0)" } }

    private func rotate(_ s: inout State) {
        unlink(rotated[keep - 1])
        for k in stride(from: keep - 1, through: 1, by: -1) { rename(rotated[k - 1], rotated[k]) }
        rename(path, rotated[0])
        // If the new file cannot be opened, go on appending to the renamed one rather than lose lines.
        guard let file = try? Self.open(path) else { return }
        s = State(file: file)
    }

    private static func open(_ path: String) throws(ConfigError) -> AppendFile {
        do { return try AppendFile(path: path, create: 0o640) } catch { throw ConfigError(error) }
    }
}
