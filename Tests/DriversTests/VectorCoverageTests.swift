import Testing

/// Guards the "every case of every section runs" rule: a section this target does not handle
/// must fail here rather than be skipped silently.
@Suite struct VectorCoverageTests {
    /// Sections whose cases the driver tests run.
    static let handled: Set<String> = ["bme280", "ltr559", "ads1x15_mics6814", "pms5003"]
    /// Sections owned by other targets: CPU-heat compensation is run by CollectorTests
    /// (CompensationVectorTests), over its own copy of this file.
    static let elsewhere: Set<String> = ["compensation"]
    /// Top-level keys that are metadata, not sections.
    static let metadata: Set<String> = ["about", "format_version", "variant", "generator"]

    @Test func everySectionIsHandled() {
        let keys = Set(Vectors.file.object.keys)
        let unknown = keys.subtracting(Self.handled).subtracting(Self.elsewhere).subtracting(Self.metadata)
        #expect(unknown.isEmpty, "vector sections nobody runs: \(unknown.sorted())")
        for section in Self.handled { #expect(keys.contains(section), "section \(section) missing from the vector file") }
    }

    @Test func everyHandledSectionHasCases() {
        #expect(!Vectors.cases("bme280").isEmpty)
        #expect(!Vectors.cases("ltr559").isEmpty)
        #expect(!Vectors.cases("ads1x15_mics6814").isEmpty)
        #expect(!Vectors.cases("pms5003", list: "valid_frames").isEmpty)
        #expect(!Vectors.cases("pms5003", list: "streams").isEmpty)
    }
}
