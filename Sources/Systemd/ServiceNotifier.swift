// The sd_notify protocol spoken directly, without libsystemd.
//
// The protocol (sd_notify(3), "Notes"): the service manager passes the path of an AF_UNIX
// datagram socket in $NOTIFY_SOCKET — a file-system path starting with "/", or an abstract
// socket name written with a leading "@" that stands for the NUL byte. Each notification is one
// datagram of newline-separated VARIABLE=value assignments, e.g. "READY=1" or
// "WATCHDOG=1\nSTATUS=collecting". The manager authenticates the sender by its kernel-attached
// credentials, so with `NotifyAccess=main` only the main process may send.
//
// Audience: the executable's wiring (`opensensor start`) and, through `ServiceWatchdog`, the
// collector. A notification is advisory: a failed send is returned, never thrown, and must never
// stop collection.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Config
import DurableFiles

/// Why a notification could not be set up or sent.
public struct ServiceNotifyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What was being done: "NOTIFY_SOCKET", "WATCHDOG_USEC", "socket", "sendto".
    public var operation: String
    /// The errno of a failed system call (0 when the input was malformed).
    public var code: Int32
    /// What was wrong and what was expected.
    public var message: String

    public init(operation: String, code: Int32 = 0, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    public var description: String { "\(operation): \(message)" }

    /// True when the manager's socket queue was full: the datagram was dropped instead of
    /// blocking the caller (sends are non-blocking on purpose).
    public var wouldBlock: Bool { code == EAGAIN || code == EWOULDBLOCK }
}

/// A connection to the service manager's notification socket.
///
/// Create one with ``init(environment:processID:)`` (nil when not running under a service
/// manager that asked for notifications) or ``open(environment:processID:)`` (which also says
/// why a present but unusable `NOTIFY_SOCKET` was refused). Sends never block: the socket is
/// non-blocking and a full queue drops the datagram with an error the caller may log.
public final class ServiceNotifier: Sendable {
    /// `NOTIFY_SOCKET` as given ("/run/systemd/notify" or "@name").
    public let socketName: String
    /// How often the manager expects `WATCHDOG=1` (`WATCHDOG_USEC`), or nil when no watchdog
    /// was requested for this process.
    public let watchdogInterval: Duration?

    private let fd: Int32
    /// The socket address bytes (a `sockaddr_un`, only the used length).
    private let address: [UInt8]

    /// The notifier the environment describes, or nil when `NOTIFY_SOCKET` is unset or
    /// unusable (use ``open(environment:processID:)`` to learn why). `processID` (default: this
    /// process) is compared with `WATCHDOG_PID`.
    public convenience init?(environment: [String: String], processID: Int32? = nil) {
        guard let parts = try? Self.parse(environment: environment, processID: processID ?? getpid()) else { return nil }
        guard let fd = try? Self.makeSocket() else { return nil }
        self.init(socketName: parts.name, address: parts.address, watchdog: parts.watchdog, fd: fd)
    }

    /// The notifier the environment describes; nil when `NOTIFY_SOCKET` is unset (not started
    /// by a service manager, or one that wants no notifications).
    ///
    /// - Throws: when `NOTIFY_SOCKET` or `WATCHDOG_USEC` is malformed, or the socket cannot
    ///   be created.
    public static func open(environment: [String: String], processID: Int32? = nil) throws(ServiceNotifyError) -> ServiceNotifier? {
        guard environment["NOTIFY_SOCKET"] != nil else { return nil }
        let parts = try parse(environment: environment, processID: processID ?? getpid())
        let fd = try makeSocket()
        return ServiceNotifier(socketName: parts.name, address: parts.address, watchdog: parts.watchdog, fd: fd)
    }

    private init(socketName: String, address: [UInt8], watchdog: Duration?, fd: Int32) {
        self.socketName = socketName
        self.address = address
        self.watchdogInterval = watchdog
        self.fd = fd
    }

    deinit { close(fd) }

    /// Sends one notification: newline-separated `VARIABLE=value` assignments.
    @discardableResult
    public func send(_ message: String) -> Result<Void, ServiceNotifyError> {
        var payload = Array(message.utf8)
        var addr = address
        let n = FileIO.retryingInterrupted {
            payload.withUnsafeMutableBytes { data in
                addr.withUnsafeMutableBytes { a in
                    sendto(fd, data.baseAddress, data.count, Self.sendFlags,
                           a.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(a.count))
                }
            }
        }
        if n >= 0 { return .success(()) }
        let code = errno
        let hint = (code == EAGAIN || code == EWOULDBLOCK)
            ? "the service manager's queue is full; notification dropped"
            : "\(String(cString: strerror(code))) (sending to \(socketName))"
        return .failure(ServiceNotifyError(operation: "sendto", code: code, message: hint))
    }

