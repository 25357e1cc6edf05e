// Never lose the only copy: the ledger proves what is stored, `--verify` records differences,
// retention deletes only files still matching their proof, conflicts are found on stores that
// ignore create-only puts, and a conflict check never downloads more than the local file.

import Foundation
import Lake
import Logging
import ObjectStore
import Synchronization
import CivilTime
import Config
import DurableFiles
import TestSupport
import Testing
@testable import LakeSync

/// An in-memory store with S3's ETags (32 hex digits standing for the content), that may ignore
/// `If-None-Match: *` (treating a create-only put as an overwrite, as some servers do) or answer
/// 501 to it (OpenStack Swift), and that records every request and how many bytes gets returned.
final class RecordingStore: ObjectStore {
    enum CreateOnly { case honoured, ignored, unsupported }
    let base = InMemoryObjectStore()
    let createOnly: CreateOnly
    let requests = Mutex<[String]>([])
    let bytesFetched = Atomic<Int>(0)

    init(_ createOnly: CreateOnly = .honoured) { self.createOnly = createOnly }

    var description: String { "recording store" }
    var requestCount: Int { requests.withLock { $0.count } }
    func count(_ method: String) -> Int { requests.withLock { $0.filter { $0.hasPrefix(method + " ") }.count } }

    /// 32 hex digits derived from the content (two FNV-1a hashes), standing in for an MD5.
    static func eTag(_ bytes: [UInt8]) -> String {
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x100_0000_01b3
            b = (b ^ UInt64(byte ^ 0x5a)) &* 0x100_0000_01b3
        }
        func hex(_ v: UInt64) -> String { let s = String(v, radix: 16); return String(repeating: "0", count: 16 - s.count) + s }
        return hex(a) + hex(b)
    }

    private func stored(_ meta: ObjectMeta, _ bytes: [UInt8]) -> ObjectMeta {
        ObjectMeta(path: meta.path, size: meta.size, eTag: Self.eTag(bytes), lastModified: meta.lastModified)
    }

    func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult {
        requests.withLock { $0.append("PUT \(path)\(mode == .create ? " create" : "")") }
        var mode = mode
        if mode == .create {
            switch createOnly {
            case .honoured: break
            case .ignored: mode = .overwrite
            case .unsupported: throw ObjectStoreError(.unsupported, "If-None-Match is not implemented", path: path.rawValue)
            }
        }
        _ = try await base.put(path, bytes: bytes, mode: mode)
        return PutResult(eTag: Self.eTag(bytes))
    }

    func head(_ path: ObjectPath) async throws -> ObjectMeta {
        requests.withLock { $0.append("HEAD \(path)") }
        let whole = try await base.get(path, range: nil)
        return stored(whole.meta, whole.bytes)
    }

    func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult {
        requests.withLock { $0.append("GET \(path) \(range?.httpValue ?? "whole")") }
        let whole = try await base.get(path, range: nil)
        var result = try await base.get(path, range: range)
        result.meta = stored(whole.meta, whole.bytes)
        bytesFetched.add(result.bytes.count, ordering: .relaxed)
        return result
    }

    func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        requests.withLock { $0.append("LIST \(prefix)") }
        var page = try await base.list(prefix: prefix, continuation: continuation, maxKeys: maxKeys)
        for i in page.objects.indices {
            page.objects[i] = stored(page.objects[i], try await base.get(page.objects[i].path).bytes)
        }
        return page
    }

    func delete(_ path: ObjectPath) async throws {
        requests.withLock { $0.append("DELETE \(path)") }
        try await base.delete(path)
    }

    /// Every object but the probe, with its bytes.
    func objects() async throws -> [String: [UInt8]] {
        var out: [String: [UInt8]] = [:]
        for try await meta in base.listAll() where !meta.path.rawValue.hasSuffix(SyncEngine.probeName) {
            out[meta.path.rawValue] = try await base.get(meta.path).bytes
        }
        return out
    }
}

@Suite struct SyncSafetyTests {
    static let station = "station=0190f5a0-0000-7000-8000-000000000001"

    func lake() throws -> String {
        let dir = NSTemporaryDirectory() + "sync-safety-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func day(_ d: Int, station: String = station) -> String {
        "\(station)/year=2025/month=06/day=\(d < 10 ? "0" : "")\(d)"
    }

