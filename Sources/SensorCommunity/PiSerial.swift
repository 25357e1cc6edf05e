// The Raspberry Pi's serial number, which sensor.community's firmware for the Pi sends as its node
// id (`X-Sensor: raspi-<serial>`): the device tree's `serial-number` (NUL-terminated), else the
// `Serial` line of /proc/cpuinfo. Neither exists off a Pi, where the node id must be configured.

import DurableFiles

public enum PiSerial {
    /// The serial of this machine, or nil when it has none (not a Pi).
    public static func current() -> String? {
        current(read: { try? FileIO.readWholeFile($0, limit: 1 << 16) })
    }

    /// The serial from the files `read` gives (tests give their own).
    public static func current(read: (String) -> [UInt8]?) -> String? {
        if let bytes = read("/proc/device-tree/serial-number"), let s = fromDeviceTree(bytes) { return s }
        if let bytes = read("/proc/cpuinfo"), let s = fromCPUInfo(String(decoding: bytes, as: UTF8.self)) { return s }
        return nil
    }

    /// The device tree's `serial-number`: ASCII hex, NUL-terminated.
    public static func fromDeviceTree(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        return valid(text.trimmingSpace())
    }

    /// `Serial\t\t: 10000000abcdef01` in /proc/cpuinfo.
    public static func fromCPUInfo(_ text: String) -> String? {
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            guard String(line[..<colon]).trimmingSpace() == "Serial" else { continue }
            return valid(String(line[line.index(after: colon)...]).trimmingSpace())
        }
        return nil
    }

    /// Hex digits, not all zero (some boards print sixteen zeros when they have none).
    static func valid(_ s: String) -> String? {
        guard !s.isEmpty, s.count <= 32, s.allSatisfy(\.isHexDigit), s.contains(where: { $0 != "0" }) else { return nil }
        return s.lowercased()
    }
}

extension String {
    func trimmingSpace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
