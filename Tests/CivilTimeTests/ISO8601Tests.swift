import Testing
@testable import CivilTime

@Suite struct ISO8601Tests {
    /// Reference text from Python's `datetime` (proleptic Gregorian, UTC), years zero-padded.
    static let references: [(Int64, String)] = [
        (-62_135_596_800_000, "0001-01-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
        (0, "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (-2_203_891_200_001, "1900-02-28T23:59:59.999Z"),
        (1_748_736_005_048, "2025-06-01T00:00:05.048Z"),
        (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
        (160_129_608_660_279, "7044-04-21T22:51:00.279Z"),
        (-34_954_248_008_624, "0862-05-05T22:39:51.376Z"),
        (-9_146_283_673_557, "1680-03-01T05:38:46.443Z"),
        (58_726_962_329_333, "3830-12-26T05:05:29.333Z"),
        (-13_752_629_167_912, "1534-03-14T01:13:52.088Z"),
        (173_273_423_187_802, "7460-10-25T10:26:27.802Z"),
        (73_345_151_611_791, "4294-03-20T05:13:31.791Z"),
        (248_073_100_730_329, "9831-02-15T10:38:50.329Z"),
    ]

    @Test func extendedWithMillisMatchesPythonAndParsesBack() {
        for (millis, text) in Self.references {
            #expect(ISO8601.format(millis: millis) == text)
            #expect(ISO8601.parseMillis(text) == millis, "\(text)")
        }
    }

    @Test func theOtherForms() {
        let t = CivilDateTime(millisSince1970: 1_440_938_160_900)  // 2015-08-30T12:36:00.9Z
        #expect(ISO8601.format(t, fraction: .none) == "2015-08-30T12:36:00Z")
        #expect(ISO8601.format(t, fraction: .millis) == "2015-08-30T12:36:00.900Z")
        #expect(ISO8601.basic(t) == "20150830T123600Z")
        #expect(ISO8601.basic(t.date) == "20150830")
        let early = CivilDateTime(secondsSince1970: -62_135_596_800)
        #expect(ISO8601.basic(early) == "00010101T000000Z")
        #expect(ISO8601.format(early, fraction: .none) == "0001-01-01T00:00:00Z")
        // Before year 0: a sign, then at least four digits.
        #expect(ISO8601.format(millis: -62_167_219_200_001) == "-0001-12-31T23:59:59.999Z")
        #expect(ISO8601.format(millis: 253_402_300_800_000) == "10000-01-01T00:00:00.000Z")
    }

    /// Every form `CSVImport` and the CLI accept today.
    @Test(arguments: [
        ("2025-06-01T00:00:05.048Z", 1_748_736_005_048),
        ("2025-06-01T00:00:05Z", 1_748_736_005_000),
        ("2025-06-01 00:00:05Z", 1_748_736_005_000),
        ("2025-06-01T00:00:05+00:00", 1_748_736_005_000),
        ("2025-06-01T00:00:05.5Z", 1_748_736_005_500),
        ("2025-06-01T00:00:05.04Z", 1_748_736_005_040),
        ("2025-06-01T00:00:05.048+00:00", 1_748_736_005_048),
        ("2000-02-29T23:59:59.999Z", 951_868_799_999),
        ("2024-02-29T23:59:59.999+00:00", 1_709_251_199_999),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59.999Z", -1),
        ("0000-01-01T00:00:00Z", -62_167_219_200_000),
    ] as [(String, Int64)])
    func parsesMillis(text: String, millis: Int64) {
        #expect(ISO8601.parseMillis(text) == millis)
        #expect(ISO8601.parseMillis(Substring(text)) == millis)
    }

    @Test(arguments: [
        "", "2025-06-01", "2025-06-01T00:00:05", "2025-06-01T00:00:05z", "2025-06-01T00:00:05.Z",
        "2025-06-01T00:00:05.0481Z", "2025-06-01T00:00:00.0001Z",  // finer than milliseconds would be silently lost
        "2025-06-01T00:00:05+01:00", "2025-06-01T00:00:05-00:00", "2025-06-01T00:00:05ZZ", " 2025-06-01T00:00:05Z",
        "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-02-30T00:00:00Z", "2025-04-31T00:00:00Z",
        "2025-00-01T00:00:00Z", "2025-13-01T00:00:00Z", "2025-06-00T00:00:00Z",
        "2025-06-01T24:00:00Z", "2025-06-01T00:60:00Z", "2025-06-01T00:00:60Z",
        "2025/06/01T00:00:05Z", "2025-06-01t00:00:05Z", "2025-06-01T00-00-05Z", "+025-06-01T00:00:05Z",
        "20250601T000005Z", "25-06-01T00:00:05Z", "2025-6-01T00:00:05Z", "2025-06-01T00:00:5Z", "2025-06-01T0a:00:05Z",
        "x025-06-01T00:00:00Z",
    ])
    func rejects(text: String) {
        #expect(ISO8601.parseMillis(text) == nil)
        // The S3 form takes finer fractions; everything else it rejects too.
        if !["2025-06-01T00:00:05.0481Z", "2025-06-01T00:00:00.0001Z"].contains(text) { #expect(ISO8601.parse(text) == nil) }
    }

    /// S3 listings: any number of fraction digits, kept to the nanosecond.
    @Test func parsesFinerFractions() throws {
        let t = try #require(ISO8601.parse("2009-10-12T17:50:30.123456Z"))
        #expect(t.secondsSince1970 == 1_255_369_830)
        #expect(t.nanosecond == 123_456_000)
        #expect(try #require(ISO8601.parse("2009-10-12T17:50:30.123456789987Z")).nanosecond == 123_456_789)
        #expect(try #require(ISO8601.parse("2009-10-12T17:50:30.000Z")).secondsSince1970 == 1_255_369_830)
        #expect(try #require(ISO8601.parse("2009-10-12T17:50:30Z")).nanosecond == 0)
    }

    @Test func httpDates() {
        #expect(HTTPDate.parseSeconds("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parseSeconds("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
        #expect(HTTPDate.parseSeconds("Tue, 29 Feb 2000 12:00:00 GMT") == 951_825_600)
        #expect(HTTPDate.parseSeconds("Wed, 31 Dec 1969 23:59:59 GMT") == -1)
        // The day name is not checked (S3 sends the right one; a wrong one changes nothing).
        #expect(HTTPDate.parseSeconds("Mon, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
        // A leap second reads as the next minute's first second.
        #expect(HTTPDate.parseSeconds("Sat, 31 Dec 2016 23:59:60 GMT") == 1_483_228_800)
        // The obsolete forms, other zones and impossible dates are not read.
        #expect(HTTPDate.parseSeconds("Sunday, 06-Nov-94 08:49:37 GMT") == nil)
        #expect(HTTPDate.parseSeconds("Sun Nov  6 08:49:37 1994") == nil)
        #expect(HTTPDate.parseSeconds("Sun, 06 Nov 1994 08:49:37 UTC") == nil)
        #expect(HTTPDate.parseSeconds("Sun, 06 Nov 1994 08:49:37 +0000") == nil)
        #expect(HTTPDate.parseSeconds("Sun, 06 Nox 1994 08:49:37 GMT") == nil)
        #expect(HTTPDate.parseSeconds("Fri, 30 Feb 2024 00:00:00 GMT") == nil)
        #expect(HTTPDate.parseSeconds("Sun, 06 Nov 1994 24:00:00 GMT") == nil)
        #expect(HTTPDate.parseSeconds("Sun, 06 Nov 1994 08:60:00 GMT") == nil)
        #expect(HTTPDate.parseSeconds("Sun, 06 Nov 1994 08:49:61 GMT") == nil)
        #expect(HTTPDate.parseSeconds("Sun, 06 Nov 1994 08:49 GMT") == nil)
        #expect(HTTPDate.parseSeconds("") == nil)
    }

    /// Format then parse gives back the instant, across the four-digit years.
    @Test func roundTripsAcrossTheRange() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        let low: Int64 = -62_167_219_200_000  // 0000-01-01
        let span = UInt64(253_402_300_799_999 - low + 1)
        for _ in 0..<20_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let millis = low + Int64((state >> 11) % span)
            let text = ISO8601.format(millis: millis)
            #expect(text.utf8.count == 24 && ISO8601.parseMillis(text) == millis, "\(millis) → \(text)")
        }
    }
}