    /// Writes a complete-looking Parquet file (magic at both ends) with `text` inside.
    @discardableResult
    func write(_ root: String, _ relative: String, _ text: String) throws -> [UInt8] {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let bytes = Array(("PAR1" + text + "PAR1").utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return bytes
    }

    func engine(_ root: String, _ store: any ObjectStore, concurrency: Int = 4) throws -> SyncEngine {
        try SyncEngine(
            root: root, store: store, keyPrefix: "lake", destination: "test", options: SyncOptions(concurrency: concurrency),
            logger: quiet, now: { Int64(Date().timeIntervalSince1970 * 1000) + 60_000 })
    }

    /// Retention keeping one day before "today", June 4 2025, with a clock it trusts.
    func retention(_ root: String, _ engine: SyncEngine) -> Retention {
        Retention(
            root: root, ledgerPath: engine.ledgerPath, policy: RetentionPolicy(retentionDays: 1, minFreeBytes: 0, syncEnabled: true),
            freeSpace: FixedFreeSpace(bytes: 1 << 40), logger: quiet,
            now: { ISO8601.parseMillis("2025-06-04T12:00:00Z")! }, clockSynced: { _ in true })
    }

    func setMtime(_ path: String, seconds: Int) {
        var times = [timespec(tv_sec: seconds, tv_nsec: 0), timespec(tv_sec: seconds, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
    }

    // MARK: - Item: retention deletes only what is proven stored

    @Test func aDifferenceFoundByVerifyIsRecordedAndRetentionKeepsTheFile() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var files: [String] = []
        for d in 1...3 {
            for name in ["data_0015.parquet", "data_0030.parquet"] {
                files.append(Self.day(d) + "/" + name)
                try write(root, files.last!, "reading of \(files.last!)")
            }
        }
        try write(root, Self.day(4) + "/data_0015.parquet", "today")
        let store = RecordingStore()
        let sync = try engine(root, store)
        #expect(await sync.sync().uploaded.count == 7)

        // Someone replaces two stored objects: one with bytes of the same size, one shorter.
        let sameSize = files[0], shorter = files[2]
        let local0 = try Data(contentsOf: URL(fileURLWithPath: root + "/" + sameSize))
        try await store.base.put(ObjectPath("lake/" + sameSize), bytes: Array(repeating: 0x41, count: local0.count))
        try await store.base.put(ObjectPath("lake/" + shorter), bytes: Array("PAR1xPAR1".utf8))

        let verified = await sync.verify()
        #expect(Set(verified.mismatched.map(\.path)) == [sameSize, shorter])
        #expect(Set(verified.conflicts.map(\.path)) == [sameSize, shorter])
        #expect(!verified.succeeded)
        // Never overwritten.
        #expect(try await store.base.get(ObjectPath("lake/" + shorter)).bytes == Array("PAR1xPAR1".utf8))

        // Recorded: a new process (retention) sees it, and keeps both files, the only good copies.
        let pass = await retention(root, sync).run()
        #expect(Set(pass.deleted) == Set(files).subtracting([sameSize, shorter]).subtracting(files.filter { $0.hasPrefix(Self.day(3)) }))
        #expect(FileManager.default.fileExists(atPath: root + "/" + sameSize))
        #expect(FileManager.default.fileExists(atPath: root + "/" + shorter))
        #expect(pass.keptUnsynced == 2)
        // Still recorded after another sync.
        let again = await sync.sync()
        #expect(again.knownConflicts == 2)
    }

    @Test func aFileRewrittenAfterItsUploadIsNotDeletedAndVerifyFindsIt() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let old = Self.day(1) + "/data_0015.parquet", other = Self.day(1) + "/data_0030.parquet"
        try write(root, old, "first version")
        try write(root, other, "untouched")
        try write(root, Self.day(4) + "/data_0015.parquet", "today")
        let store = RecordingStore()
        let sync = try engine(root, store)
        #expect(await sync.sync().uploaded.count == 3)

        // Rewritten in place, same size, another mtime: the name's "uploaded" line no longer
        // describes it.
        try write(root, old, "other version")
        setMtime(root + "/" + old, seconds: 1_750_000_000)
        let pass = await retention(root, sync).run()
        #expect(pass.deleted == [other])
        #expect(FileManager.default.fileExists(atPath: root + "/" + old))

        let verified = await sync.verify()
        #expect(verified.conflicts.map(\.path) == [old])
        #expect(await retention(root, sync).run().deleted.isEmpty)
        #expect(FileManager.default.fileExists(atPath: root + "/" + old))
    }

    @Test func aTouchedFileIdenticalToTheStoredOneIsProvenAgain() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let rel = Self.day(1) + "/data_0015.parquet"
        try write(root, rel, "same")
        try write(root, Self.day(4) + "/data_0015.parquet", "today")
        let store = RecordingStore()
        let sync = try engine(root, store)
        _ = await sync.sync()
        setMtime(root + "/" + rel, seconds: 1_750_000_000)
        #expect(await retention(root, sync).run().deleted.isEmpty)
        let verified = await sync.verify()
        #expect(verified.alreadyStored == [rel] && verified.succeeded)
        #expect(await retention(root, sync).run().deleted == [rel])
    }

