// The delimiter listing every store has (S3 natively; memory and folders by grouping a plain
// listing), which lets a lake reader descend one level of the layout at a time.

import ObjectStore
import Testing

@Suite struct DelimiterListingTests {
    @Test func objectsDirectlyUnderThePrefixAndOneEntryPerFolder() async throws {
        let store = InMemoryObjectStore()
        for key in ["l/station=a/year=2025/month=06/x.parquet", "l/station=a/year=2025/month=07/y.parquet",
                    "l/station=a/year=2026/month=01/z.parquet", "l/station=a/readme.txt", "l/station=b/year=2025/q", "other/k"] {
            try await store.put(try ObjectPath(key), bytes: [1])
        }
        let top = try await store.list(prefix: "l/", delimiter: "/", continuation: nil, maxKeys: 1000)
        #expect(top.commonPrefixes == ["l/station=a/", "l/station=b/"])
        #expect(top.objects.isEmpty && top.nextToken == nil)
        let station = try await store.list(prefix: "l/station=a/", delimiter: "/", continuation: nil, maxKeys: 1000)
        #expect(station.commonPrefixes == ["l/station=a/year=2025/", "l/station=a/year=2026/"])
        #expect(station.objects.map(\.path.rawValue) == ["l/station=a/readme.txt"])
    }
}
