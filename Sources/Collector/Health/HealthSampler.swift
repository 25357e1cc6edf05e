// The health metrics of docs/ARCHITECTURE.md §2, read from /proc, /sys and system calls only (docs/ARCHITECTURE.md §7:
// no child processes). Formulas and units follow the Python collector 0.5.9
// (src/opensensor_enviroplus/utils/health.py); each source notes where and why we differ.

import CivilTime
import Config
import DurableFiles

/// Samples the device's health. Every source is optional: one that is missing or unparsable on
/// this machine leaves its fields `nil`; sampling never throws and never crashes.
///
/// The collector calls `sample(at:)` once a minute and writes the samples with
/// `HealthSample.columns(_:)` and `LakeSchemas.health`.
public struct HealthSampler: Sendable {
    /// The directory whose file system the disk metrics describe.
    public let outputDirectory: String
    private let files: HealthFiles
    private let system: any HealthSystemCalls

    /// - Parameters:
    ///   - outputDirectory: where batches are written; disk metrics describe its file system
    ///     (or that of its nearest existing parent, before the first batch creates it).
    ///   - root: prefix of every /proc and /sys path; "/" for the live system, a fixture tree in tests.
    ///   - system: the system calls (statvfs, ntp_adjtime, SIOCGIWESSID, getifaddrs).
    public init(outputDirectory: String, root: String = "/", system: any HealthSystemCalls = LinuxHealthSystemCalls()) {
        self.outputDirectory = outputDirectory
        self.files = HealthFiles(root: root)
        self.system = system
    }

    /// One sample, stamped `millis` (milliseconds since the Unix epoch, UTC).
    public func sample(at millis: Int64) -> HealthSample {
        var s = HealthSample(timestamp: millis)
        s.cpuTempC = cpuTemperature()
        if let load = loadAverages() {
            (s.cpuLoad1min, s.cpuLoad5min, s.cpuLoad15min) = load
        }
        (s.memoryTotalMB, s.memoryAvailableMB, s.memoryPercentUsed) = memory()
        if let disk = disk() {
            (s.diskTotalGB, s.diskFreeGB, s.diskPercentUsed) = disk
        }
        if let wifi = wireless() {
            s.wifiSignalDbm = wifi.signalDbm
            s.wifiQualityPercent = wifi.qualityPercent
            s.wifiSSID = system.wirelessSSID(interface: wifi.interface)
        }
        // The Python collector takes the first word of `hostname -I`, which lists addresses in
        // getifaddrs order, IPv4 first; we take the first IPv4 address the same way, unspawned.
        s.ipAddress = system.ipv4Addresses().first { $0.isUp && !$0.isLoopback && !$0.address.hasPrefix("127.") }?.address
        if let clock = system.kernelClock() {
            (s.clockSynced, s.ntpOffsetMs) = Self.interpret(clock)
        }
        s.uptimeSeconds = files.text("/proc/uptime").flatMap { HealthText.fields($0).first }.flatMap { HealthText.number($0) }
        (s.powerSource, s.batteryPercent) = power()
        let throttled = throttledFlags()
        s.throttledHex = throttled.map { "0x" + String($0, radix: 16) }
        // As the Python collector does: bit 0 of the firmware flags ("under-voltage detected
        // now") overrides whatever the power supplies said.
        if let throttled, throttled & 0x1 != 0 {
            s.powerSource = "under-voltage"
        }
        s.cpuVoltageV = coreVoltage()
        return s
    }

    // MARK: CPU

    /// thermal_zone0 is the SoC on every Raspberry Pi; the file holds millidegrees Celsius.
    private func cpuTemperature() -> Double? {
        files.value("/sys/class/thermal/thermal_zone0/temp").flatMap { HealthText.number($0) }.map { $0 / 1000 }
    }

    /// /proc/loadavg: "0.32 1.20 3.37 3/97 18564" — the same numbers os.getloadavg() gives the
    /// Python collector.
    private func loadAverages() -> (Double?, Double?, Double?)? {
        guard let text = files.text("/proc/loadavg") else { return nil }
        let fields = HealthText.fields(text)
        guard fields.count >= 3, let a = HealthText.number(fields[0]), let b = HealthText.number(fields[1]),
              let c = HealthText.number(fields[2]) else { return nil }
        return (a, b, c)
    }

    // MARK: Memory and disk

