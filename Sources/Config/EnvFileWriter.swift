// Writes answers into a `.env` file for `opensensor setup`. An existing file keeps every line
// it had — comments, blank lines, keys we do not know — except the definitions of the keys
// being set, which are replaced where they stand; new keys are appended. The result is written
// atomically with mode 0600, because the file may hold credentials.

import DurableFiles

/// Edits `.env` files without disturbing what the user wrote.
public enum EnvFileWriter {
    /// The text of `existing` (nil: no file yet) with each of `settings` set. A key defined on
    /// several lines keeps its first place and loses the repeats (python-dotenv lets the last
    /// one win, so a repeat left behind would silently override the answer).
    public static func render(
        existing: String?, path: String = ".env", settings: [(key: String, value: String)]
    ) throws(ConfigError) -> String {
        let text = existing ?? ""
        let entries = try DotEnv.parse(text, path: path)
        let lines = splitLines(text)
        var replacement: [Int: String?] = [:]  // first line of a statement -> new text (nil: drop)
        var covered: [Int: Int] = [:]  // first line -> last line
        var placed: Set<String> = []
        for entry in entries {
            let upper = entry.key.uppercased()
            guard let setting = settings.last(where: { $0.key.uppercased() == upper }) else { continue }
            covered[entry.lines.lowerBound] = entry.lines.upperBound
            replacement[entry.lines.lowerBound] =
                placed.insert(upper).inserted ? .some(line(setting.key, setting.value)) : .some(nil)
        }
        var out: [String] = []
        var number = 1
        while number <= lines.count {
            if let last = covered[number], let new = replacement[number] {
                if let new { out.append(new) }
                number = last + 1
            } else {
                out.append(lines[number - 1])
                number += 1
            }
        }
        while out.last == "" { out.removeLast() }
        for (index, setting) in settings.enumerated() where !placed.contains(setting.key.uppercased()) {
            // Appended once, with the last answer for a key given twice.
            let upper = setting.key.uppercased()
            if settings[(index + 1)...].contains(where: { $0.key.uppercased() == upper }) { continue }
            out.append(line(setting.key, setting.value))
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Applies `settings` to the file at `path` (created if missing) atomically, mode 0600.
    public static func update(path: String, settings: [(key: String, value: String)]) throws(ConfigError) {
        let existing = FileIO.exists(path) ? try FileIO.readText(path) : nil
        let text = try render(existing: existing, path: path, settings: settings)
        try FileIO.writeAtomically(text, to: path, mode: 0o600)
    }

    /// The values an existing file defines, keys upper-cased, as written (before `${…}`
    /// expansion, so a default offered back to the user is the text they wrote). Empty when the
    /// file does not exist.
    public static func existingValues(path: String) throws(ConfigError) -> [String: String] {
        guard FileIO.exists(path) else { return [:] }
        var values: [String: String] = [:]
        for entry in try DotEnv.parse(try FileIO.readText(path), path: path) {
            if let value = entry.value { values[entry.key.uppercased()] = value }
        }
        return values
    }

    /// `KEY=value`, quoted only when python-dotenv would otherwise read the value differently.
    public static func line(_ key: String, _ value: String) -> String {
        let plain = value.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9")
                || "-_./:@+,=%~".unicodeScalars.contains(c)
        }
        if plain { return "\(key)=\(value)" }
        var escaped = ""
        for c in value {
            switch c {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            default: escaped.append(c)
            }
        }
        return "\(key)=\"\(escaped)\""
    }

    /// Lines as python-dotenv counts them (`\r\n`, `\n`, `\r`); a final newline adds no line.
    static func splitLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var iterator = Array(text.unicodeScalars)
        var i = 0
        while i < iterator.count {
            let c = iterator[i]
            if c == "\n" || c == "\r" {
                lines.append(String(current))
                current = String.UnicodeScalarView()
                if c == "\r", i + 1 < iterator.count, iterator[i + 1] == "\n" { i += 1 }
            } else {
                current.append(c)
            }
            i += 1
        }
        if !current.isEmpty { lines.append(String(current)) }
        iterator.removeAll()
        return lines
    }
}