    /// `READY=1`: start-up is complete (for `Type=notify`, the unit becomes active and the
    /// watchdog starts counting), with an optional status line.
    @discardableResult
    public func ready(status: String? = nil) -> Result<Void, ServiceNotifyError> {
        send("READY=1" + (status.map { "\nSTATUS=" + Self.oneLine($0) } ?? ""))
    }

    /// `STATUS=…`: a free-form line `systemctl status` shows.
    @discardableResult
    public func status(_ text: String) -> Result<Void, ServiceNotifyError> {
        send("STATUS=" + Self.oneLine(text))
    }

    /// `WATCHDOG=1`: the keep-alive ping. Send it only when the service is working (see
    /// ``WatchdogHeartbeat``), never from a timer of its own.
    @discardableResult
    public func watchdog() -> Result<Void, ServiceNotifyError> {
        send("WATCHDOG=1")
    }

    /// `STOPPING=1`: shutting down (the open batch is being written).
    @discardableResult
    public func stopping(status: String? = nil) -> Result<Void, ServiceNotifyError> {
        send("STOPPING=1" + (status.map { "\nSTATUS=" + Self.oneLine($0) } ?? ""))
    }

    /// A value cannot span lines: a newline would start a new assignment.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    // MARK: Environment

    struct Parts {
        var name: String
        var address: [UInt8]
        var watchdog: Duration?
    }

    /// Reads `NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`.
    static func parse(environment: [String: String], processID: Int32) throws(ServiceNotifyError) -> Parts {
        guard let name = environment["NOTIFY_SOCKET"] else {
            throw ServiceNotifyError(operation: "NOTIFY_SOCKET", message: "not set: not started by a service manager")
        }
        let address = try socketAddress(name)
        return Parts(name: name, address: address, watchdog: try watchdogInterval(environment: environment, processID: processID))
    }

    /// The `sockaddr_un` bytes for `name`: a path ("/…") or an abstract name ("@…", whose "@"
    /// becomes the leading NUL byte of `sun_path`, with no terminating NUL).
    static func socketAddress(_ name: String) throws(ServiceNotifyError) -> [UInt8] {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, first == UInt8(ascii: "/") || first == UInt8(ascii: "@") else {
            throw ServiceNotifyError(
                operation: "NOTIFY_SOCKET",
                message: "expected an absolute socket path (/…) or an abstract name (@…), got '\(name)'")
        }
        guard bytes.count > 1, !bytes.contains(0) else {
            throw ServiceNotifyError(operation: "NOTIFY_SOCKET", message: "'\(name)' is not a usable socket name")
        }
        var path = bytes
        if first == UInt8(ascii: "@") { path[0] = 0 } else { path.append(0) }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \sockaddr_un.sun_path)!
        let capacity = MemoryLayout<sockaddr_un>.size - pathOffset
        guard path.count <= capacity else {
            throw ServiceNotifyError(
                operation: "NOTIFY_SOCKET",
                message: "'\(name)' is \(bytes.count) bytes; a socket address holds at most \(capacity - 1)")
        }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var out = withUnsafeBytes(of: &addr) { Array($0.prefix(pathOffset)) }
        out.append(contentsOf: path)
        return out
    }

    /// `WATCHDOG_USEC` (microseconds, > 0), honoured only when `WATCHDOG_PID` is absent or
    /// names this process — the manager may set it for a parent (sd_watchdog_enabled(3)).
    static func watchdogInterval(environment: [String: String], processID: Int32) throws(ServiceNotifyError) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"] else { return nil }
        if let pidText = environment["WATCHDOG_PID"] {
            guard let pid = Int32(pidText), pid > 0 else {
                throw ServiceNotifyError(operation: "WATCHDOG_PID", message: "expected a process id, got '\(pidText)'")
            }
            if pid != processID { return nil }
        }
        guard let usec = UInt64(text), usec > 0, usec < UInt64(Int64.max) else {
            throw ServiceNotifyError(operation: "WATCHDOG_USEC", message: "expected microseconds > 0, got '\(text)'")
        }
        return .microseconds(Int64(usec))
    }

    // MARK: Socket

    #if canImport(Glibc)
    private static let datagram = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
    #else
    private static let datagram = SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK
    #endif
    /// MSG_NOSIGNAL: no SIGPIPE; MSG_DONTWAIT: never wait on a full queue.
    private static let sendFlags = Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT)

    /// An unbound, unconnected datagram socket: each send names the manager's address, so a
    /// manager re-executing itself (same socket path) needs no reconnect.
    static func makeSocket() throws(ServiceNotifyError) -> Int32 {
        let fd = socket(AF_UNIX, datagram, 0)
        guard fd >= 0 else {
            let code = errno
            throw ServiceNotifyError(operation: "socket", code: code, message: String(cString: strerror(code)))
        }
        return fd
    }
}
