// The process's resident memory, for `process_resident_memory_bytes` — the name Prometheus's
// own client libraries use, so existing dashboards find it. Read from /proc/self/statm (its
// second field, in pages): one small read, no child process.

import DurableFiles

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

public enum ProcessMemory {
    /// Resident bytes now; nil where /proc is not mounted.
    public static func residentBytes() -> Int64? {
        guard let bytes = try? FileIO.readWholeFile("/proc/self/statm", limit: 4096) else { return nil }
        return residentBytes(statm: String(decoding: bytes, as: UTF8.self), pageSize: Int64(sysconf(Int32(_SC_PAGESIZE))))
    }

    /// Resident bytes from the text of /proc/self/statm (`size resident shared text lib data dt`,
    /// in pages).
    public static func residentBytes(statm: String, pageSize: Int64) -> Int64? {
        let fields = statm.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.count >= 2, let pages = Int64(fields[1]), pages >= 0, pageSize > 0 else { return nil }
        return pages * pageSize
    }

    /// The family, or nothing where the size is unknown.
    public static func family() -> MetricFamily {
        MetricFamily(
            "process_resident_memory_bytes", .gauge, help: "Resident memory size of this process.",
            samples: residentBytes().map { [MetricSample(Double($0))] } ?? [])
    }
}
