import ObjectStore
import Testing

@Suite struct ObjectPathTests {
    @Test(arguments: [
        "a", "a/b.parquet", "station=0190a/year=2025/month=08/day=30/data_1445.parquet", "Zürich/☀︎", "a/.hidden/b",
        "a/..b/c",
    ])
    func acceptsValidKeys(_ key: String) throws {
        #expect(try ObjectPath(key).rawValue == key)
    }

    @Test(arguments: [
        ("", "empty"), ("/a", "starts with"), ("a/", "ends with"), ("a//b", "//"), ("a/./b", "\".\""),
        ("../a", "\"..\""), ("a\u{0}b", "control"), ("a\nb", "control"), ("a\u{7F}", "control"),
        (String(repeating: "x", count: 1025), "1025 UTF-8 bytes"),
    ])
    func rejectsInvalidKeys(_ key: String, _ reason: String) {
        #expect {
            try ObjectPath(key)
        } throws: { error in
            guard let error = error as? ObjectStoreError else { return false }
            return error.kind == .configuration && error.message.contains(reason)
        }
    }

    @Test func prefixJoinsLikeThePythonCollector() throws {
        let relative = "station=s/year=2025/month=01/day=02/data_0015.parquet"
        #expect(try ObjectPath(prefix: "lake", relativePath: relative).rawValue == "lake/" + relative)
        #expect(try ObjectPath(prefix: "/lake/x/", relativePath: relative).rawValue == "lake/x/" + relative)
        #expect(try ObjectPath(prefix: "", relativePath: relative).rawValue == relative)
        #expect(try ObjectPath(prefix: nil, relativePath: relative).rawValue == relative)
    }

    @Test func comparesByUTF8BytesNotCanonicalEquivalence() throws {
        let composed = try ObjectPath("caf\u{E9}")
        let decomposed = try ObjectPath("cafe\u{301}")
        #expect(composed != decomposed)
        #expect(Set([composed, decomposed]).count == 2)
        #expect(try ObjectPath("a/B") < ObjectPath("a/a"))  // 'B' (0x42) sorts before 'a' (0x61)
        #expect(try ObjectPath("a/b").filename == "b")
    }
}

@Suite struct DailyPrefixTests {
    @Test func dayFilesGoBesideTheRawPrefix() {
        #expect(ObjectPath.dailyPrefix(of: "walkthru-earth/opensensor-space/enviroplus") == "walkthru-earth/opensensor-space/enviroplus-daily")
        #expect(ObjectPath.dailyPrefix(of: "/lake/") == "lake-daily")
        #expect(ObjectPath.dailyPrefix(of: "") == "daily")
        #expect(ObjectPath.dailyPrefix(of: "/") == "daily")
    }
}