    /// /proc/meminfo values are in kB (KiB); "MB" is kB / 1024 as in the Python collector.
    /// Where we differ: without a MemAvailable line (kernels before 3.14) the Python collector
    /// counts 0 available and reports 100 % used; we report the total and leave the rest nil.
    private func memory() -> (Double?, Double?, Double?) {
        guard let text = files.text("/proc/meminfo") else { return (nil, nil, nil) }
        var total: Double?
        var available: Double?
        for line in text.split(separator: "\n") {
            let fields = HealthText.fields(line)
            guard fields.count >= 2 else { continue }
            switch fields[0] {
            case "MemTotal:": total = HealthText.number(fields[1])
            case "MemAvailable:": available = HealthText.number(fields[1])
            default: break
            }
        }
        guard let total, total > 0 else { return (nil, nil, nil) }
        guard let available, available >= 0 else { return (total / 1024, nil, nil) }
        return (total / 1024, available / 1024, (total - available) / total * 100)
    }

    /// statvfs of the output directory, in GiB. Where we differ: the Python collector measures
    /// "/", but the output directory's file system is the one whose filling stops the collector
    /// (it may be a USB disk). Before the directory exists we walk up to the nearest parent.
    private func disk() -> (Double, Double, Double)? {
        var path = outputDirectory.isEmpty ? "." : outputDirectory
        for _ in 0..<64 {
            if let space = system.fileSystemSpace(atPath: path) {
                let gib = 1024.0 * 1024 * 1024
                let total = Double(space.totalBytes)
                let free = Double(space.availableBytes)
                // The Python collector reports 0 % for a zero-sized file system.
                let percent = total > 0 ? (total - free) / total * 100 : 0
                return (total / gib, free / gib, percent)
            }
            guard let parent = Self.parent(of: path) else { return nil }
            path = parent
        }
        return nil
    }

    /// The parent directory of `path`, nil at "/" or ".".
    static func parent(of path: String) -> String? {
        var p = Substring(path)
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        guard p != "/", p != "." else { return nil }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        let head = p[..<slash]
        return head.isEmpty ? "/" : String(head)
    }

    // MARK: Network

    struct Wireless {
        var interface: String
        var signalDbm: Int32?
        var qualityPercent: Double?
    }

    /// The first interface line of /proc/net/wireless, after its two header lines:
    /// " wlan0: 0000   54.  -56.  -256  …" — name, status, link quality, signal level, noise.
    /// Quality is a share of 70 (the scale of most Wi-Fi drivers, brcmfmac included), capped at
    /// 100 %. A positive level comes from drivers of the old unsigned 8-bit scale and is
    /// converted as the Python collector does: level − 256 above 100, level − 100 otherwise.
    private func wireless() -> Wireless? {
        guard let text = files.text("/proc/net/wireless") else { return nil }
        for line in text.split(separator: "\n").dropFirst(2) {
            let fields = HealthText.fields(line)
            guard fields.count >= 4, fields[0].hasSuffix(":") else { continue }
            let name = String(fields[0].dropLast())
            var result = Wireless(interface: name)
            if let quality = HealthText.number(Self.droppingDot(fields[2])) {
                result.qualityPercent = min(100, quality / 70 * 100)
            }
            if let level = HealthText.number(Self.droppingDot(fields[3])) {
                let dbm = level > 0 ? (level > 100 ? level - 256 : level - 100) : level
                // Python's int() truncates toward zero.
                let truncated = dbm.rounded(.towardZero)
                if truncated >= Double(Int32.min), truncated <= Double(Int32.max) { result.signalDbm = Int32(truncated) }
            }
            return result
        }
        return nil
    }

    private static func droppingDot(_ field: Substring) -> Substring {
        field.hasSuffix(".") ? field.dropLast() : field
    }

    // MARK: Clock

