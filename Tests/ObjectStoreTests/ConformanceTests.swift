import Foundation
import ObjectStore
import Testing

/// The shared conformance suite against the two local stores.
@Suite struct ConformanceTests {
    @Test(arguments: ObjectStoreConformance.Check.allCases)
    func inMemory(_ check: ObjectStoreConformance.Check) async throws {
        try await ObjectStoreConformance.run(check, on: InMemoryObjectStore(), options: .init(prefix: "t/"))
    }

    @Test(arguments: ObjectStoreConformance.Check.allCases)
    func localDirectory(_ check: ObjectStoreConformance.Check) async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let store = try LocalDirectoryObjectStore(root: dir.path)
        try await ObjectStoreConformance.run(check, on: store, options: .init(prefix: "t/"))
    }

    @Test(arguments: ObjectStoreConformance.Check.allCases)
    func prefixed(_ check: ObjectStoreConformance.Check) async throws {
        try await ObjectStoreConformance.run(check, on: PrefixedObjectStore(InMemoryObjectStore(), prefix: "lake/"), options: .init(prefix: "t/"))
    }

    /// The suite must be able to fail: a store that ignores ranges is caught.
    @Test func suiteCatchesABrokenStore() async throws {
        await #expect(throws: ObjectStoreConformance.Failure.self) {
            try await ObjectStoreConformance.run(.ranges, on: RangeIgnoringStore(), options: .init(prefix: "t/"))
        }
        await #expect(throws: ObjectStoreConformance.Failure.self) {
            try await ObjectStoreConformance.run(.conditionalPuts, on: RangeIgnoringStore(), options: .init(prefix: "t/"))
        }
    }
}

/// A deliberately wrong store: whole objects for every ranged get, and create-only puts that overwrite.
struct RangeIgnoringStore: ObjectStore {
    let inner = InMemoryObjectStore()
    var description: String { "range-ignoring store" }
    func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult {
        try await inner.put(path, bytes: bytes, mode: .overwrite)
    }
    func head(_ path: ObjectPath) async throws -> ObjectMeta { try await inner.head(path) }
    func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult { try await inner.get(path, range: nil) }
    func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        try await inner.list(prefix: prefix, continuation: continuation, maxKeys: maxKeys)
    }
    func delete(_ path: ObjectPath) async throws { try await inner.delete(path) }
}

struct TemporaryFolder {
    let path: String
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("objectstore-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
