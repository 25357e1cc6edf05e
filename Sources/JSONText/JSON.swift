// JSON text (RFC 8259) for everything the package prints or serves as JSON: `parquet cat` and
// `query` lines, the dashboard's API, the executable's `--json` reports. One writer, so that a
// string is escaped and a number spelt the same way everywhere. No Foundation: the executable
// stays off it to keep its memory small (docs/ARCHITECTURE.md §7).
//
// Strings: quote, backslash and the control characters U+0000–U+001F are escaped (`\n`, `\r`,
// `\t` by name, the others as `\u00xx`); everything else, non-ASCII included, is written as
// itself in UTF-8, which RFC 8259 §8.1 requires of JSON exchanged between systems.
// Numbers: integers in decimal; floating-point values as their shortest text that reads back
// to the same value (Swift's `description`, e.g. `21.3`, `1e-05`), which is valid JSON for
// every finite value. JSON has no NaN or infinity: callers say what to write instead.

/// Escaping and number text, for writers that append to a string of their own.
public enum JSON {
    /// `s` as a JSON string literal, quotes included.
    public static func quoted(_ s: String) -> String {
        var out = ""
        appendQuoted(s, to: &out)
        return out
    }

    /// Appends `s` as a JSON string literal to `out`.
    public static func appendQuoted(_ s: String, to out: inout String) {
        out.append("\"")
        // Most strings (column names, station ids, numbers as text) need no escape: copy them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out.append(s)
            out.append("\"")
            return
        }
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out.append("\\\"")
            case "\\": out.append("\\\\")
            case "\n": out.append("\\n")
            case "\r": out.append("\\r")
            case "\t": out.append("\\t")
            case _ where ch.value < 0x20:
                let hex = String(ch.value, radix: 16)
                out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: out.unicodeScalars.append(ch)
            }
        }
        out.append("\"")
    }

    /// The shortest text that reads back to `v`; nil for NaN and infinities, which JSON lacks.
    public static func number(_ v: Double) -> String? { v.isFinite ? v.description : nil }

    /// The shortest text that reads back to `v` as a Float (`21.3`, not the `21.299999237060547`
    /// it widens to); nil for NaN and infinities.
    public static func number(_ v: Float) -> String? { v.isFinite ? v.description : nil }
}

/// Writes one JSON value: objects and arrays nest through closures, commas come by themselves.
///
///     let j = JSONWriter()
///     j.object { j.field("station") { j.string(id) }; j.field("rows") { j.number(n) } }
///     print(j.out)   // {"station":"pi-1","rows":96}
///
/// No spaces or line breaks are written. A nil value is written as `null`, and so is a
/// non-finite floating-point value.
public final class JSONWriter {
    /// The text written so far.
    public private(set) var out = ""
    private var needsComma = [false]

    /// An empty writer.
    public init() {}

    private func separate() {
        if needsComma[needsComma.count - 1] { out += "," }
        needsComma[needsComma.count - 1] = true
    }

    /// An object; `body` writes its fields.
    public func object(_ body: () -> Void) {
        separate()
        out += "{"
        needsComma.append(false)
        body()
        needsComma.removeLast()
        out += "}"
    }

    /// An array of what `body` writes for each item.
    public func array<S: Sequence>(_ items: S, _ body: (S.Element) -> Void) {
        separate()
        out += "["
        needsComma.append(false)
        for i in items { body(i) }
        needsComma.removeLast()
        out += "]"
    }

    /// A field of the enclosing object; `body` writes its one value.
    public func field(_ key: String, _ body: () -> Void) {
        separate()
        JSON.appendQuoted(key, to: &out)
        out += ":"
        needsComma.append(false)
        body()
        needsComma.removeLast()
    }

    /// A string, or null.
    public func string(_ s: String?) {
        separate()
        if let s { JSON.appendQuoted(s, to: &out) } else { out += "null" }
    }

    /// An integer, or null.
    public func number(_ n: Int?) {
        separate()
        out += n.map(String.init) ?? "null"
    }

    /// An integer, or null.
    public func number(_ n: Int64?) {
        separate()
        out += n.map(String.init) ?? "null"
    }

    /// A double as its shortest text, or null (also for NaN and infinities).
    public func number(_ v: Double?) {
        separate()
        out += v.flatMap(JSON.number) ?? "null"
    }

    /// A float as its shortest text, or null (also for NaN and infinities).
    public func number(_ v: Float?) {
        separate()
        out += v.flatMap(JSON.number) ?? "null"
    }

    /// `true` or `false`.
    public func bool(_ b: Bool) {
        separate()
        out += b ? "true" : "false"
    }

    /// `null`.
    public func null() {
        separate()
        out += "null"
    }
}
