/// The behaviour every ``ObjectStore`` must show, as checks any store's tests can run (the idea
/// of Apache Arrow `object_store`'s shared integration suite).
///
/// A check throws ``ObjectStoreConformance/Failure`` naming what differed; tests call
/// ``run(_:on:options:)`` inside their own test functions, once per ``Check``. Every check works
/// below ``Options/prefix`` only, so runs can share a bucket.
public enum ObjectStoreConformance {
    /// The checks.
    public enum Check: String, CaseIterable, Sendable, CustomStringConvertible {
        case roundTrip, overwrite, missingObjects, ranges, listing, delete, hiveAndUnicodeKeys, emptyObject,
            conditionalPuts, largeObject
        public var description: String { rawValue }
    }

    /// What the store under test supports and where it may write.
    public struct Options: Sendable {
        /// Every key used starts with this (end it with `/`).
        public var prefix: String
        /// Whether create-only and `If-Match` puts work; when false they must fail with
        /// ``ObjectStoreError/Kind-swift.struct/unsupported`` (never silently overwrite).
        public var conditionalPuts: Bool
        /// The size of the ``Check/largeObject`` object (S3: above the multipart threshold).
        public var largeObjectSize: Int

        /// Options for a run.
        public init(prefix: String, conditionalPuts: Bool = true, largeObjectSize: Int = 3 << 20) {
            self.prefix = prefix
            self.conditionalPuts = conditionalPuts
            self.largeObjectSize = largeObjectSize
        }
    }

    /// A check's complaint.
    public struct Failure: Error, CustomStringConvertible {
        /// The check.
        public var check: Check
        /// What differed from what was expected.
        public var message: String
        public var description: String { "conformance check \(check) failed: \(message)" }
    }

    /// Runs every check in order.
    public static func runAll(on store: any ObjectStore, options: Options) async throws {
        for check in Check.allCases { try await run(check, on: store, options: options) }
    }

