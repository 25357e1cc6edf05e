// A cache of a bucket's objects on this machine. Batch files never change once written
// (docs/ARCHITECTURE.md §2), and an entry is keyed by the object's key, size and ETag, so a
// changed object (a day file made again) is a miss, never a stale hit.
//
// Safe for two processes sharing the folder: an entry is written under a temporary name and
// renamed into place (DurableFiles), and every entry is checked when read — its header must
// name the same key, size and ETag and its payload match its CRC-32 — so a torn or corrupt
// entry is dropped and fetched again. Bounded in bytes: when a store takes the folder over
// the bound, the entries used longest ago (modification time, touched on each hit) go first.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import DurableFiles
import Synchronization

public final class LakeObjectCache: Sendable {
    public let folder: String
    public let maxBytes: Int64

    private struct State {
        /// Bytes held, learned by a scan of the folder on first use.
        var bytes: Int64?
    }
    private let state = Mutex(State())

    static let magic: [UInt8] = Array("OSLC1\n".utf8)

    /// A cache in `folder` (created on first store) of at most `maxBytes`.
    public init(folder: String, maxBytes: Int64) {
        self.folder = folder
        self.maxBytes = max(0, maxBytes)
    }

    /// `OPENSENSOR_CACHE_DIR`, else `$XDG_CACHE_HOME/opensensor`, else `~/.cache/opensensor`.
    public static func defaultFolder(environment: [String: String]) -> String? {
        if let dir = environment["OPENSENSOR_CACHE_DIR"], !dir.isEmpty { return dir }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/opensensor" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.cache/opensensor" }
        return nil
    }

    /// The cached bytes of the object `key` of `size` bytes and ETag `tag`; nil on a miss. A
    /// damaged entry is removed.
    public func lookup(key: String, size: Int64, tag: String) -> [UInt8]? {
        let path = entryPath(key: key, size: size, tag: tag)
        guard let data = try? FileIO.readWholeFile(path, limit: Int(size) + 4096) else { return nil }
        guard let payload = Self.decode(data, header: Self.header(key: key, size: size, tag: tag)), payload.count == size else {
            // Torn by a crash, damaged, or a collision of names: gone, and fetched again.
            if unlink(path) == 0 { state.withLock { s in s.bytes = s.bytes.map { $0 - Int64(data.count) } } }
            return nil
        }
        _ = utimensat(AT_FDCWD, path, nil, 0)  // Used now: the last to be evicted.
        return payload
    }

    /// Keeps the object's bytes; a failure to write is no failure of the read that fetched them.
    public func store(key: String, size: Int64, tag: String, bytes: [UInt8]) {
        guard Int64(bytes.count) == size, size + 4096 <= maxBytes else { return }
        let entry = Self.header(key: key, size: size, tag: tag)
        var data = entry
        data += bytes
        let crc = crc32(bytes[...])
        data += [UInt8(crc >> 24 & 0xFF), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
        do {
            try FileIO.makeFolders(folder, durable: false)
            // Not durable: a power cut may leave an empty or partial entry, which lookup drops.
            try FileIO.write(data, to: entryPath(key: key, size: size, tag: tag), mode: .replace, durable: false)
        } catch {
            return
        }
        let total: Int64 = state.withLock { s in
            let now = (s.bytes ?? scanBytes()) + Int64(data.count)
            s.bytes = now
            return now
        }
        if total > maxBytes { evict() }
    }

    /// Removes the entries used longest ago until the folder holds at most 90 % of the bound.
    func evict() {
        var entries: [(path: String, bytes: Int64, used: Int64)] = []
        for name in FileIO.names(in: folder) where name.hasSuffix(".entry") {
            var st = stat()
            let path = folder + "/" + name
            guard stat(path, &st) == 0 else { continue }
            entries.append((path, Int64(st.st_size), Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)))
        }
        entries.sort { $0.used < $1.used }
        var total = entries.reduce(Int64(0)) { $0 + $1.bytes }
        let goal = maxBytes / 10 * 9
        for e in entries where total > goal {
            // Another process may have removed it first: what it held is gone either way.
            _ = unlink(e.path)
            total -= e.bytes
        }
        state.withLock { $0.bytes = total }
    }

    private func scanBytes() -> Int64 {
        FileIO.names(in: folder).reduce(Int64(0)) { sum, name in
            var st = stat()
            return name.hasSuffix(".entry") && stat(folder + "/" + name, &st) == 0 ? sum + Int64(st.st_size) : sum
        }
    }

    /// The entry's file: a hash of key, size and ETag (the header inside says which they are).
    func entryPath(key: String, size: Int64, tag: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a, 64 bits
        for b in Self.header(key: key, size: size, tag: tag) {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01B3
        }
        let hex = String(h, radix: 16)
        return folder + "/" + String(repeating: "0", count: 16 - hex.count) + hex + ".entry"
    }

    static func header(key: String, size: Int64, tag: String) -> [UInt8] {
        magic + Array("\(key)\n\(size)\n\(tag)\n".utf8)
    }

    /// The payload of an entry whose header is `header`, if it is whole and its CRC-32 holds.
    static func decode(_ data: [UInt8], header: [UInt8]) -> [UInt8]? {
        guard data.count >= header.count + 4, data.prefix(header.count).elementsEqual(header) else { return nil }
        let payload = Array(data[header.count..<(data.count - 4)])
        let t = data.suffix(4).map(UInt32.init)
        let stored = t[t.startIndex] << 24 | t[t.startIndex + 1] << 16 | t[t.startIndex + 2] << 8 | t[t.startIndex + 3]
        return crc32(payload[...]) == stored ? payload : nil
    }
}
