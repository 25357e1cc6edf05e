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
        var fd: Int32
        var size: Int
    }
    private let state: Mutex<State>

    /// Opens (creating it and its folder) the log file at `path` for appending.
    public init(path: String, maxBytes: Int = defaultMaxBytes, keep: Int = defaultKeep) throws(ConfigError) {
        self.path = path
        self.maxBytes = max(4096, maxBytes)
        self.keep = max(1, keep)
        let slash = path.lastIndex(of: "/")
        if let slash, slash != path.startIndex { _ = mkdir(String(path[..<slash]), 0o755) }
        let (fd, size) = try Self.open(path)
        state = Mutex(State(fd: fd, size: size))
    }

    deinit { _ = state.withLock { close($0.fd) } }

    /// Appends `line` (one whole line, newline included); rotates first when it would take the
    /// file past `maxBytes`. A failed write is dropped: logging never stops the collector.
    public func write(_ line: String) {
        var text = line
        state.withLock { s in
            if s.size > 0, s.size + text.utf8.count > maxBytes { rotate(&s) }
            text.withUTF8 { buf in
                var offset = 0
                while offset < buf.count {
                    let n = posixWrite(s.fd, buf.baseAddress! + offset, buf.count - offset)
                    if n < 0 { if errno == EINTR { continue } else { break } }
                    offset += n
                }
                s.size += offset
            }
        }
    }

    /// The rotated files' paths, newest first (`.1` … `.keep`).
    public var rotated: [String] { (1...keep).map { "\(path).\($0)" } }

    private func rotate(_ s: inout State) {
        unlink(rotated[keep - 1])
        for k in stride(from: keep - 1, through: 1, by: -1) { rename(rotated[k - 1], rotated[k]) }
        rename(path, rotated[0])
        // If the new file cannot be opened, go on appending to the renamed one rather than lose lines.
        guard let (fd, size) = try? Self.open(path) else { return }
        close(s.fd)
        s = State(fd: fd, size: size)
    }

    private static func open(_ path: String) throws(ConfigError) -> (Int32, Int) {
        let fd = posixOpen(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw .io(path: path, operation: "open", reason: String(cString: strerror(errno))) }
        var st = stat()
        let size = fstat(fd, &st) == 0 ? Int(st.st_size) : 0
        return (fd, size)
    }
}

// File-scope names for the calls the class's own `write` and `open` would shadow.
private func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ n: Int) -> Int { write(fd, buf, n) }
private func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
