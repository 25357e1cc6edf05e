// Prometheus's text exposition format, version 0.0.4: what `/metrics` answers, in `start` and in
// the dashboard. Pure text, no server: the callers build families and serve `render()`.
//
// The rules kept here, so no caller has to: names match `[a-zA-Z_:][a-zA-Z0-9_:]*` (label names
// `[a-zA-Z_][a-zA-Z0-9_]*`, never starting `__`, which Prometheus reserves); each family appears
// once, its HELP and TYPE lines before its samples; no two samples of a family have the same
// labels (Prometheus rejects the whole scrape for a duplicate series); HELP text escapes `\` and
// line feeds, label values also `"`; every line ends with a line feed, the last one included.

/// The metric types this station reports.
public enum MetricType: String, Sendable {
    case counter, gauge
}

/// One sample: its labels, in the order written, and its value.
public struct MetricSample: Sendable, Equatable {
    public var labels: [Label]
    public var value: Double

    public struct Label: Sendable, Equatable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(_ value: Double, labels: [Label] = []) {
        self.labels = labels
        self.value = value
    }

    /// A sample from a FLOAT a file holds, kept as short as the FLOAT's own spelling: 21.3, not
    /// the 21.299999237060547 its widening to a double would print.
    public init(float value: Float, scale: Double = 1, labels: [Label] = []) {
        let widened = value.isFinite ? (Double(value.description) ?? Double(value)) : Double(value)
        // A scale below one divides by its inverse: 45 / 100 is 0.45 exactly as printed, where
        // 45 * 0.01 is 0.45000000000000007.
        let scaled = scale == 1 ? widened : (scale < 1 ? widened / (1 / scale).rounded() : widened * scale)
        self.init(scaled, labels: labels)
    }
}

/// A metric name and its samples.
public struct MetricFamily: Sendable, Equatable {
    public var name: String
    public var help: String
    public var type: MetricType
    public var samples: [MetricSample]

    public init(_ name: String, _ type: MetricType, help: String, samples: [MetricSample] = []) {
        self.name = name
        self.type = type
        self.help = help
        self.samples = samples
    }
}

/// Why a family cannot be exposed: each names the metric (and label) at fault.
public enum ExpositionError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidMetricName(String)
    case invalidLabelName(metric: String, label: String)
    case repeatedLabel(metric: String, label: String)
    case duplicateFamily(String)
    case duplicateSeries(metric: String, labels: String)

    public var description: String {
        switch self {
        case .invalidMetricName(let n):
            "metric name '\(n)' is not valid: expected [a-zA-Z_:][a-zA-Z0-9_:]*"
        case .invalidLabelName(let m, let l):
            "\(m): label name '\(l)' is not valid: expected [a-zA-Z_][a-zA-Z0-9_]*, not starting with __"
        case .repeatedLabel(let m, let l):
            "\(m): label '\(l)' appears twice in one sample"
        case .duplicateFamily(let n):
            "metric '\(n)' is exposed twice: a family appears once"
        case .duplicateSeries(let m, let labels):
            "\(m){\(labels)} appears twice: each series appears once"
        }
    }
}

/// A whole `/metrics` page, checked as families are added.
public struct Exposition: Sendable {
    /// The Content-Type of the format (version 0.0.4).
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public private(set) var families: [MetricFamily] = []
    private var names: Set<String> = []

    public init() {}

    /// Adds a family; a family with no samples is left out (a HELP and TYPE with nothing under
    /// them say nothing).
    public mutating func add(_ family: MetricFamily) throws(ExpositionError) {
        guard Self.isValidMetricName(family.name) else { throw .invalidMetricName(family.name) }
        guard !names.contains(family.name) else { throw .duplicateFamily(family.name) }
        var seen: Set<String> = []
        for sample in family.samples {
            var labelNames: Set<String> = []
            for label in sample.labels {
                guard Self.isValidLabelName(label.name) else { throw .invalidLabelName(metric: family.name, label: label.name) }
                guard labelNames.insert(label.name).inserted else { throw .repeatedLabel(metric: family.name, label: label.name) }
            }
            // The series is its label set, whatever the order the labels are written in.
            let key = sample.labels.sorted { $0.name < $1.name }.map { "\($0.name)=\"\(Self.escapeLabelValue($0.value))\"" }
                .joined(separator: ",")
            guard seen.insert(key).inserted else { throw .duplicateSeries(metric: family.name, labels: key) }
        }
        guard !family.samples.isEmpty else { return }
        names.insert(family.name)
        families.append(family)
    }

    /// The page.
    public func render() -> String {
        var out = ""
        for family in families {
            out += "# HELP \(family.name) \(Self.escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.type.rawValue)\n"
            for sample in family.samples {
                out += family.name
                if !sample.labels.isEmpty {
                    out += "{"
                    out += sample.labels.map { "\($0.name)=\"\(Self.escapeLabelValue($0.value))\"" }.joined(separator: ",")
                    out += "}"
                }
                out += " " + Self.format(sample.value) + "\n"
            }
        }
        return out
    }

    // MARK: The format's pieces

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`.
    public static func isValidMetricName(_ name: String) -> Bool {
        guard let first = name.utf8.first, isLetter(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: ":") else {
            return false
        }
        return name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ":") }
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__` (reserved for Prometheus's own labels).
    public static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, isLetter(first) || first == UInt8(ascii: "_"), !name.hasPrefix("__") else { return false }
        return name.utf8.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "_") }
    }

    /// A label value between its quotes: `\` → `\\`, `"` → `\"`, line feed → `\n`.
    public static func escapeLabelValue(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x5C || $0 == 0x22 || $0 == 0x0A }) else { return value }
        var out = ""
        for c in value.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// HELP text: `\` → `\\`, line feed → `\n` (quotes stay as they are).
    public static func escapeHelp(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 == 0x5C || $0 == 0x0A }) else { return text }
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A value as Prometheus parses it: integers without a fraction, `NaN`, `+Inf`, `-Inf`, else
    /// the shortest text that reads back as the same double.
    public static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return value.description
    }

    private static func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
}
