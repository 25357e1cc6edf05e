// OpenSensor.Space's station registry, `stations.csv` (docs/ARCHITECTURE.md §2): one row per
// station, its name, place and the bucket prefix its lake is synced to. RFC 4180 records (the
// lake's CSV reader, CSVImport.swift): quoted fields may hold commas, quotes and line breaks.
// Columns are found by their header name, so a registry that adds columns still reads.

/// One station of the registry.
public struct RegisteredStation: Sendable, Equatable {
    /// The registry's `station_id`: the station's name in the dashboard's routes.
    public var id: String
    public var name: String
    public var sensorType: String
    public var latitude: Double?
    public var longitude: Double?
    public var stationType: String
    /// `s3://bucket/prefix/station=<id>/` as the registry gives it.
    public var storageURL: String
    public var description: String
    public var contributorName: String
    public var contributorURL: String
    public var submittedAt: String
    public var status: String
    /// The line of the registry the row starts on.
    public var line: Int

    /// `s3://bucket/prefix`: the lake the station's folder is in.
    public var lakeURL: String
    /// The `station=` folder name under `lakeURL` (the URL's last folder; `id` when the URL
    /// names the lake itself).
    public var lakeStation: String

    public var isApproved: Bool { status.lowercased() == "approved" }
}

/// A registry that cannot be read, naming the line and field at fault.
public struct RegistryError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

public enum StationRegistry {
    /// The columns a registry must have.
    public static let requiredColumns = ["station_id", "station_name", "sensor_type", "latitude", "longitude", "station_type",
                                         "storage_url", "description", "contributor_name", "contributor_url", "submitted_at", "status"]

    /// Every row of `text` (the contents of `file`, named in errors), approved or not, in file
    /// order. A row with the wrong number of fields, an id that is not a station folder name,
    /// a place that is not a latitude/longitude, a storage URL that is not `s3://…`, or an id
    /// given twice is an error naming its line and field.
    public static func parse(_ bytes: [UInt8], file: String) throws(RegistryError) -> [RegisteredStation] {
        var records = CSVRecords(bytes)
        func next() throws(RegistryError) -> CSVRecord? {
            do { return try records.next() } catch { throw RegistryError("\(file) line \(error.line): \(error.message)") }
        }
        guard let header = try next() else { throw RegistryError("\(file): empty; expected a header line naming \(requiredColumns.joined(separator: ", "))") }
        let names = header.cells.map { $0.text.trimmingASCIISpaces() }
        var position: [String: Int] = [:]
        for (i, n) in names.enumerated() where position[n] == nil { position[n] = i }
        let missing = requiredColumns.filter { position[$0] == nil }
        guard missing.isEmpty else {
            throw RegistryError("\(file) line \(header.line): the header lacks \(missing.joined(separator: ", ")); expected the columns \(requiredColumns.joined(separator: ", "))")
        }
        var out: [RegisteredStation] = []
        var seen: [String: Int] = [:]
        while let record = try next() {
            let line = record.line
            guard record.cells.count == names.count else {
                throw RegistryError("\(file) line \(line): \(record.cells.count) fields, expected \(names.count) as in the header")
            }
            func field(_ name: String) -> String { record.cells[position[name]!].text.trimmingASCIISpaces() }
            func fail(_ name: String, _ expected: String) -> RegistryError {
                RegistryError("\(file) line \(line), field '\(name)': expected \(expected), got '\(field(name))'")
            }
            let id = field("station_id")
            guard !id.contains("/"), LakeLayout.station(folder: "station=" + id) == id else {
                throw fail("station_id", "a station id (not empty; no '/', '=' or control characters)")
            }
            if let first = seen[id] { throw RegistryError("\(file) line \(line), field 'station_id': '\(id)' is already the station of line \(first)") }
            seen[id] = line
            func coordinate(_ name: String, _ limit: Double) throws(RegistryError) -> Double? {
                let text = field(name)
                if text.isEmpty { return nil }
                guard let v = Double(text), v.isFinite, abs(v) <= limit else { throw fail(name, "a number from -\(Int(limit)) to \(Int(limit))") }
                return v
            }
            let latitude = try coordinate("latitude", 90), longitude = try coordinate("longitude", 180)
            let url = field("storage_url")
            guard let (lake, folder) = split(url), !lake.isEmpty else { throw fail("storage_url", "s3://BUCKET/PREFIX/station=<id>/") }
            out.append(RegisteredStation(
                id: id, name: field("station_name"), sensorType: field("sensor_type"), latitude: latitude, longitude: longitude,
                stationType: field("station_type"), storageURL: url, description: field("description"),
                contributorName: field("contributor_name"), contributorURL: field("contributor_url"),
                submittedAt: field("submitted_at"), status: field("status"), line: line,
                lakeURL: lake, lakeStation: folder ?? id))
        }
        return out
    }

    /// `s3://b/p/station=x/` → (`s3://b/p`, `x`); `s3://b/p` → (`s3://b/p`, nil); nil when it
    /// is not an `s3://` URL with a bucket.
    static func split(_ url: String) -> (lake: String, station: String?)? {
        guard url.lowercased().hasPrefix("s3://") else { return nil }
        var parts = url.dropFirst(5).split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let bucket = parts.first, !bucket.isEmpty else { return nil }
        var station: String?
        if parts.count > 1, let last = parts.last, let id = LakeLayout.station(folder: last) {
            station = id
            parts.removeLast()
        }
        return ("s3://" + parts.joined(separator: "/"), station)
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
