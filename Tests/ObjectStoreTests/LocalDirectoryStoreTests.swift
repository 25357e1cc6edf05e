import Foundation
import ObjectStore
import Testing

@Suite struct LocalDirectoryStoreTests {
    @Test func writesAtomicallyAndLeavesNoTemporaryFiles() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let store = try LocalDirectoryObjectStore(root: dir.path + "/")
        let key = try ObjectPath("station=s/year=2025/data_0015.parquet")
        try await store.put(key, bytes: [1, 2, 3])
        try await store.put(key, bytes: [4, 5])
        let contents = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/station=s/year=2025")
        #expect(contents == ["data_0015.parquet"])
        #expect(FileManager.default.contents(atPath: dir.path + "/" + key.rawValue) == Data([4, 5]))
    }

    @Test func temporaryFilesAreNeitherListedNorAddressable() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let store = try LocalDirectoryObjectStore(root: dir.path)
        #expect(FileManager.default.createFile(atPath: dir.path + "/.opensensor-tmp.abc", contents: Data([1])))
        try await store.put(try ObjectPath("x"), bytes: [1])
        #expect(try await store.list(prefix: "", continuation: nil, maxKeys: 10).objects.map(\.path.rawValue) == ["x"])
        await #expect(throws: ObjectStoreError.self) { try await store.head(try ObjectPath("a/.opensensor-tmp.abc")) }
    }

    @Test func refusesAMissingRoot() {
        #expect(throws: ObjectStoreError.self) { try LocalDirectoryObjectStore(root: "/nonexistent/opensensor-test") }
    }

    @Test func aFileInTheWayIsReported() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        let store = try LocalDirectoryObjectStore(root: dir.path)
        try await store.put(try ObjectPath("a"), bytes: [1])
        await #expect {
            try await store.put(try ObjectPath("a/b"), bytes: [2])
        } throws: { ($0 as? ObjectStoreError)?.kind == .rejected }
    }
}

@Suite struct ConcurrentCreateTests {
    /// Create-only puts racing for one key: exactly one wins, the others see alreadyExists.
    func race(_ store: any ObjectStore) async throws {
        let key = try ObjectPath("race/key")
        let outcomes = await withTaskGroup(of: String.self) { group in
            for i in 0..<8 {
                group.addTask {
                    do {
                        try await store.put(key, bytes: [UInt8(i)], mode: .create)
                        return "won"
                    } catch let error as ObjectStoreError {
                        return "\(error.kind)"
                    } catch {
                        return "other"
                    }
                }
            }
            var all: [String] = []
            for await outcome in group { all.append(outcome) }
            return all.sorted()
        }
        #expect(outcomes == ["alreadyExists"] + Array(repeating: "alreadyExists", count: 6) + ["won"])
    }

    @Test func inMemory() async throws { try await race(InMemoryObjectStore()) }

    @Test func localDirectory() async throws {
        let dir = try TemporaryFolder()
        defer { dir.remove() }
        try await race(try LocalDirectoryObjectStore(root: dir.path))
    }
}
