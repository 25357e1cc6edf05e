// Reading small kernel files under an injectable root, so that tests point the sampler at a
// fixture tree instead of the live /proc and /sys. Plain open/read: /proc files report a size
// of 0, so they are read until end of file, with a cap that no health source comes near.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CivilTime
import Config
import DurableFiles

struct HealthFiles: Sendable {
    /// Prefix for every absolute path; "/" reads the live system.
    let root: String

    init(root: String) {
        var trimmed = root
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed.isEmpty ? "/" : trimmed
    }

    /// `absolute` (e.g. "/proc/loadavg") under the root.
    func path(_ absolute: String) -> String {
        root == "/" ? absolute : root + absolute
    }

    /// The text of a file, or nil if it is missing, unreadable, larger than `limit` or not UTF-8.
    func text(_ absolute: String, limit: Int = 64 * 1024) -> String? {
        guard let bytes = try? FileIO.readWholeFile(path(absolute), limit: limit) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The trimmed text of a file, nil when missing or empty.
    func value(_ absolute: String) -> String? {
        guard let text = text(absolute).map(HealthText.trimmed), !text.isEmpty else { return nil }
        return text
    }

    /// Names in a directory, in byte order so that results do not depend on directory order
    /// (kernel names are ASCII and never hidden).
    func list(_ absolute: String) -> [String] {
        FileIO.names(in: path(absolute))
    }
}

/// Text helpers for kernel files, namespaced so they cannot clash with other files of the target.
enum HealthText {
    /// `text` without leading and trailing whitespace.
    static func trimmed<S: StringProtocol>(_ text: S) -> String {
        let scalars = String(text).unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[start...end])
    }

    /// A finite number from kernel text; rejects what `Double(_:)` would also take but no kernel
    /// file writes (nan, inf, hexadecimal floats).
    static func number<S: StringProtocol>(_ text: S) -> Double? {
        guard !text.isEmpty,
              text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
              let value = Double(String(text)), value.isFinite else { return nil }
        return value
    }

    /// Whitespace-separated fields of a line.
    static func fields<S: StringProtocol>(_ line: S) -> [Substring] {
        String(line).split(whereSeparator: { $0 == " " || $0 == "\t" })
    }
}
