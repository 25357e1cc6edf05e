// What several test targets share: fakes of the board and the disk, a captured log, and a
// stand-in for systemd's notification socket. A library, not a test target, so each test target
// of a library target can use it.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import Drivers
public import DurableFiles
public import HAL
public import Logging
public import Synchronization

/// A test fixture that could not be set up.
public struct SupportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A new, empty folder under /tmp named `<prefix>-XXXXXX`, for one test's files.
public func makeTemporaryFolder(_ prefix: String) throws -> String {
    var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
    guard let made = mkdtemp(&template) else { throw SupportError("mkdtemp /tmp/\(prefix)-XXXXXX: \(String(cString: strerror(errno)))") }
    return String(cString: made)
}

/// A board that reads the same values every time, or fails every sensor.
public struct FixedBoard: SensorBoard {
    public var failing = false
    public init(failing: Bool = false) { self.failing = failing }
    public func read(at time: Timestamp) async -> BoardReading {
        var r = BoardReading(timestamp: time)
        guard !failing else { return r }
        r.rawTemperature = 30; r.rawHumidity = 40; r.pressure = 1013.25; r.cpuTemperature = 52.5
        r.oxidised = 20; r.reducing = 300; r.nh3 = 100; r.lux = 150; r.proximity = 2
        r.pm1 = 3; r.pm25 = 5; r.pm10 = 7
        r.particles03um = 600; r.particles05um = 170; r.particles10um = 30; r.particles25um = 3; r.particles50um = 1; r.particles100um = 0
        return r
    }
    public func shutdown() async {}
}

/// Tests check files, not log lines.
public let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// A bound AF_UNIX datagram socket standing in for systemd's notification socket.
public final class NotifyReceiver {
    public let fd: Int32
    /// The NOTIFY_SOCKET value that reaches it.
    public let name: String
    private let path: String?

    private static let counter = Atomic<Int>(0)

    /// A socket at a file path (`abstract: false`) or an abstract name.
    public init(abstract: Bool) throws {
        let n = Self.counter.add(1, ordering: .relaxed).newValue
        let unique = "osn-\(getpid())-\(n)-\(UInt32.random(in: 0...UInt32.max))"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SupportError("socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes: [UInt8]
        if abstract {
            name = "@" + unique
            path = nil
            bytes = [0] + Array(unique.utf8)
        } else {
            let p = "/tmp/" + unique + ".sock"
            name = p
            path = p
            bytes = Array(p.utf8) + [0]
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)! + bytes.count)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard rc == 0 else { throw SupportError("bind: \(String(cString: strerror(errno)))") }
    }

    deinit {
        close(fd)
        if let path { unlink(path) }
    }

    /// Every datagram queued so far, without waiting.
    public func drain() -> [String] {
        var out: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n <= 0 { return out }
            out.append(String(decoding: buffer[0..<n], as: UTF8.self))
        }
    }
}

/// Log messages, captured.
public final class CapturedLog: Sendable {
    public let messages = Mutex<[String]>([])
    public init() {}

    /// Everything logged so far.
    public var all: [String] { messages.withLock { $0 } }

    public var logger: Logger {
        Logger(label: "test") { _ in CaptureHandler(log: self) }
    }

    public struct CaptureHandler: LogHandler {
        public let log: CapturedLog
        public init(log: CapturedLog) { self.log = log }
        public var logLevel: Logger.Level = .trace
        public var metadata: Logger.Metadata = [:]
        public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        public func log(event: LogEvent) {
            log.messages.withLock { $0.append("\(event.level): \(event.message) \(event.metadata ?? [:])") }
        }
    }
}

/// A disk that always reports the same free space.
public struct FixedFreeSpace: FreeSpace {
    public var bytes: Int64
    public init(bytes: Int64) { self.bytes = bytes }
    public func availableBytes(at path: String) throws(FreeSpaceError) -> Int64 { bytes }
}

/// A disk whose free space a test sets.
public final class ScriptedFreeSpace: FreeSpace {
    public let bytes: Atomic<Int64>
    public init(_ bytes: Int64) { self.bytes = Atomic(bytes) }
    public func availableBytes(at path: String) throws(FreeSpaceError) -> Int64 { bytes.load(ordering: .relaxed) }
}


/// A lake's paths for proving that every reader (query, index, scan, sync, retention) walks it by
/// one rule: one valid batch, batches under names that are not partitions, and files where a
/// folder belongs.
public enum PartitionFixtures {
    public static let valid = "station=s/year=2025/month=06/day=30/data_0015.parquet"

    /// Batch files under names that are not partitions.
    public static let invalid = [
        "station=s/year=2025/month=13/day=01/data_0015.parquet",
        "station=s/year=2025/month=00/day=01/data_0015.parquet",
        "station=s/year=2025/month=06/day=31/data_0015.parquet",   // June has 30 days
        "station=s/year=2025/month=02/day=29/data_0015.parquet",   // 2025 is not a leap year
        "station=s/year=2025/month=06/day=00/data_0015.parquet",
        "station=s/year=abc/month=06/day=01/data_0015.parquet",
        "station=s/year=abcd/month=06/day=01/data_0015.parquet",
        "station=s/year=20251/month=06/day=01/data_0015.parquet",
        "station=s/year=2025/month=6/day=01/data_0015.parquet",
        "station/year=2025/month=06/day=01/data_0015.parquet",     // station without '='
        "stations/year=2025/month=06/day=01/data_0015.parquet",
        "station=/year=2025/month=06/day=01/data_0015.parquet",
        "station=a=b/year=2025/month=06/day=01/data_0015.parquet",
        "station=a\tb/year=2025/month=06/day=01/data_0015.parquet", // the sync ledger is tab-separated
        "station=s/year=2025/month=06/day=30/extra/data_0015.parquet",
        "station=s/year=2025/month=06/data_0015.parquet",
    ]

    /// Regular files where the layout has a folder.
    public static let filesAsFolders = ["station=f", "station=s/year=2024", "station=s/year=2025/month=05", "station=s/year=2025/month=06/day=29"]
}

/// A count shared between a test and the tasks or threads it starts.
public final class Counter: Sendable {
    public let value = Atomic<Int>(0)
    public init() {}
}
