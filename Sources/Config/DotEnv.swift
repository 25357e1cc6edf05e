// A `.env` reader with python-dotenv's grammar (version 1.x, `parser.py`), so a file written
// for the Python collector means the same here:
//
//   file      = { blank | statement }
//   statement = ws* ["export" hws+] key hws* ["=" hws* value] [hws* "#" comment] hws* EOL
//   key       = "'" [^']+ "'" | [^=#\s]+
//   value     = "'" (\\. | [^'\\])* "'"      (escapes \\ and \' only; may span lines)
//             | '"' (\\. | [^"\\])* '"'      (escapes \\ \' \" \a \b \f \n \r \t \v; may span lines)
//             | [^\r\n]*                     (cut at the first whitespace-then-#, right-trimmed)
//
// `KEY= #x` is an empty value with a comment; `KEY=#x` is the value `#x`. Values then expand
// `${NAME}` and `${NAME:-default}` from earlier lines of the file, then the environment, as
// python-dotenv's `dotenv_values` does. Where python-dotenv skips a line it cannot parse with a
// warning, we refuse the file and name the line: a silently ignored setting is worse.

/// One statement of a `.env` file.
public struct DotEnvEntry: Sendable, Equatable {
    /// The key as written (case preserved).
    public var key: String
    /// The value after unquoting and escapes, before `${…}` expansion; nil for a bare `KEY`.
    public var value: String?
    /// The 1-based lines the statement spans (a quoted value can span several).
    public var lines: ClosedRange<Int>
}

/// Reads `.env` text as python-dotenv does.
public enum DotEnv {
    /// Parses `text`; `path` only names the file in errors.
    public static func parse(_ text: String, path: String) throws(ConfigError) -> [DotEnvEntry] {
        var reader = Reader(text: text, path: path)
        var entries: [DotEnvEntry] = []
        while let statement = try reader.statement() {
            if let entry = statement { entries.append(entry) }
        }
        return entries
    }

    /// The file's values with `${…}` expanded, later lines winning, as python-dotenv's
    /// `dotenv_values` returns them. Bare keys (no `=`) are left out.
    public static func values(_ text: String, path: String, environment: [String: String]) throws(ConfigError)
        -> [(key: String, value: String)]
    {
        var defined: [String: String?] = [:]
        var out: [(key: String, value: String)] = []
        for entry in try parse(text, path: path) {
            guard let raw = entry.value else { defined[entry.key] = .some(nil); continue }
            let value = expand(raw) { name in
                if let local = defined[name] { return local ?? "" }
                return environment[name]
            }
            defined[entry.key] = value
            out.append((entry.key, value))
        }
        return out
    }

    /// Expands `${NAME}` and `${NAME:-default}`; anything else, including `$NAME`, is literal.
    static func expand(_ value: String, lookup: (String) -> String?) -> String {
        let s = Array(value.unicodeScalars)
        guard s.count >= 3 else { return value }
        var out = String.UnicodeScalarView()
        var i = 0
        while i < s.count {
            if s[i] == "$", i + 1 < s.count, s[i + 1] == "{", let (name, fallback, end) = variable(s, at: i + 2) {
                out.append(contentsOf: (lookup(name) ?? fallback ?? "").unicodeScalars)
                i = end
            } else {
                out.append(s[i])
                i += 1
            }
        }
        return String(out)
    }

    /// Matches `NAME}` or `NAME:-default}` from `start`; returns the index after `}`.
    private static func variable(_ s: [Unicode.Scalar], at start: Int) -> (String, String?, Int)? {
        var j = start
        while j < s.count, s[j] != "}", s[j] != ":" { j += 1 }
        guard j < s.count else { return nil }
        let name = String(String.UnicodeScalarView(s[start..<j]))
        if s[j] == "}" { return (name, nil, j + 1) }
        guard j + 1 < s.count, s[j + 1] == "-" else { return nil }
        var k = j + 2
        while k < s.count, s[k] != "}" { k += 1 }
        guard k < s.count else { return nil }
        return (name, String(String.UnicodeScalarView(s[(j + 2)..<k])), k + 1)
    }

    private struct Reader {
        let s: [Unicode.Scalar]
        let path: String
        var i = 0
        var line = 1

        init(text: String, path: String) {
            var scalars = Array(text.unicodeScalars)
            if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
            self.s = scalars
            self.path = path
        }

        func peek(_ offset: Int = 0) -> Unicode.Scalar? { i + offset < s.count ? s[i + offset] : nil }

        static func isNewline(_ c: Unicode.Scalar) -> Bool { c == "\n" || c == "\r" }
        /// Python's `\s` (Unicode whitespace plus the information separators).
        static func isSpace(_ c: Unicode.Scalar) -> Bool {
            c.properties.isWhitespace || (0x1C...0x1F).contains(c.value)
        }
        static func isHorizontalSpace(_ c: Unicode.Scalar) -> Bool { isSpace(c) && !isNewline(c) }

        /// Consumes one character, counting lines as python-dotenv does (`\r\n` is one).
        mutating func advance() {
            let c = s[i]
            i += 1
            if c == "\n" || (c == "\r" && peek() != "\n") { line += 1 }
        }

