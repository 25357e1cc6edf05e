import Lake

/// A small JSON writer (the executable stays off Foundation to keep its memory small).
final class JSONWriter {
    var out = ""
    private var needsComma = [false]

    private func separate() {
        if needsComma[needsComma.count - 1] { out += "," }
        needsComma[needsComma.count - 1] = true
    }

    func object(_ body: () -> Void) {
        separate()
        out += "{"
        needsComma.append(false)
        body()
        needsComma.removeLast()
        out += "}"
    }

    func array<S: Sequence>(_ items: S, _ body: (S.Element) -> Void) {
        separate()
        out += "["
        needsComma.append(false)
        for i in items { body(i) }
        needsComma.removeLast()
        out += "]"
    }

    func field(_ key: String, _ body: () -> Void) {
        separate()
        out += Self.quote(key) + ":"
        needsComma.append(false)
        body()
        needsComma.removeLast()
    }

    func string(_ s: String?) {
        separate()
        out += s.map(Self.quote) ?? "null"
    }

    func number(_ n: Int?) {
        separate()
        out += n.map(String.init) ?? "null"
    }

    func bool(_ b: Bool) {
        separate()
        out += b ? "true" : "false"
    }

    static func quote(_ s: String) -> String { RowFormatter.jsonString(s) }
}
