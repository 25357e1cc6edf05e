import Foundation
import Testing
@testable import CivilTime

// Reference values come from Python's zoneinfo reading the same fixture files
// (Fixtures/zoneinfo/make-expected.py writes expected.tsv; its header explains the records).

private func fixtureURL(_ relative: String) -> URL? {
    Bundle.module.resourceURL?.appendingPathComponent("Fixtures/zoneinfo/" + relative)
}

private func fixtureBytes(_ zone: String) throws -> [UInt8] {
    let url = try #require(fixtureURL(zone))
    return [UInt8](try Data(contentsOf: url))
}

private func rules(_ zone: String) throws -> ZoneRules {
    try ZoneRules(tzif: fixtureBytes(zone))
}

/// One zone's section of expected.tsv.
struct ZoneRulesExpected: Sendable, CustomStringConvertible {
    struct Change: Sendable {
        var utc: Int64, before: Int, after: Int
        /// UTC minus `utc` for the wall-clock times lo-1, lo, mid, hi-1, hi (see make-expected.py).
        var localDeltas: [Int64]
    }

    var name: String
    var start: Int64 = 0, step: Int64 = 0, count = 0, end: Int64 = 0
    var runs: [(count: Int, offset: Int)] = []
    var changes: [Change] = []

    var description: String { name }

    func load() throws -> ZoneRules {
        if name.hasPrefix("posix:") { return try ZoneRules(posix: String(name.dropFirst(6))) }
        return try rules(name)
    }
}

private let expectedZones: [ZoneRulesExpected] = {
    guard let url = Bundle.module.url(forResource: "expected", withExtension: "tsv", subdirectory: "Fixtures/zoneinfo"),
          let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    var zones: [ZoneRulesExpected] = []
    for line in text.split(separator: "\n") {
        let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        switch f[0] {
        case "Z": zones.append(ZoneRulesExpected(name: f[1]))
        case "G":
            zones[zones.count - 1].start = Int64(f[1])!
            zones[zones.count - 1].step = Int64(f[2])!
            zones[zones.count - 1].count = Int(f[3])!
            zones[zones.count - 1].end = Int64(f[4])!
        case "R": zones[zones.count - 1].runs.append((Int(f[1])!, Int(f[2])!))
        case "E":
            zones[zones.count - 1].changes.append(.init(
                utc: Int64(f[1])!, before: Int(f[2])!, after: Int(f[3])!, localDeltas: f[4...].map { Int64($0)! }))
        default: break
        }
    }
    return zones
}()

private let fixtureNames = [
    "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Australia/Sydney", "Asia/Kolkata",
    "America/Sao_Paulo", "Pacific/Apia", "Europe/Dublin", "America/St_Johns", "Etc/UTC", "Test/Slim",
]

/// Seconds since 1970-01-01 of a civil date and time (UTC or local, as the caller means it).
private func seconds(_ y: Int, _ m: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Int64 {
    var c = DateComponents()
    (c.year, c.month, c.day, c.hour, c.minute, c.second) = (y, m, d, h, mi, s)
    var cal = Foundation.Calendar(identifier: .gregorian)
    cal.timeZone = TimeZone(identifier: "UTC")!
    return Int64(cal.date(from: c)!.timeIntervalSince1970)
}

/// A TZif file built field by field (RFC 8536 §3), for the slim and the malformed cases.
private struct TZifBuilder {
    var version: UInt8 = UInt8(ascii: "2")
    var times: [Int64] = []
    var indices: [UInt8] = []
    /// (utoff, isdst, designation index)
    var types: [(Int32, UInt8, UInt8)] = [(0, 0, 0)]
    var chars: [UInt8] = Array("UTC\0".utf8)
    var footer: String = ""
    /// Overrides for header counts of the 64-bit block: (isut, isstd, leap, time, type, char).
    var counts: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)? = nil

    func bytes() -> [UInt8] {
        func be32(_ v: UInt32) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> $0) } }
        func be64(_ v: Int64) -> [UInt8] { [56, 48, 40, 32, 24, 16, 8, 0].map { UInt8(truncatingIfNeeded: v >> Int64($0)) } }
        func header(_ c: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)) -> [UInt8] {
            Array("TZif".utf8) + [version] + [UInt8](repeating: 0, count: 15)
                + be32(c.0) + be32(c.1) + be32(c.2) + be32(c.3) + be32(c.4) + be32(c.5)
        }
        func block(wide: Bool) -> [UInt8] {
            var out: [UInt8] = []
            for t in times { out += wide ? be64(t) : be32(UInt32(truncatingIfNeeded: Int32(clamping: t))) }
            out += indices
            for (off, dst, idx) in types { out += be32(UInt32(bitPattern: off)) + [dst, idx] }
            return out + chars
        }
        let natural = (UInt32(0), UInt32(0), UInt32(0), UInt32(times.count), UInt32(types.count), UInt32(chars.count))
        var out = header(natural) + block(wide: false)
        if version == 0 { return out }
        out += header(counts ?? natural) + block(wide: true)
        return out + Array("\n\(footer)\n".utf8)
    }
}