        mutating func skipHorizontalSpace() -> Int {
            var n = 0
            while let c = peek(), Reader.isHorizontalSpace(c) { advance(); n += 1 }
            return n
        }

        func failure(_ expected: String, line: Int? = nil) -> ConfigError {
            .malformedEnvFile(path: path, line: line ?? self.line, expected: expected)
        }

        /// The next statement: nil at the end of the text, `.some(nil)` for a comment line.
        mutating func statement() throws(ConfigError) -> DotEnvEntry?? {
            while let c = peek(), Reader.isSpace(c) { advance() }
            guard peek() != nil else { return nil }
            let first = line

            // `export` needs at least one blank after it to be the keyword.
            if s.count - i > 6, String(String.UnicodeScalarView(s[i..<(i + 6)])) == "export",
               Reader.isHorizontalSpace(s[i + 6]) {
                for _ in 0..<6 { advance() }
                _ = skipHorizontalSpace()
            }

            var key: String? = nil
            if peek() == "#" {
                key = nil
            } else if peek() == "'" {
                advance()
                let start = i
                while let c = peek(), c != "'" { advance() }
                guard peek() == "'", i > start else { throw failure("a key in single quotes closed by '", line: first) }
                key = String(String.UnicodeScalarView(s[start..<i]))
                advance()
            } else {
                let start = i
                while let c = peek(), c != "=", c != "#", !Reader.isSpace(c) { advance() }
                guard i > start else { throw failure("KEY=value (a key before `=`)", line: first) }
                key = String(String.UnicodeScalarView(s[start..<i]))
            }

            _ = skipHorizontalSpace()
            var value: String? = nil
            if key != nil, peek() == "=" {
                advance()
                let spaced = skipHorizontalSpace() > 0
                if spaced && peek() == "#" {
                    value = ""
                } else {
                    value = try self.value(first: first)
                }
            }

            // Optional comment, then the end of the line.
            let save = (i, line)
            _ = skipHorizontalSpace()
            if peek() == "#" {
                while let c = peek(), !Reader.isNewline(c) { advance() }
            } else {
                (i, line) = save
            }
            _ = skipHorizontalSpace()
            let last = line
            if let c = peek() {
                guard Reader.isNewline(c) else {
                    if key != nil && value == nil {
                        throw failure("`=` after the key \(key ?? "")", line: first)
                    }
                    throw failure("the end of the line after the value of \(key ?? "the key") (quote values that contain spaces)", line: last)
                }
                advance()
            }
            guard let key else { return .some(nil) }
            return DotEnvEntry(key: key, value: value, lines: first...last)
        }

        mutating func value(first: Int) throws(ConfigError) -> String {
            guard let c = peek(), !Reader.isNewline(c) else { return "" }
            if c == "'" || c == "\"" {
                advance()
                var raw: [Unicode.Scalar] = []
                while true {
                    guard let d = peek() else {
                        throw failure("a closing \(c == "'" ? "'" : "\"") for the value that opens here", line: first)
                    }
                    if d == "\\" {
                        guard let e = peek(1) else {
                            throw failure("a closing \(c == "'" ? "'" : "\"") for the value that opens here", line: first)
                        }
                        raw.append(d); raw.append(e)
                        advance(); advance()
                        continue
                    }
                    advance()
                    if d == c { break }
                    raw.append(d)
                }
                return c == "'" ? Reader.unescapeSingle(raw) : Reader.unescapeDouble(raw)
            }
            // Unquoted: the rest of the line, cut at the first whitespace run followed by `#`.
            var part: [Unicode.Scalar] = []
            while let d = peek(), !Reader.isNewline(d) { part.append(d); advance() }
            var cut = part.count
            var k = 0
            while k < part.count {
                if Reader.isSpace(part[k]) {
                    var m = k
                    while m < part.count, Reader.isSpace(part[m]) { m += 1 }
                    if m < part.count, part[m] == "#" { cut = k; break }
                    k = m
                } else {
                    k += 1
                }
            }
            var end = cut
            while end > 0, Reader.isSpace(part[end - 1]) { end -= 1 }
            return String(String.UnicodeScalarView(part[0..<end]))
        }

        static func unescapeSingle(_ raw: [Unicode.Scalar]) -> String {
            var out = String.UnicodeScalarView()
            var k = 0
            while k < raw.count {
                if raw[k] == "\\", k + 1 < raw.count, raw[k + 1] == "\\" || raw[k + 1] == "'" {
                    out.append(raw[k + 1]); k += 2
                } else {
                    out.append(raw[k]); k += 1
                }
            }
            return String(out)
        }

        static func unescapeDouble(_ raw: [Unicode.Scalar]) -> String {
            let table: [Unicode.Scalar: Unicode.Scalar] = [
                "\\": "\\", "'": "'", "\"": "\"", "a": "\u{07}", "b": "\u{08}", "f": "\u{0C}",
                "n": "\n", "r": "\r", "t": "\t", "v": "\u{0B}",
            ]
            var out = String.UnicodeScalarView()
            var k = 0
            while k < raw.count {
                if raw[k] == "\\", k + 1 < raw.count, let decoded = table[raw[k + 1]] {
                    out.append(decoded); k += 2
                } else {
                    out.append(raw[k]); k += 1
                }
            }
            return String(out)
        }
    }
}