    /// Clock state from ntp_adjtime. Synchronised means STA_UNSYNC (0x0040, <sys/timex.h>) is
    /// clear and the maximum error is below the kernel's 16 s limit (NTP_PHASE_LIMIT) — what
    /// timedatectl's NTPSynchronized, the Python collector's source, is derived from.
    ///
    /// Where we differ: the Python collector's offset comes from timedatectl, chronyc, ntpq or,
    /// failing those, its own query to pool.ntp.org. Without child processes or network traffic
    /// we report the kernel discipline's remaining offset (µs, or ns with STA_NANO 0x2000), which
    /// is what systemd-timesyncd steers; chrony does not use it, so under chrony it reads 0. It
    /// is nil while the clock is not synchronised, when no offset is known.
    static func interpret(_ clock: KernelClockState) -> (synced: Bool, offsetMs: Double?) {
        let unsync: Int32 = 0x0040
        let nano: Int32 = 0x2000
        let synced = clock.status & unsync == 0 && clock.maxErrorMicroseconds < 16_000_000
        guard synced else { return (false, nil) }
        return (true, Double(clock.offset) / (clock.status & nano != 0 ? 1_000_000 : 1_000))
    }

    // MARK: Power

    /// /sys/class/power_supply, as the Python collector reads it: a Battery supply gives the
    /// capacity (%) and, from its status, "battery" (Discharging) or "mains" (Charging, Full); a
    /// Mains supply that is online gives "mains". Where we differ: supplies are visited in name
    /// order, not directory order, so that the result is the same on every boot.
    private func power() -> (String?, Double?) {
        var source: String?
        var battery: Double?
        let base = "/sys/class/power_supply"
        for supply in files.list(base) {
            let dir = base + "/" + supply
            switch files.value(dir + "/type")?.lowercased() {
            case "battery":
                if let capacity = files.value(dir + "/capacity").flatMap({ HealthText.number($0) }) {
                    battery = capacity
                }
                switch files.value(dir + "/status")?.lowercased() {
                case "discharging": source = "battery"
                case "charging", "full": source = "mains"
                default: break
                }
            case "mains":
                if files.value(dir + "/online") == "1" { source = "mains" }
            default:
                break
            }
        }
        return (source, battery)
    }

    // MARK: Raspberry Pi firmware

    /// The firmware's throttling flags from the raspberrypi-firmware driver's sysfs file (it
    /// prints them with "%x"), which answers what `vcgencmd get_throttled` does. The firmware
    /// node is "soc:firmware" under "soc" up to the Pi 4, and carries the bus address on the Pi 5
    /// ("soc@107c000000"), so every platform node named soc* is tried.
    private func throttledFlags() -> UInt32? {
        let platform = "/sys/devices/platform"
        var candidates = [platform + "/soc/soc:firmware/get_throttled"]
        for node in files.list(platform) where node.hasPrefix("soc") && node != "soc" {
            candidates.append(platform + "/" + node + "/" + node + ":firmware/get_throttled")
        }
        for path in candidates {
            guard let text = files.value(path) else { continue }
            let digits = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
            return UInt32(digits, radix: 16)
        }
        return nil
    }

    /// The SoC core voltage from a hwmon channel labelled as such (hwmon sysfs ABI: in*_input
    /// in millivolts, in*_label its name). Where we differ: the Python collector asks
    /// `vcgencmd measure_volts core`, which queries the VideoCore firmware; stock Raspberry Pi
    /// kernels expose no core-voltage file (their rpi_volt hwmon only carries an under-voltage
    /// alarm), so on a stock Pi this is nil unless a regulator driver publishes the channel.
    private func coreVoltage() -> Double? {
        let base = "/sys/class/hwmon"
        for device in files.list(base) {
            let dir = base + "/" + device
            for name in files.list(dir) where name.hasPrefix("in") && name.hasSuffix("_label") {
                guard let label = files.value(dir + "/" + name)?.lowercased(),
                      ["vdd_core", "vddcore", "vcore", "core", "vdd_cpu", "cpu"].contains(label) else { continue }
                let channel = name.dropLast("_label".count)
                if let millivolts = files.value(dir + "/" + channel + "_input").flatMap({ HealthText.number($0) }) {
                    return millivolts / 1000
                }
            }
        }
        return nil
    }

    /// The kernel's word (ntp_adjtime: STA_UNSYNC clear, error below 16 s) — when `nowMillis` is
    /// the system's clock. A simulation's virtual clock runs apart from it, and the kernel says
    /// nothing about that one: nil.
    public static let systemClockSynced: @Sendable (Int64) -> Bool? = { nowMillis in
        guard abs(nowMillis - SystemWallClock().nowMillis()) < 60_000 else { return nil }
        return LinuxHealthSystemCalls().kernelClock().map { HealthSampler.interpret($0).synced }
    }
}