private func expectError(_ bytes: [UInt8], mentioning words: String..., sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try ZoneRules(tzif: bytes)
        Issue.record("parsed without an error", sourceLocation: sourceLocation)
    } catch {
        for w in words {
            #expect(error.message.contains(w), "\"\(error.message)\" should mention \(w)", sourceLocation: sourceLocation)
        }
    }
}

@Suite struct ZoneRulesTests {
    // MARK: Against Python's zoneinfo

    @Test func expectedFileCoversEveryFixture() {
        let names = Set(expectedZones.map(\.name))
        for n in fixtureNames { #expect(names.contains(n), "\(n)") }
        #expect(expectedZones.count >= 20)
    }

    @Test(arguments: expectedZones)
    func offsetsMatchPython(_ zone: ZoneRulesExpected) throws {
        let r = try zone.load()
        // The grid of samples, ~11 days apart.
        var i = 0
        var mismatches = 0
        for run in zone.runs {
            for _ in 0..<run.count {
                let t = zone.start + Int64(i) * zone.step
                let got = r.offset(atUTC: t)
                if got != run.offset && mismatches < 5 {
                    mismatches += 1
                    Issue.record("\(zone.name) at \(t): \(got), expected \(run.offset)")
                }
                i += 1
            }
        }
        #expect(i == zone.count, "\(zone.name)")
        // Each change, to the second.
        for c in zone.changes {
            #expect(r.offset(atUTC: c.utc - 1) == c.before, "\(zone.name) before \(c.utc)")
            #expect(r.offset(atUTC: c.utc) == c.after, "\(zone.name) at \(c.utc)")
            #expect(r.offset(atUTC: c.utc + 1) == c.after, "\(zone.name) after \(c.utc)")
        }
        // The change list itself.
        #expect(r.transitions(from: zone.start, to: zone.end) == zone.changes.map(\.utc), "\(zone.name)")
    }

    @Test(arguments: expectedZones)
    func wallClockTimesAroundChangesMatchPython(_ zone: ZoneRulesExpected) throws {
        let r = try zone.load()
        for c in zone.changes {
            let lo = c.utc + Int64(min(c.before, c.after)), hi = c.utc + Int64(max(c.before, c.after))
            let locals = [lo - 1, lo, lo + (hi - lo) / 2, hi - 1, hi]
            for (local, delta) in zip(locals, c.localDeltas) {
                #expect(r.utc(fromLocal: local) == c.utc + delta, "\(zone.name): local \(local) near \(c.utc)")
            }
        }
    }

    // MARK: Wall clock

    @Test(arguments: fixtureNames)
    func ordinaryLocalTimesRoundTrip(_ name: String) throws {
        let r = try rules(name)
        var t: Int64 = seconds(1901, 1, 1)
        let stop = seconds(2099, 1, 1)
        while t < stop {
            // Away from any change, each local time has exactly one instant.
            if r.transitions(from: t - 2 * 86_400, to: t + 2 * 86_400).isEmpty {
                #expect(r.utc(fromLocal: t + Int64(r.offset(atUTC: t))) == t, "\(name) at \(t)")
            }
            t += 86_400 * 7 + 3_677
        }
    }

    @Test func berlinGapAndOverlapIn2026() throws {
        let berlin = try rules("Europe/Berlin")
        let forward = seconds(2026, 3, 29, 1)  // 02:00 CET becomes 03:00 CEST
        let back = seconds(2026, 10, 25, 1)    // 03:00 CEST becomes 02:00 CET
        #expect(berlin.transitions(from: seconds(2026, 1, 1), to: seconds(2027, 1, 1)) == [forward, back])
        #expect(berlin.offset(atUTC: forward - 1) == 3600)
        #expect(berlin.offset(atUTC: forward) == 7200)
        #expect(berlin.offset(atUTC: back - 1) == 7200)
        #expect(berlin.offset(atUTC: back) == 3600)
        // 02:30 does not exist on 29 March: read with CET, i.e. the instant shown as 03:30 CEST.
        let gap = berlin.utc(fromLocal: seconds(2026, 3, 29, 2, 30))
        #expect(gap == seconds(2026, 3, 29, 1, 30))
        #expect(gap + Int64(berlin.offset(atUTC: gap)) == seconds(2026, 3, 29, 3, 30))
        #expect(berlin.utc(fromLocal: seconds(2026, 3, 29, 2, 0)) == forward)
        #expect(berlin.utc(fromLocal: seconds(2026, 3, 29, 1, 59, 59)) == forward - 1)
        #expect(berlin.utc(fromLocal: seconds(2026, 3, 29, 3, 0)) == forward)
        // 02:30 happens twice on 25 October: the first (CEST) one.
        #expect(berlin.utc(fromLocal: seconds(2026, 10, 25, 2, 30)) == seconds(2026, 10, 25, 0, 30))
        #expect(berlin.utc(fromLocal: seconds(2026, 10, 25, 2, 0)) == seconds(2026, 10, 25, 0, 0))
        #expect(berlin.utc(fromLocal: seconds(2026, 10, 25, 2, 59, 59)) == back - 1)
        #expect(berlin.utc(fromLocal: seconds(2026, 10, 25, 3, 0)) == back + 3600)
    }

    @Test func lordHoweHalfHourGapAndOverlap() throws {
        let lh = try rules("Australia/Lord_Howe")
        // 5 April 2026: 02:00 +11 becomes 01:30 +10:30, so 01:30–02:00 happens twice.
        #expect(lh.utc(fromLocal: seconds(2026, 4, 5, 1, 45)) == seconds(2026, 4, 4, 14, 45))
        #expect(lh.offset(atUTC: seconds(2026, 4, 4, 14, 59, 59)) == 39_600)
        #expect(lh.offset(atUTC: seconds(2026, 4, 4, 15)) == 37_800)
        // 4 October 2026: 02:00 +10:30 becomes 02:30 +11; 02:15 is read with +10:30 (shown 02:45).
        let gap = lh.utc(fromLocal: seconds(2026, 10, 4, 2, 15))
        #expect(gap == seconds(2026, 10, 3, 15, 45))
        #expect(gap + Int64(lh.offset(atUTC: gap)) == seconds(2026, 10, 4, 2, 45))
    }

    // MARK: Slim files: the footer carries every date after the table

    @Test func zicSlimFixtureUsesTheFooterAfterItsTable() throws {
        let slim = try rules("Test/Slim")
        let sydney = try ZoneRules(posix: "AEST-10AEDT,M10.1.0,M4.1.0/3")
        #expect(slim.transitionTimes.count < 10, "the fixture is meant to be slim")
        #expect((slim.transitionTimes.last ?? 0) < seconds(2000, 1, 1))
        var t = seconds(2040, 1, 1)
        while t < seconds(2100, 1, 1) {
            #expect(slim.offset(atUTC: t) == sydney.offset(atUTC: t), "\(t)")
            t += 86_400 * 5 + 1_234
        }
        #expect(slim.transitions(from: seconds(2040, 1, 1), to: seconds(2100, 1, 1))
            == sydney.transitions(from: seconds(2040, 1, 1), to: seconds(2100, 1, 1)))
    }

