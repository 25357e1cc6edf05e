import ObjectStore
import Testing

/// What a prefixed view adds to the conformance suite: where its keys land in the store beneath,
/// and that it sees nothing outside its prefix.
@Suite struct PrefixedStoreTests {
    @Test func keysLandUnderThePrefixAndComeBackRelative() async throws {
        let base = InMemoryObjectStore()
        let lake = PrefixedObjectStore(base, prefix: "/net/lake/")
        #expect(lake.prefix == "net/lake")
        try await lake.put(try ObjectPath("station=a/year=2025/month=06/day=01/data_0000.parquet"), bytes: [1, 2])
        try await base.put(try ObjectPath("net/lake-daily/station=a/x.parquet"), bytes: [3])
        try await base.put(try ObjectPath("net/other"), bytes: [4])

        let beneath = try await base.list(prefix: "", continuation: nil, maxKeys: 10).objects.map(\.path.rawValue)
        #expect(beneath.contains("net/lake/station=a/year=2025/month=06/day=01/data_0000.parquet"))

        // "net/lake-daily/…" shares the characters "net/lake" but not the folder: not listed.
        let listed = try await lake.list(prefix: "", continuation: nil, maxKeys: 10).objects.map(\.path.rawValue)
        #expect(listed == ["station=a/year=2025/month=06/day=01/data_0000.parquet"])
        let folders = try await lake.list(prefix: "", delimiter: "/", continuation: nil, maxKeys: 10).commonPrefixes
        #expect(folders == ["station=a/"])

        let head = try await lake.head(try ObjectPath("station=a/year=2025/month=06/day=01/data_0000.parquet"))
        #expect(head.path.rawValue == "station=a/year=2025/month=06/day=01/data_0000.parquet" && head.size == 2)
    }

    @Test func errorsNameTheFullKey() async throws {
        let lake = PrefixedObjectStore(InMemoryObjectStore(), prefix: "net/lake")
        do {
            _ = try await lake.get(try ObjectPath("station=a/none.parquet"))
            Issue.record("a missing object was found")
        } catch let e as ObjectStoreError {
            #expect(e.kind == .notFound)
            #expect(e.description.contains("net/lake/station=a/none.parquet"))
        }
    }

    @Test func anEmptyPrefixIsTheStoreItself() async throws {
        let base = InMemoryObjectStore()
        let view = PrefixedObjectStore(base, prefix: "")
        try await view.put(try ObjectPath("a/b"), bytes: [1])
        #expect(try await base.head(try ObjectPath("a/b")).size == 1)
        #expect(view.description == base.description)
    }
}
