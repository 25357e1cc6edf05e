import CivilTime
import JSONText
import Lake
import Parquet

/// A description of a file's metadata, as text for a terminal or as JSON.
struct Inspection {
    let meta: FileMetaData
    let fileSize: Int

    init(_ meta: FileMetaData, fileSize: Int) {
        self.meta = meta
        self.fileSize = fileSize
    }

    private var leaves: [SchemaElement] { meta.leafColumns }

    func typeName(_ e: SchemaElement) -> String {
        var s = e.type.map(\.description) ?? "GROUP"
        if let l = e.logicalType { s += " \(l)" }
        return s
    }

    /// A statistics value as text in the column's type.
    func value(_ bytes: [UInt8]?, _ e: SchemaElement) -> String? {
        guard let b = bytes else { return nil }
        func le<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard b.count == MemoryLayout<T>.size else { return nil }
            return b.reversed().reduce(T.zero) { $0 << 8 | T($1) }
        }
        switch e.type {
        case .boolean: return b.first.map { $0 != 0 ? "true" : "false" }
        case .int32: return le(Int32.self).map { "\($0)" }
        case .int64:
            guard let v = le(Int64.self) else { return nil }
            if case .timestamp(_, .millis) = e.logicalType { return ISO8601.format(millis: v) }
            return "\(v)"
        case .float: return le(UInt32.self).map { "\(Float(bitPattern: $0))" }
        case .double: return le(UInt64.self).map { "\(Double(bitPattern: $0))" }
        case .byteArray: return String(validating: b, as: UTF8.self) ?? b.map { String($0, radix: 16) }.joined()
        default: return b.map { String($0, radix: 16) }.joined()
        }
    }

    func text() -> String {
        var out = "file: \(fileSize) bytes, \(meta.numRows) rows, \(meta.rowGroups.count) row group(s), format version \(meta.version)\n"
        if let c = meta.createdBy { out += "created by: \(c)\n" }
        out += "schema:\n"
        for e in leaves {
            out += "  \(e.name): \(typeName(e))\(e.repetition == .optional ? "" : " (required)")\n"
        }
        for (g, group) in meta.rowGroups.enumerated() {
            out += "row group \(g): \(group.numRows) rows, \(group.totalCompressedSize ?? 0) bytes compressed, \(group.totalByteSize) uncompressed\n"
            for (chunk, e) in zip(group.columns, leaves) {
                guard let m = chunk.metaData else { continue }
                out += "  \(e.name): \(m.encodings.map(\.description).joined(separator: ",")) \(m.codec) \(m.totalCompressedSize)/\(m.totalUncompressedSize) B"
                if let s = m.statistics {
                    out += " nulls=\(s.nullCount.map(String.init) ?? "?")"
                    if let lo = value(s.minValue, e), let hi = value(s.maxValue, e) { out += " min=\(lo) max=\(hi)" }
                }
                out += "\n"
            }
        }
        if let kv = meta.keyValueMetadata, !kv.isEmpty {
            out += "key-value metadata:\n"
            for p in kv { out += "  \(p.key) = \(p.value ?? "")\n" }
        }
        return out.hasSuffix("\n") ? String(out.dropLast()) : out
    }

    func json() -> String {
        let j = JSONWriter()
        j.object {
            j.field("file_size") { j.number(fileSize) }
            j.field("num_rows") { j.number(Int(meta.numRows)) }
            j.field("format_version") { j.number(Int(meta.version)) }
            j.field("created_by") { j.string(meta.createdBy) }
            j.field("schema") {
                j.array(leaves) { e in
                    j.object {
                        j.field("name") { j.string(e.name) }
                        j.field("physical_type") { j.string(e.type?.description) }
                        j.field("logical_type") { j.string(e.logicalType?.description) }
                        j.field("optional") { j.bool(e.repetition != .required) }
                    }
                }
            }
            j.field("row_groups") {
                j.array(meta.rowGroups) { group in
                    j.object {
                        j.field("num_rows") { j.number(Int(group.numRows)) }
                        j.field("total_byte_size") { j.number(Int(group.totalByteSize)) }
                        j.field("columns") {
                            j.array(Array(zip(group.columns, leaves))) { chunk, e in
                                let m = chunk.metaData
                                j.object {
                                    j.field("name") { j.string(e.name) }
                                    j.field("physical_type") { j.string(m?.type.description) }
                                    j.field("logical_type") { j.string(e.logicalType?.description) }
                                    j.field("encodings") { j.array(m?.encodings ?? []) { j.string($0.description) } }
                                    j.field("codec") { j.string(m?.codec.description) }
                                    j.field("compressed_size") { j.number(Int(m?.totalCompressedSize ?? 0)) }
                                    j.field("uncompressed_size") { j.number(Int(m?.totalUncompressedSize ?? 0)) }
                                    j.field("null_count") { j.number(m?.statistics?.nullCount.map(Int.init)) }
                                    j.field("min") { j.string(value(m?.statistics?.minValue, e)) }
                                    j.field("max") { j.string(value(m?.statistics?.maxValue, e)) }
                                }
                            }
                        }
                    }
                }
            }
            j.field("key_value_metadata") {
                j.object {
                    for p in meta.keyValueMetadata ?? [] { j.field(p.key) { j.string(p.value) } }
                }
            }
        }
        return j.out
    }
}
