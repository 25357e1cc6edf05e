/// A validated object key, such as `station=…/year=2025/month=08/day=30/data_1445.parquet`.
///
/// Keys are compared, hashed and ordered by their UTF-8 bytes, as object stores do (Swift's own
/// `String` equality treats canonically equivalent spellings as equal, which two different S3
/// keys are not). A valid key is 1–1024 UTF-8 bytes (S3's limit), has no leading or trailing `/`,
/// no empty, `.` or `..` segment (a local-directory store maps segments to folders), and no
/// control characters (they cannot travel in ListObjectsV2's XML).
public struct ObjectPath: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The key as sent to the store (not percent-encoded).
    public let rawValue: String

    /// The maximum key length in UTF-8 bytes (S3's documented limit).
    public static let maxLength = 1024

    /// Validates `key`.
    /// - Throws: ``ObjectStoreError`` of kind ``ObjectStoreError/Kind/configuration`` naming the
    ///   problem and the expected form.
    public init(_ key: String) throws(ObjectStoreError) {
        if let problem = Self.problem(in: key) {
            throw ObjectStoreError(
                .configuration, "invalid object key \"\(Self.printable(key))\": \(problem)", path: nil)
        }
        rawValue = key
    }

    /// The key of a file under a prefix: `<prefix>/<relativePath>`, or just the relative path
    /// when the prefix is empty (the Python collector's rule). Slashes around the prefix are
    /// trimmed, so `"lake/"` and `"/lake"` both give `lake/<relativePath>`.
    public init(prefix: String?, relativePath: String) throws(ObjectStoreError) {
        var trimmed = Substring(prefix ?? "")
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        try self.init(trimmed.isEmpty ? relativePath : trimmed + "/" + relativePath)
    }

    /// The key prefix of the day files of a lake whose batch files are under `prefix`: beside
    /// it, `<prefix>-daily`, so a glob over the raw prefix never counts a reading twice; `daily`
    /// for a lake at the bucket's root. Slashes around `prefix` are trimmed.
    public static func dailyPrefix(of prefix: String) -> String {
        var trimmed = Substring(prefix)
        while trimmed.hasPrefix("/") { trimmed = trimmed.dropFirst() }
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        return trimmed.isEmpty ? "daily" : trimmed + "-daily"
    }

    /// The `/`-separated segments.
    public var segments: [Substring] { rawValue.split(separator: "/", omittingEmptySubsequences: false) }

    /// The last segment (the file name).
    public var filename: Substring { segments.last ?? Substring(rawValue) }

    public var description: String { rawValue }

    public static func == (lhs: ObjectPath, rhs: ObjectPath) -> Bool { lhs.rawValue.utf8.elementsEqual(rhs.rawValue.utf8) }

    public func hash(into hasher: inout Hasher) {
        for byte in rawValue.utf8 { hasher.combine(byte) }
    }

    public static func < (lhs: ObjectPath, rhs: ObjectPath) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    static func problem(in key: String) -> String? {
        let length = key.utf8.count
        if length == 0 { return "it is empty (expected a key such as \"a/b.parquet\")" }
        if length > maxLength { return "it is \(length) UTF-8 bytes long (at most \(maxLength) allowed)" }
        if key.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return "it contains a control character" }
        if key.hasPrefix("/") { return "it starts with \"/\" (keys are relative)" }
        if key.hasSuffix("/") { return "it ends with \"/\" (that names a folder, not an object)" }
        for segment in key.split(separator: "/", omittingEmptySubsequences: false) {
            if segment.isEmpty { return "it contains \"//\" (an empty segment)" }
            if segment == "." || segment == ".." { return "it contains a \"\(segment)\" segment" }
        }
        return nil
    }

    /// The key with control characters shown as `?`, for messages.
    static func printable(_ key: String) -> String {
        String(String.UnicodeScalarView(key.unicodeScalars.prefix(200).map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }
}

/// UTF-8 byte order, the order S3 lists keys in.
@inlinable
func utf8Precedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
