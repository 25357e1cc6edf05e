// The system calls behind the health metrics that no file under /proc or /sys answers. They sit
// behind a protocol so that tests run the sampler on fixture trees with scripted answers, and so
// that nothing here ever starts a child process (docs/ARCHITECTURE.md §7: the Python collector spawns ~360
// an hour for iwgetid, hostname, timedatectl and vcgencmd; we spawn none).

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CivilTime
import Config
import DurableFiles

/// Size and free space of a file system, in bytes (statvfs: f_blocks and f_bavail times f_frsize).
public struct FileSystemSpace: Sendable, Equatable {
    public var totalBytes: UInt64
    /// Space available to unprivileged writers (f_bavail), as `df` and the Python collector count it.
    public var availableBytes: UInt64

    public init(totalBytes: UInt64, availableBytes: UInt64) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
    }
}

/// What `ntp_adjtime(2)` reports about the kernel's clock discipline (fields of `struct timex`).
public struct KernelClockState: Sendable, Equatable {
    /// The STA_* flags (`timex.status`).
    public var status: Int32
    /// Remaining phase offset: microseconds, or nanoseconds when STA_NANO is set (`timex.offset`).
    public var offset: Int
    /// Maximum error in microseconds (`timex.maxerror`); the kernel lets it grow to 16 s while
    /// nothing disciplines the clock.
    public var maxErrorMicroseconds: Int

    public init(status: Int32, offset: Int, maxErrorMicroseconds: Int) {
        self.status = status
        self.offset = offset
        self.maxErrorMicroseconds = maxErrorMicroseconds
    }
}

/// One IPv4 address of a network interface (from getifaddrs).
public struct InterfaceAddress: Sendable, Equatable {
    public var interface: String
    /// Dotted quad, e.g. "192.168.1.42".
    public var address: String
    public var isUp: Bool
    public var isLoopback: Bool

    public init(interface: String, address: String, isUp: Bool, isLoopback: Bool) {
        self.interface = interface
        self.address = address
        self.isUp = isUp
        self.isLoopback = isLoopback
    }
}

/// The system calls the health sampler makes. Each answers `nil` (or nothing) when the call
/// fails; none throws, because a missing metric is a null in the table, not an error.
public protocol HealthSystemCalls: Sendable {
    /// statvfs(2) on `path`.
    func fileSystemSpace(atPath path: String) -> FileSystemSpace?
    /// ntp_adjtime(3) in read-only mode (modes = 0).
    func kernelClock() -> KernelClockState?
    /// The ESSID of wireless interface `interface` (ioctl SIOCGIWESSID), `nil` when not associated.
    func wirelessSSID(interface: String) -> String?
    /// Every IPv4 address, in getifaddrs order.
    func ipv4Addresses() -> [InterfaceAddress]
}

/// The real calls, for Linux.
public struct LinuxHealthSystemCalls: HealthSystemCalls {
    public init() {}

    public func fileSystemSpace(atPath path: String) -> FileSystemSpace? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let fragment = UInt64(info.f_frsize)
        let (total, o1) = UInt64(info.f_blocks).multipliedReportingOverflow(by: fragment)
        let (available, o2) = UInt64(info.f_bavail).multipliedReportingOverflow(by: fragment)
        guard !o1, !o2 else { return nil }
        return FileSystemSpace(totalBytes: total, availableBytes: available)
    }

    public func kernelClock() -> KernelClockState? {
        // <sys/timex.h> is not part of the Swift Glibc module, so the function is looked up by
        // name and `struct timex` is read by offset. Its leading fields are `unsigned modes`
        // padded to a word, then the longs offset, freq, maxerror, esterror and the int status:
        // offsets 1, 3 and 5 words (LP64 and ILP32 alike; on 32-bit systems with 64-bit time_t
        // the unsuffixed symbol keeps the 32-bit layout).
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "ntp_adjtime") else { return nil }
        typealias NTPAdjtime = @convention(c) (UnsafeMutableRawPointer?) -> Int32
        let call = unsafeBitCast(symbol, to: NTPAdjtime.self)
        let word = MemoryLayout<Int>.size
        // Larger than struct timex on any ABI (208 bytes on LP64).
        let size = 512
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        guard call(buffer) >= 0 else { return nil }
        return KernelClockState(
            status: buffer.load(fromByteOffset: 5 * word, as: Int32.self),
            offset: buffer.load(fromByteOffset: word, as: Int.self),
            maxErrorMicroseconds: buffer.load(fromByteOffset: 3 * word, as: Int.self))
    }

    public func wirelessSSID(interface: String) -> String? {
        // struct iwreq (<linux/wireless.h>): char ifr_name[IFNAMSIZ = 16], then the union whose
        // `essid` member is a struct iw_point { void *pointer; __u16 length; __u16 flags; }.
        // The union is 16 bytes on every ABI, so the request is 32 bytes.
        let nameBytes = Array(interface.utf8)
        guard !nameBytes.isEmpty, nameBytes.count < 16 else { return nil }
        let siocgiwessid: UInt = 0x8B1B  // <linux/wireless.h>
        let essidMax = 32                 // IW_ESSID_MAX_SIZE
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var request = [UInt8](repeating: 0, count: 32)
        var essid = [UInt8](repeating: 0, count: essidMax + 1)
        let pointerSize = MemoryLayout<UnsafeMutableRawPointer>.size
        let returned: Int? = essid.withUnsafeMutableBytes { essidBytes in
            request.withUnsafeMutableBytes { req -> Int? in
                req.copyBytes(from: nameBytes)
                req.storeBytes(of: essidBytes.baseAddress, toByteOffset: 16, as: UnsafeMutableRawPointer?.self)
                req.storeBytes(of: UInt16(essidBytes.count), toByteOffset: 16 + pointerSize, as: UInt16.self)
                guard ioctl(fd, siocgiwessid, req.baseAddress!) == 0 else { return nil }
                return Int(req.load(fromByteOffset: 16 + pointerSize, as: UInt16.self))
            }
        }
        guard let returned else { return nil }
        // Kernels before wireless extensions 21 count a trailing NUL; drop any.
        var bytes = essid.prefix(min(returned, essidMax))
        while let last = bytes.last, last == 0 { bytes.removeLast() }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }

    public func ipv4Addresses() -> [InterfaceAddress] {
        var list: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&list) == 0, let first = list else { return [] }
        defer { freeifaddrs(list) }
        var result: [InterfaceAddress] = []
        var cursor: UnsafeMutablePointer<ifaddrs>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ifa_next }
            guard let address = entry.pointee.ifa_addr, address.pointee.sa_family == sa_family_t(AF_INET) else { continue }
            var inAddr = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
            var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
            guard inet_ntop(AF_INET, &inAddr, &text, socklen_t(text.count)) != nil else { continue }
            let flags = entry.pointee.ifa_flags
            let name = entry.pointee.ifa_name.map { String(cString: $0) } ?? ""
            result.append(InterfaceAddress(
                interface: name,
                address: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self),
                isUp: flags & UInt32(IFF_UP) != 0,
                isLoopback: flags & UInt32(IFF_LOOPBACK) != 0))
        }
        return result
    }
}