    @Test func handBuiltSlimFileUsesTheFooterFrom2040To2100() throws {
        // One transition in 1990, then only the rule: a v2 file as `zic -b slim` would shape it.
        var b = TZifBuilder()
        b.types = [(36_000, 0, 0), (39_600, 1, 5)]
        b.chars = Array("AEST\0AEDT\0".utf8)
        b.times = [seconds(1990, 3, 3, 16)]
        b.indices = [0]
        b.footer = "AEST-10AEDT,M10.1.0,M4.1.0/3"
        let r = try ZoneRules(tzif: b.bytes())
        #expect(r.offset(atUTC: seconds(1980, 1, 1)) == 36_000)  // type 0 before the table
        for (y, summer, winter) in [(2040, 39_600, 36_000), (2071, 39_600, 36_000), (2100, 39_600, 36_000)] {
            #expect(r.offset(atUTC: seconds(y, 1, 15)) == summer, "\(y)")
            #expect(r.offset(atUTC: seconds(y, 7, 15)) == winter, "\(y)")
        }
        // 2040: DST ends Sunday 1 April 03:00 AEDT (16:00Z on 31 March), starts Sunday
        // 7 October 02:00 AEST (16:00Z on 6 October).
        #expect(r.transitions(from: seconds(2040, 1, 1), to: seconds(2041, 1, 1))
            == [seconds(2040, 3, 31, 16), seconds(2040, 10, 6, 16)])
        #expect(r.transitions(from: seconds(2040, 1, 1), to: seconds(2100, 1, 1)).count == 120)
        // A version 1 file with the same table has no footer: the last type stays.
        b.version = 0
        let v1 = try ZoneRules(tzif: b.bytes())
        #expect(v1.offset(atUTC: seconds(2040, 1, 15)) == 36_000)
        #expect(v1.transitions(from: seconds(2000, 1, 1), to: seconds(2100, 1, 1)).isEmpty)
    }

    @Test func emptyFooterKeepsTheLastType() throws {
        var b = TZifBuilder()
        b.types = [(3600, 0, 0), (7200, 1, 0)]
        b.times = [0, 1_000_000]
        b.indices = [1, 0]
        let r = try ZoneRules(tzif: b.bytes())
        #expect(r.offset(atUTC: -1) == 3600)
        #expect(r.offset(atUTC: 0) == 7200)
        #expect(r.offset(atUTC: 999_999) == 7200)
        #expect(r.offset(atUTC: 1_000_000) == 3600)
        #expect(r.offset(atUTC: Int64.max) == 3600)
        #expect(r.transitions(from: Int64.min, to: Int64.max) == [0, 1_000_000])
    }

    // MARK: POSIX strings

    @Test func posixStringsOnSampleDates() throws {
        let kolkataLike = try ZoneRules(posix: "<+0530>-5:30")
        #expect(kolkataLike.offset(atUTC: seconds(2026, 6, 1)) == 19_800)
        #expect(kolkataLike.transitions(from: 0, to: seconds(2100, 1, 1)).isEmpty)
        #expect(try ZoneRules(posix: "<-03>3").offset(atUTC: seconds(2030, 1, 1)) == -10_800)

        let ny = try ZoneRules(posix: "EST5EDT,M3.2.0,M11.1.0")
        #expect(ny.transitions(from: seconds(2026, 1, 1), to: seconds(2027, 1, 1)) == [seconds(2026, 3, 8, 7), seconds(2026, 11, 1, 6)])

        let berlin = try ZoneRules(posix: "CET-1CEST,M3.5.0,M10.5.0/3")
        #expect(berlin.offset(atUTC: seconds(2026, 7, 1)) == 7200)
        #expect(berlin.offset(atUTC: seconds(2026, 12, 1)) == 3600)

        // Israel: the Friday before the last Sunday of March, written as Thursday 26:00.
        let israel = try ZoneRules(posix: "IST-2IDT,M3.4.4/26,M10.5.0")
        #expect(israel.transitions(from: seconds(2026, 1, 1), to: seconds(2027, 1, 1))
            == [seconds(2026, 3, 27, 0), seconds(2026, 10, 24, 23)])

        // Julian forms: J60 is 1 March in every year; 59 (zero-based) is 29 February in a leap year.
        let j = try ZoneRules(posix: "AAA3BBB,J60/2,J300/2")
        let n = try ZoneRules(posix: "AAA3BBB,59/2,299/2")
        #expect(j.transitions(from: seconds(2028, 1, 1), to: seconds(2028, 6, 1)) == [seconds(2028, 3, 1, 5)])
        #expect(n.transitions(from: seconds(2028, 1, 1), to: seconds(2028, 6, 1)) == [seconds(2028, 2, 29, 5)])
        #expect(n.transitions(from: seconds(2027, 1, 1), to: seconds(2027, 6, 1)) == [seconds(2027, 3, 1, 5)])

        // Southern hemisphere and negative DST: daylight time spans the new year.
        let sydney = try ZoneRules(posix: "AEST-10AEDT,M10.1.0,M4.1.0/3")
        #expect(sydney.offset(atUTC: seconds(2027, 1, 1)) == 39_600)
        #expect(sydney.offset(atUTC: seconds(2026, 12, 31, 23, 59, 59)) == 39_600)
        #expect(sydney.offset(atUTC: seconds(2027, 6, 1)) == 36_000)
        let dublin = try ZoneRules(posix: "IST-1GMT0,M10.5.0,M3.5.0/1")
        #expect(dublin.offset(atUTC: seconds(2027, 1, 1)) == 0)
        #expect(dublin.offset(atUTC: seconds(2027, 7, 1)) == 3600)

        // Daylight time all year (RFC 8536 §3.3.1): the change at the new year is no change.
        let always = try ZoneRules(posix: "EST5EDT,0/0,J365/25")
        #expect(always.offset(atUTC: seconds(2026, 1, 1, 5)) == -14_400)
        #expect(always.offset(atUTC: seconds(2026, 7, 1)) == -14_400)
        #expect(always.transitions(from: seconds(2020, 1, 1), to: seconds(2030, 1, 1)).isEmpty)

        // Negative rule times and the hour limits of RFC 8536 §3.3.1.
        #expect(throws: Never.self) { try ZoneRules(posix: "<-02>2<-01>,M3.5.0/-1,M10.5.0/0") }
        #expect(throws: Never.self) { try ZoneRules(posix: "XXX3YYY,M3.5.0/167,M10.5.0/-167") }
    }

    @Test func extremeInstantsDoNotTrap() throws {
        let ny = try rules("America/New_York")
        let posix = try ZoneRules(posix: "EST5EDT,M3.2.0,M11.1.0")
        for r in [ny, posix] {
            for t in [Int64.min, Int64.min + 1, -(1 << 62), 1 << 62, Int64.max - 1, Int64.max] {
                let o = r.offset(atUTC: t)
                #expect(o == -18_000 || o == -14_400 || o == -17_762)
                _ = r.utc(fromLocal: t)
            }
            let all = r.transitions(from: Int64.min, to: Int64.max)
            #expect(all.count <= ZoneRules.maxListedTransitions)
            #expect(zip(all, all.dropFirst()).allSatisfy { $0 < $1 })
        }
        // The rule repeats every 400 years, so far-off years still follow it.
        #expect(posix.offset(atUTC: seconds(2026, 7, 1) + 146_097 * 86_400 * 1000) == -14_400)
    }

    // MARK: Bad input

    @Test func badPosixStringsSayWhatIsWrong() {
        let cases: [(String, String)] = [
            ("CET-1CEST,M13.5.0,M10.5.0", "month 13"),
            ("ABC", "missing UTC offset"),
            ("<+05", "unterminated"),
            ("CET-1CEST,M3.5.0", "missing end rule"),
            ("", "missing standard-time name"),
            ("C1", "shorter than 3"),
            ("<+5>-5", "shorter than 3"),
            ("<+0/5>-5", "not allowed"),
            ("CET-25", "exceed 24"),
            ("CET-1:60", "minutes 60"),
            ("CET-1CEST", "no start and end rules"),
            ("CET-1CEST;M3.5.0,M10.5.0", "','"),
            ("CET-1CEST,M3.6.0,M10.5.0", "week 6"),
            ("CET-1CEST,M3.5.7,M10.5.0", "weekday 7"),
            ("CET-1CEST,M3.0.0,M10.5.0", "week 0"),
            ("CET-1CEST,M3.5,M10.5.0", "'.'"),
            ("CET-1CEST,J0,J365", "J0"),
            ("CET-1CEST,J366,J365", "J366"),
            ("CET-1CEST,366,300", "366"),
            ("CET-1CEST,M3.5.0/168,M10.5.0", "exceed 167"),
            ("CET-1CEST,M3.5.0,M10.5.0/-168", "exceed 167"),
            ("CET-1CEST,M3.5.0,M10.5.0x", "unexpected 'x'"),
            ("CET-1CEST,X3.5.0,M10.5.0", "must start with"),
            ("CET-1CEST,M3.5.0,", "missing end rule"),
            ("CET-1!", "expected a daylight-saving name"),
            (":Europe/Berlin", "expected a standard-time name"),
            ("CET-1CEST,M3.5.0,M10.5.0/1:", "expected digits"),
            ("CET-123456789", "more than 3 digits"),
        ]
        for (text, word) in cases {
            do {
                _ = try ZoneRules(posix: text)
                Issue.record("\"\(text)\" parsed")
            } catch {
                #expect(error.message.contains(word), "\"\(text)\": \(error.message)")
                #expect(error.description == error.message)
            }
        }
    }

    @Test func badFilesSayWhatIsWrong() throws {
        expectError([], mentioning: "truncated", "header")
        expectError(Array("TZif".utf8), mentioning: "truncated")
        var berlin = try fixtureBytes("Europe/Berlin")
        let good = berlin
        berlin[0] = UInt8(ascii: "X")
        expectError(berlin, mentioning: "magic")
        expectError(Array("<html>not a zone file at all, just some text to be long enough</html>".utf8), mentioning: "magic")
        berlin = good
        berlin[4] = UInt8(ascii: "9")
        expectError(berlin, mentioning: "version")
        // timecnt of the first header set to 0xFFFFFFFF.
        berlin = good
        for k in 32..<36 { berlin[k] = 0xFF }
        expectError(berlin, mentioning: "truncated", "timecnt 4294967295")
        // typecnt zero, isutcnt not matching.
        var b = TZifBuilder()
        b.counts = (0, 0, 0, 0, 0, 4)
        expectError(b.bytes(), mentioning: "typecnt is zero")
        b.counts = (3, 0, 0, 0, 1, 4)
        expectError(b.bytes(), mentioning: "isutcnt 3")
        b.counts = (0, 0, 0, 0, 1, 0)
        expectError(b.bytes(), mentioning: "charcnt is zero")
        b.counts = (0, 0, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF)
        expectError(b.bytes(), mentioning: "truncated")
        // A transition pointing past the types.
        b = TZifBuilder()
        b.times = [100]
        b.indices = [1]
        expectError(b.bytes(), mentioning: "type index 1", "out of range")
        // Times out of order.
        b.types = [(0, 0, 0), (3600, 1, 0)]
        b.times = [200, 100]
        b.indices = [1, 0]
        expectError(b.bytes(), mentioning: "not after")
        // Bad type records.
        b = TZifBuilder()
        b.types = [(Int32.min, 0, 0)]
        expectError(b.bytes(), mentioning: "UT offset")
        b.types = [(0, 2, 0)]
        expectError(b.bytes(), mentioning: "isdst")
        b.types = [(0, 0, 9)]
        expectError(b.bytes(), mentioning: "designation index 9")
        // Footers.
        b = TZifBuilder()
        for (footer, word) in [("CET-1CEST,M13.5.0,M10.5.0", "month 13"), ("ABC", "missing UTC offset"),
                               ("<+05", "unterminated"), ("CET-1CEST,M3.5.0", "missing end rule")] {
            b.footer = footer
            expectError(b.bytes(), mentioning: "footer", word)
        }
        b.footer = "UTC0"
        var bytes = b.bytes()
        bytes.removeLast()
        expectError(bytes, mentioning: "footer", "newline")
        bytes = b.bytes()
        bytes[bytes.count - 6] = UInt8(ascii: "x")
        expectError(bytes, mentioning: "footer", "newline")
        // The second header's version must match the first.
        bytes = b.bytes()
        let second = 44 + 6 + 4
        bytes[second + 4] = UInt8(ascii: "3")
        expectError(bytes, mentioning: "version")
        #expect(throws: Never.self) { try ZoneRules(tzif: b.bytes()) }
    }

    @Test(arguments: ["Europe/Berlin", "Asia/Kolkata", "Etc/UTC", "Test/Slim"])
    func everyTruncationThrows(_ name: String) throws {
        let bytes = try fixtureBytes(name)
        #expect(throws: Never.self) { try ZoneRules(tzif: bytes) }
        for n in 0..<bytes.count {
            #expect(throws: ZoneRulesError.self, "\(name) cut to \(n) bytes") { try ZoneRules(tzif: Array(bytes[..<n])) }
        }
    }

    @Test func fixturesAreRealVersion2PlusFiles() throws {
        for name in fixtureNames {
            let bytes = try fixtureBytes(name)
            #expect(bytes.starts(with: Array("TZif".utf8)), "\(name)")
            #expect(bytes[4] >= UInt8(ascii: "2"), "\(name)")
            #expect(throws: Never.self, "\(name)") { try ZoneRules(tzif: bytes) }
        }
    }
}