    /// Runs one check.
    public static func run(_ check: Check, on store: any ObjectStore, options: Options) async throws {
        let base = options.prefix + check.rawValue + "/"
        let t = Tester(check: check, store: store, base: base)
        switch check {
        case .roundTrip:
            let bytes = pattern(count: 100_003, seed: 1)
            let put = try await store.put(t.path("a.bin"), bytes: bytes)
            let got = try await store.get(t.path("a.bin"))
            try t.expect(got.bytes == bytes, "get returned \(got.bytes.count) bytes differing from the 100003 put")
            try t.expect(got.meta.size == bytes.count, "get's meta size \(got.meta.size), expected \(bytes.count)")
            let head = try await store.head(t.path("a.bin"))
            try t.expect(head.size == bytes.count, "head size \(head.size), expected \(bytes.count)")
            try t.expect(put.eTag != nil && head.eTag == put.eTag, "head ETag \(head.eTag ?? "nil") ≠ put ETag \(put.eTag ?? "nil")")
        case .overwrite:
            let first = try await store.put(t.path("o.bin"), bytes: pattern(count: 1000, seed: 2))
            let second = try await store.put(t.path("o.bin"), bytes: pattern(count: 500, seed: 3))
            let got = try await store.get(t.path("o.bin"))
            try t.expect(got.bytes == pattern(count: 500, seed: 3), "overwrite did not replace the object")
            try t.expect(first.eTag != second.eTag, "ETag unchanged after overwrite with different bytes")
        case .missingObjects:
            try await t.expectError(.notFound, "head of a missing key") { _ = try await store.head(t.path("none")) }
            try await t.expectError(.notFound, "get of a missing key") { _ = try await store.get(t.path("none")) }
        case .ranges:
            let bytes = pattern(count: 1000, seed: 4)
            try await store.put(t.path("r.bin"), bytes: bytes)
            for (range, expected) in [
                (ByteRange.offsets(10..<20), 10..<20), (.offsets(990..<2000), 990..<1000), (.from(995), 995..<1000),
                (.suffix(7), 993..<1000), (.suffix(5000), 0..<1000),
            ] {
                let got = try await store.get(t.path("r.bin"), range: range)
                try t.expect(
                    got.bytes == Array(bytes[expected]) && got.range == expected,
                    "range \(range) gave \(got.range) (\(got.bytes.count) bytes), expected \(expected)")
                try t.expect(got.meta.size == 1000, "ranged get reported size \(got.meta.size), expected 1000")
            }
            try await t.expectError(.rejected, "a range starting past the end") {
                _ = try await store.get(t.path("r.bin"), range: .from(1000))
            }
        case .listing:
            let names = ["b", "a", "c/d", "c/e", "f", "g", "h"]
            for name in names { try await store.put(t.path(name), bytes: Array(name.utf8)) }
            try await store.put(try ObjectPath(base.dropLast() + "-sibling/x"), bytes: [1])
            var pages: [[String]] = []
            var token: String?
            repeat {
                let page = try await store.list(prefix: base, continuation: token, maxKeys: 3)
                pages.append(page.objects.map { String($0.path.rawValue.dropFirst(base.count)) })
                token = page.nextToken
                try t.expect(pages.count <= 5, "listing did not end after 5 pages: \(pages)")
            } while token != nil
            try t.expect(
                pages == [["a", "b", "c/d"], ["c/e", "f", "g"], ["h"]],
                "pages of 3 were \(pages), expected [[a, b, c/d], [c/e, f, g], [h]]")
            var all: [String] = []
            for try await meta in store.listAll(prefix: base + "c/", pageSize: 1) { all.append(meta.path.rawValue) }
            try t.expect(all == [base + "c/d", base + "c/e"], "listAll(prefix c/) gave \(all)")
            let sizes = try await store.list(prefix: base + "c/d", continuation: nil, maxKeys: 10).objects.map(\.size)
            try t.expect(sizes == [3], "listed size of c/d was \(sizes), expected [3]")
            let none = try await store.list(prefix: base + "zzz", continuation: nil, maxKeys: 10)
            try t.expect(none.objects.isEmpty && none.nextToken == nil, "an empty prefix listed \(none.objects)")
        case .delete:
            try await store.put(t.path("d.bin"), bytes: [1, 2, 3])
            try await store.delete(t.path("d.bin"))
            try await t.expectError(.notFound, "head after delete") { _ = try await store.head(t.path("d.bin")) }
            try await store.delete(t.path("d.bin"))  // idempotent
            let listed = try await store.list(prefix: base, continuation: nil, maxKeys: 10).objects
            try t.expect(listed.isEmpty, "deleted object still listed: \(listed)")
        case .hiveAndUnicodeKeys:
            let keys = [
                "station=0190a4c2-7b1e-7c3d-8e9f-0a1b2c3d4e5f/year=2025/month=08/day=30/data_1445.parquet",
                "station=x/year=2025/month=08/day=30/data_1445-1.parquet",
                "unicode/Zürich ☀︎ (1)+&$@,;:'!*.bin",
            ]
            for (i, key) in keys.enumerated() { try await store.put(t.path(key), bytes: pattern(count: 64, seed: UInt64(i))) }
            for (i, key) in keys.enumerated() {
                let got = try await store.get(t.path(key))
                try t.expect(got.bytes == pattern(count: 64, seed: UInt64(i)), "bytes of \(key) differ")
            }
            let listed = try await store.list(prefix: base, continuation: nil, maxKeys: 10).objects.map(\.path.rawValue)
            let expected = keys.map { base + $0 }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            try t.expect(listed == expected, "listed \(listed), expected \(expected)")
        case .emptyObject:
            try await store.put(t.path("empty"), bytes: [])
            let head = try await store.head(t.path("empty"))
            let got = try await store.get(t.path("empty"))
            try t.expect(head.size == 0 && got.bytes.isEmpty, "empty object came back with \(got.bytes.count) bytes")
        case .conditionalPuts:
            let key = try t.path("c.bin")
            if options.conditionalPuts {
                let created = try await store.put(key, bytes: [1], mode: .create)
                try await t.expectError(.alreadyExists, "a create-only put over an existing object") {
                    try await store.put(key, bytes: [2], mode: .create)
                }
                let updated = try await store.put(key, bytes: [3], mode: .update(eTag: created.eTag ?? ""))
                try await t.expectError(.preconditionFailed, "an If-Match put with a stale ETag") {
                    try await store.put(key, bytes: [4], mode: .update(eTag: created.eTag ?? ""))
                }
                let got = try await store.get(key)
                try t.expect(got.bytes == [3], "conditional puts left \(got.bytes), expected [3]")
                try t.expect(updated.eTag == got.meta.eTag, "ETag after If-Match put differs from get's")
            } else {
                try await store.put(key, bytes: [1])
                try await t.expectError(.unsupported, "a create-only put on a store without conditional puts") {
                    try await store.put(key, bytes: [2], mode: .create)
                }
                let got = try await store.get(key)
                try t.expect(got.bytes == [1], "an unsupported conditional put changed the object")
            }
        case .largeObject:
            let bytes = pattern(count: options.largeObjectSize, seed: 9)
            let put = try await store.put(t.path("large.bin"), bytes: bytes)
            let got = try await store.get(t.path("large.bin"))
            try t.expect(got.bytes == bytes, "a \(bytes.count)-byte object came back different (\(got.bytes.count) bytes)")
            let head = try await store.head(t.path("large.bin"))
            try t.expect(head.size == bytes.count && head.eTag == put.eTag, "large object's head is \(head)")
            let tail = try await store.get(t.path("large.bin"), range: .suffix(10))
            try t.expect(tail.bytes == Array(bytes.suffix(10)), "last 10 bytes of the large object differ")
        }
    }

    /// Deterministic pseudo-random bytes (a 64-bit LCG, Knuth's MMIX constants).
    public static func pattern(count: Int, seed: UInt64) -> [UInt8] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        var out = [UInt8](repeating: 0, count: count)
        for i in 0..<count {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            out[i] = UInt8(truncatingIfNeeded: state >> 56)
        }
        return out
    }

    struct Tester {
        let check: Check
        let store: any ObjectStore
        let base: String

        func path(_ name: String) throws -> ObjectPath {
            do { return try ObjectPath(base + name) } catch {
                throw Failure(check: check, message: "the prefix gives an invalid key: \(error)")
            }
        }

        func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws {
            if !condition { throw Failure(check: check, message: "\(store): " + message()) }
        }

        func expectError(
            _ kind: ObjectStoreError.Kind, _ what: String, _ body: () async throws -> Void
        ) async throws {
            do {
                try await body()
            } catch let error as ObjectStoreError {
                try expect(error.kind == kind, "\(what) failed with \(error), expected kind \(kind)")
                return
            }
            throw Failure(check: check, message: "\(store): \(what) succeeded, expected an error of kind \(kind)")
        }
    }
}