    @Test func ledgerLinesOfOlderVersionsAreReadButProveNothingUntilVerified() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let rel = Self.day(1) + "/data_0015.parquet"
        let bytes = try write(root, rel, "old ledger")
        try write(root, Self.day(4) + "/data_0015.parquet", "today")
        let store = RecordingStore()
        try await store.base.put(ObjectPath("lake/" + rel), bytes: bytes)
        let sync = try engine(root, store)
        // A ledger line as the previous version wrote it: no mtime.
        let fields = "F\t\(Self.day(1))\tdata_0015.parquet\t\(bytes.count)\t-"
        let line = fields + "\t" + String(format: "%08x", crc32(Array(fields.utf8)[...])) + "\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: sync.ledgerPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(line.utf8))
        try handle.close()
        let reopened = try engine(root, store)
        #expect(await reopened.sync(dryRun: true).wouldUpload.map(\.path) == [Self.day(4) + "/data_0015.parquet"])
        #expect(await retention(root, reopened).run().deleted.isEmpty)
        let verified = await reopened.verify()
        #expect(verified.alreadyStored == [rel])
        #expect(await retention(root, reopened).run().deleted == [rel])
    }

    // MARK: - Item: ledger keys are bytes

    @Test func canonicallyEquivalentFolderNamesAreDifferentFolders() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let composed = "station=caf\u{E9}", decomposed = "station=cafe\u{301}"
        #expect(composed == decomposed)  // to Swift; not to the file system
        let a = Self.day(1, station: composed) + "/data_0015.parquet"
        let b = Self.day(1, station: decomposed) + "/data_0015.parquet"
        try write(root, a, "station one")
        setMtime(root + "/" + a, seconds: 1_750_000_000)
        try write(root, Self.day(4, station: composed) + "/data_0015.parquet", "today")
        try write(root, Self.day(4, station: decomposed) + "/data_0015.parquet", "today")
        let store = RecordingStore()
        let sync = try engine(root, store)
        #expect(await sync.sync().uploaded.count == 3)

        // The other station's file appears after the first one's upload: it is new, although
        // its size and mtime are those recorded for the first one's.
        try write(root, b, "station two")
        setMtime(root + "/" + b, seconds: 1_750_000_000)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).count == 3)  // two stations and .opensensor
        let report = await sync.sync(dryRun: true)
        #expect(report.wouldUpload.map { Array($0.path.utf8) } == [Array(b.utf8)])
        // And retention does not take it for uploaded.
        let pass = await retention(root, sync).run()
        #expect(pass.deleted.map { Array($0.utf8) } == [Array(a.utf8)])
        #expect(FileManager.default.fileExists(atPath: root + "/" + b))
        #expect(await sync.sync().uploaded.map { Array($0.utf8) } == [Array(b.utf8)])
        #expect(try await store.base.listAll().reduce(0) { n, _ in n + 1 } == 4)
    }

    // MARK: - Item: the conflict check reads at most the local size plus one byte

    @Test func aConflictCheckNeverDownloadsTheWholeStoredObject() async throws {
        for createOnly in [RecordingStore.CreateOnly.honoured, .unsupported] {
            let root = try lake()
            defer { try? FileManager.default.removeItem(atPath: root) }
            let big = Self.day(1) + "/data_0015.parquet", same = Self.day(1) + "/data_0030.parquet"
            try write(root, big, "small local file")
            let local2 = try write(root, same, "same size, other bytes")
            let store = RecordingStore(createOnly)
            try await store.base.put(ObjectPath("lake/" + big), bytes: Array(repeating: 7, count: 4 << 20))
            try await store.base.put(ObjectPath("lake/" + same), bytes: Array(repeating: 9, count: local2.count))
            let report = try await engine(root, store).sync()
            #expect(Set(report.conflicts.map(\.path)) == [big, same], "\(createOnly)")
            // The 4 MiB object is judged by its size alone; the other read up to its size + 1.
            #expect(store.bytesFetched.load(ordering: .relaxed) <= local2.count + 1, "\(createOnly)")
            #expect(!store.requests.withLock { $0 }.contains { $0.hasPrefix("GET lake/" + big) }, "\(createOnly)")
            #expect(store.requests.withLock { $0 }.contains("GET lake/\(same) bytes=0-\(local2.count)"), "\(createOnly)")
            #expect(try await store.base.get(ObjectPath("lake/" + big)).bytes.count == 4 << 20)
        }
    }

    // MARK: - Item: a store that ignores If-None-Match

    @Test func aStoreThatIgnoresCreateOnlyPutsHasNothingReplaced() async throws {
        let first = try lake(), second = try lake()
        defer {
            try? FileManager.default.removeItem(atPath: first)
            try? FileManager.default.removeItem(atPath: second)
        }
        var names: [String] = []
        for d in 1...2 {
            for m in [15, 30, 45] {
                names.append(Self.day(d) + "/data_00\(m).parquet")
                try write(first, names.last!, "first lake \(d) \(m)")
                try write(second, names.last!, "second lake \(d) \(m)!")
            }
        }
        let store = RecordingStore(.ignored)
        #expect(try await engine(first, store).sync().uploaded.count == 6)
        let stored = try await store.objects()

        let report = try await engine(second, store).sync()
        #expect(report.conflicts.count == 6)
        #expect(report.uploaded.isEmpty)
        #expect(try await store.objects() == stored)
        // Recorded: the next sync has nothing to do.
        #expect(try await engine(second, store).sync().requests == 0)
    }

    @Test func withoutCreateOnlyPutsASyncCostsAtMostOneRequestPerFileAndDayFolder() async throws {
        for createOnly in [RecordingStore.CreateOnly.unsupported, .ignored] {
            let root = try lake()
            defer { try? FileManager.default.removeItem(atPath: root) }
            try write(root, Self.day(1) + "/data_0000.parquet", "first")
            let store = RecordingStore(createOnly)
            let first = try await engine(root, store).sync()
            #expect(first.uploaded.count == 1)
            // The probe (put, create-only put, delete), one listing, one put.
            #expect(first.requests == 5, "\(createOnly)")

            // A day of 96 new files, by a new process: what the store does is remembered.
            for q in 0..<96 {
                let name = "data_" + LakeLayout.pad(q / 4, 2) + LakeLayout.pad(q % 4 * 15, 2) + ".parquet"
                try write(root, Self.day(2) + "/" + name, "batch \(q)")
            }
            let report = try await engine(root, store).sync()
            #expect(report.uploaded.count == 96, "\(createOnly)")
            #expect(report.requests == 96 + 1, "\(createOnly)")  // N + D
            #expect(store.count("HEAD") == 0)
        }
    }

    @Test func anHonestStoreIsProbedOnceAndThenPutCreateOnly() async throws {
        let root = try lake()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try write(root, Self.day(1) + "/data_0000.parquet", "first")
        let store = RecordingStore(.honoured)
        #expect(try await engine(root, store).sync().requests == 4)  // probe (3) + put
        try write(root, Self.day(1) + "/data_0015.parquet", "second")
        #expect(try await engine(root, store).sync().requests == 1)
        #expect(store.count("LIST") == 0)
        #expect(try await store.objects().count == 2)  // the probe is gone
    }
}
