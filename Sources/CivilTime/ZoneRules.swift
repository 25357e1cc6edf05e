// A zone's UTC offsets over time, read from TZif files (RFC 8536) and POSIX TZ strings
// (IEEE Std 1003.1, "Environment Variables", TZ). The library may not use Foundation, and the
// charts need only offsets (not names), so this is a small reader of its own: the caller reads
// the file and hands over its bytes.
//
// Leap-second records (RFC 8536 §3.2 "leap second records") are skipped: the "right/" zones
// count leap seconds in their timestamps, and the station's clock does not.
//
// Contract: offsets east of UTC in whole seconds, within ±26 h (larger ones are rejected on
// parse); instants are Int64 UTC seconds, any value (rules repeat every 400 years, and sums
// saturate instead of trapping); calendar days come from `CivilDate`, proleptic Gregorian.

/// What was wrong with a TZif file or TZ string.
public struct ZoneRulesError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    public init(_ message: String) {
        self.message = message
    }
}

/// A zone's UTC offsets over time, from a TZif file.
///
/// Times are whole seconds since 1970-01-01T00:00:00Z ("UTC seconds"); offsets are seconds
/// east of UTC. Which rule decides an instant:
/// - before the table's first transition: local time type 0 (RFC 8536 §3.2);
/// - from the last transition on: the footer TZ string when it is non-empty (RFC 8536 §3.3),
///   otherwise the last transition's type;
/// - a table with no transitions: the footer when there is one, otherwise type 0 (this is
///   also what `init(posix:)` builds).
public struct ZoneRules: Sendable, Equatable {
    /// Transition instants, strictly ascending (RFC 8536 §3.2 requires it; checked on parse).
    let transitionTimes: [Int64]
    /// The offset in effect from `transitionTimes[i]` on.
    let transitionOffsets: [Int]
    /// The offset before the first transition.
    let initialOffset: Int
    /// The footer's rule, or nil for a version 1 file or an empty footer.
    let rule: PosixRule?

    /// Parses TZif version 1, 2, 3 or 4 bytes. For version ≥ 2 the 64-bit second header and
    /// data block and the footer TZ string are used; for version 1 the 32-bit block.
    public init(tzif bytes: [UInt8]) throws(ZoneRulesError) {
        var reader = TZifReader(bytes: bytes)
        let first = try reader.header()
        if first.version == 0 {
            let block = try reader.dataBlock(first, timeSize: 4)
            self.init(block: block, rule: nil)
            return
        }
        // RFC 8536 §3.1 and §4: a version 2+ reader skips the version 1 block and reads the
        // second header, whose data block has 64-bit times, then the footer.
        try reader.skipDataBlock(first, timeSize: 4)
        let second = try reader.header()
        guard second.version == first.version else {
            throw ZoneRulesError("TZif second header has version \(second.versionText) but the first has \(first.versionText)")
        }
        let block = try reader.dataBlock(second, timeSize: 8)
        let footer = try reader.footer()
        let rule: PosixRule?
        if footer.isEmpty {
            rule = nil
        } else {
            do throws(ZoneRulesError) {
                rule = try PosixRule(footer)
            } catch {
                throw ZoneRulesError("TZif footer: \(error.message)")
            }
        }
        self.init(block: block, rule: rule)
    }

    /// Parses a POSIX TZ rule string alone, e.g. "CET-1CEST,M3.5.0,M10.5.0/3" or "<+0530>-5:30".
    /// Accepts the RFC 8536 §3.3.1 extensions (rule times from -167 to 167 hours). A string with a
    /// daylight-saving name but no rules is rejected: POSIX leaves those rules to the
    /// implementation, so there is no portable answer.
    public init(posix: String) throws(ZoneRulesError) {
        let rule = try PosixRule(Array(posix.utf8))
        self.init(times: [], offsets: [], initialOffset: rule.standardOffset, rule: rule)
    }

    init(times: [Int64], offsets: [Int], initialOffset: Int, rule: PosixRule?) {
        self.transitionTimes = times
        self.transitionOffsets = offsets
        self.initialOffset = initialOffset
        self.rule = rule
    }

    private init(block: TZifBlock, rule: PosixRule?) {
        self.init(times: block.times, offsets: block.offsets, initialOffset: block.typeOffsets[0], rule: rule)
    }

    /// The offset east of UTC, in seconds, in effect at `utcSeconds`.
    public func offset(atUTC utcSeconds: Int64) -> Int {
        let times = transitionTimes
        guard let last = times.last else { return rule?.offset(atUTC: utcSeconds) ?? initialOffset }
        if utcSeconds < times[0] { return initialOffset }
        if utcSeconds >= last, let rule { return rule.offset(atUTC: utcSeconds) }
        // Largest i with times[i] <= utcSeconds; times[0] <= utcSeconds holds here.
        var lo = 0
        var hi = times.count - 1
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2
            if times[mid] <= utcSeconds { lo = mid } else { hi = mid - 1 }
        }
        return transitionOffsets[lo]
    }

    /// The UTC instant of a local wall-clock time (`localSeconds` = seconds since
    /// 1970-01-01T00:00:00 local).
    ///
    /// - A time that occurs twice (clocks set back) gives the earlier instant, i.e. it is read
    ///   with the offset in effect before the change.
    /// - A time that does not exist (clocks set forward) is also read with the offset in effect
    ///   before the gap, which lands the same number of seconds after the transition: 02:30 on a
    ///   night that jumps from 02:00 to 03:00 gives the instant shown as 03:30.
    /// Both match Python's reading of a wall-clock time with `fold=0` (PEP 495).
    public func utc(fromLocal localSeconds: Int64) -> Int64 {
        // Offsets stay within ±26 h (checked on parse), so the answer lies within this window.
        let window: Int64 = 3 * 86_400
        let lo = Self.saturating(localSeconds, -window)
        let hi = Self.saturating(localSeconds, window)
        let changes = transitions(from: lo, to: hi)
        // Constant-offset pieces of [lo, hi); the first piece containing local − offset is the
        // earliest reading.
        var start = lo
        for k in 0...changes.count {
            let end = k < changes.count ? changes[k] : hi
            let candidate = Self.saturating(localSeconds, -Int64(offset(atUTC: start)))
            if candidate >= start && candidate < end { return candidate }
            start = end
        }
        // No reading: the time is in a gap. Use the offset from before the jump.
        for change in changes where change > Int64.min {
            let before = Int64(offset(atUTC: change - 1))
            let after = Int64(offset(atUTC: change))
            if after > before && localSeconds >= Self.saturating(change, before)
                && localSeconds < Self.saturating(change, after) {
                return Self.saturating(localSeconds, -before)
            }
        }
        return Self.saturating(localSeconds, -Int64(offset(atUTC: localSeconds)))
    }

    /// The instants (UTC seconds) in [from, to) at which the offset changes, ascending.
    /// Transitions that change only the name or the DST flag are left out. At most
    /// `maxListedTransitions` are returned (the earliest), and the footer rule is followed for at
    /// most `maxRuleYears` years past `from` (and not beyond ±2^62 s) — far past any chart.
    public func transitions(from: Int64, to: Int64) -> [Int64] {
        guard from < to else { return [] }
        var candidates: [Int64] = []
        let times = transitionTimes
        // First index with times[i] >= from.
        var lo = 0
        var hi = times.count
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            if times[mid] < from { lo = mid + 1 } else { hi = mid }
        }
        var i = lo
        while i < times.count && times[i] < to && candidates.count < Self.maxListedTransitions {
            candidates.append(times[i])
            i += 1
        }
        if let rule, rule.daylight != nil {
            // The rule governs from the last transition on (or everywhere with no table).
            var ruleFrom = from
            if let last = times.last { ruleFrom = max(from, last) }
            if ruleFrom < to {
                rule.changes(from: ruleFrom, to: to, maxYears: Self.maxRuleYears,
                             limit: Self.maxListedTransitions, into: &candidates)
            }
        }
        candidates.sort()
        var out: [Int64] = []
        var previous: Int64? = nil
        for c in candidates where c != previous && out.count < Self.maxListedTransitions {
            previous = c
            guard c > Int64.min else { continue }
            if offset(atUTC: c - 1) != offset(atUTC: c) { out.append(c) }
        }
        return out
    }

    /// Caps for `transitions(from:to:)`, so an absurd range cannot take unbounded time or memory.
    public static let maxListedTransitions = 100_000
    public static let maxRuleYears: Int64 = 100_000

    /// a + b, clamped to Int64's range instead of trapping.
    static func saturating(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        if !overflow { return sum }
        return b > 0 ? Int64.max : Int64.min
    }
}

// Helpers, nested so their names cannot clash with the rest of the module.
extension ZoneRules {
    // MARK: - TZif (RFC 8536 §3)

    /// The counts of one TZif header (RFC 8536 §3.1).
    struct TZifHeader {
        /// 0 for version 1, else 2, 3 or 4.
        var version: Int
        var isutcnt: Int, isstdcnt: Int, leapcnt: Int, timecnt: Int, typecnt: Int, charcnt: Int

        var versionText: String { version == 0 ? "1" : String(version) }

        /// Bytes of the data block that follows (RFC 8536 §3.2). Counts are below 2^32, so this
        /// cannot overflow a 64-bit Int.
        func blockSize(timeSize: Int) -> Int {
            timecnt * timeSize + timecnt + typecnt * 6 + charcnt + leapcnt * (timeSize + 4) + isstdcnt + isutcnt
        }
    }

    /// The parts of a data block that offsets depend on.
    struct TZifBlock {
        var times: [Int64]
        var offsets: [Int]
        var typeOffsets: [Int]
    }

    struct TZifReader {
        let bytes: [UInt8]
        var position = 0

        init(bytes: [UInt8]) {
            self.bytes = bytes
        }

        var remaining: Int { bytes.count - position }

        /// Big-endian two's-complement integer of `size` bytes at `at`; the caller has checked bounds.
        func integer(at: Int, size: Int) -> Int64 {
            var value: UInt64 = 0
            for k in 0..<size { value = value << 8 | UInt64(bytes[at + k]) }
            if size < 8 && value & (1 << (UInt64(size) * 8 - 1)) != 0 {
                value |= ~0 << (UInt64(size) * 8)  // sign-extend
            }
            return Int64(bitPattern: value)
        }

        /// RFC 8536 §3.1: "TZif", a version byte, 15 reserved bytes, then six 32-bit counts.
        mutating func header() throws(ZoneRulesError) -> TZifHeader {
            let at = position
            guard remaining >= 44 else {
                throw ZoneRulesError("TZif truncated: header at byte \(at) needs 44 bytes, \(max(remaining, 0)) left")
            }
            guard bytes[at] == 0x54, bytes[at + 1] == 0x5A, bytes[at + 2] == 0x69, bytes[at + 3] == 0x66 else {
                throw ZoneRulesError("not a TZif file: bad magic at byte \(at) (expected \"TZif\")")
            }
            let versionByte = bytes[at + 4]
            let version: Int
            switch versionByte {
            case 0: version = 0
            case UInt8(ascii: "2")...UInt8(ascii: "4"): version = Int(versionByte - UInt8(ascii: "0"))
            default: throw ZoneRulesError("unsupported TZif version byte 0x\(String(versionByte, radix: 16))")
            }
            var counts: [Int] = []
            for k in 0..<6 {
                counts.append(Int(UInt32(truncatingIfNeeded: integer(at: at + 20 + 4 * k, size: 4))))
            }
            let header = TZifHeader(version: version, isutcnt: counts[0], isstdcnt: counts[1], leapcnt: counts[2],
                                    timecnt: counts[3], typecnt: counts[4], charcnt: counts[5])
            // RFC 8536 §3.1 constraints on the counts.
            guard header.typecnt != 0 else { throw ZoneRulesError("TZif header: typecnt is zero") }
            guard header.charcnt != 0 else { throw ZoneRulesError("TZif header: charcnt is zero") }
            guard header.isutcnt == 0 || header.isutcnt == header.typecnt else {
                throw ZoneRulesError("TZif header: isutcnt \(header.isutcnt) is neither 0 nor typecnt \(header.typecnt)")
            }
            guard header.isstdcnt == 0 || header.isstdcnt == header.typecnt else {
                throw ZoneRulesError("TZif header: isstdcnt \(header.isstdcnt) is neither 0 nor typecnt \(header.typecnt)")
            }
            position += 44
            return header
        }

        mutating func skipDataBlock(_ header: TZifHeader, timeSize: Int) throws(ZoneRulesError) {
            let size = header.blockSize(timeSize: timeSize)
            guard size <= remaining else { throw truncated(header, size: size, timeSize: timeSize) }
            position += size
        }

        private func truncated(_ header: TZifHeader, size: Int, timeSize: Int) -> ZoneRulesError {
            ZoneRulesError("TZif truncated: the counts (timecnt \(header.timecnt), typecnt \(header.typecnt), "
                + "charcnt \(header.charcnt), leapcnt \(header.leapcnt)) need a \(size)-byte \(timeSize * 8)-bit data "
                + "block at byte \(position), but \(max(remaining, 0)) bytes are left")
        }

        /// Reads one data block (RFC 8536 §3.2): transition times, their type indices, the local
        /// time type records; designations, leap seconds and indicators are checked for size only.
        mutating func dataBlock(_ header: TZifHeader, timeSize: Int) throws(ZoneRulesError) -> TZifBlock {
            let size = header.blockSize(timeSize: timeSize)
            guard size <= remaining else { throw truncated(header, size: size, timeSize: timeSize) }
            let timesAt = position
            let indicesAt = timesAt + header.timecnt * timeSize
            let typesAt = indicesAt + header.timecnt

            var typeOffsets: [Int] = []
            typeOffsets.reserveCapacity(header.typecnt)
            for k in 0..<header.typecnt {
                let at = typesAt + 6 * k
                let utoff = integer(at: at, size: 4)
                // RFC 8536 §3.2: utoff must not be -2^31 and should lie in [-89999, 93599] (under 26 h).
                // Rejecting the rest keeps every local/UTC sum far from overflow.
                guard utoff >= -89_999 && utoff <= 93_599 else {
                    throw ZoneRulesError("TZif local time type \(k): UT offset \(utoff) s is outside [-89999, 93599]")
                }
                let isdst = bytes[at + 4]
                guard isdst <= 1 else { throw ZoneRulesError("TZif local time type \(k): isdst is \(isdst), not 0 or 1") }
                let designation = Int(bytes[at + 5])
                guard designation < header.charcnt else {
                    throw ZoneRulesError("TZif local time type \(k): designation index \(designation) is beyond charcnt \(header.charcnt)")
                }
                typeOffsets.append(Int(utoff))
            }

            var times: [Int64] = []
            var offsets: [Int] = []
            times.reserveCapacity(header.timecnt)
            offsets.reserveCapacity(header.timecnt)
            for k in 0..<header.timecnt {
                let time = integer(at: timesAt + k * timeSize, size: timeSize)
                if let previous = times.last, time <= previous {
                    throw ZoneRulesError("TZif transition \(k) at \(time) is not after transition \(k - 1) at \(previous)")
                }
                let type = Int(bytes[indicesAt + k])
                guard type < header.typecnt else {
                    throw ZoneRulesError("TZif transition \(k): local time type index \(type) is out of range (typecnt \(header.typecnt))")
                }
                times.append(time)
                offsets.append(typeOffsets[type])
            }
            position += size
            return TZifBlock(times: times, offsets: offsets, typeOffsets: typeOffsets)
        }

        /// RFC 8536 §3.3: a newline, the TZ string (possibly empty), a newline.
        mutating func footer() throws(ZoneRulesError) -> [UInt8] {
            guard remaining > 0 else { throw ZoneRulesError("TZif truncated: the footer is missing") }
            guard bytes[position] == 0x0A else {
                throw ZoneRulesError("TZif footer does not start with a newline (byte \(position) is 0x\(String(bytes[position], radix: 16)))")
            }
            var end = position + 1
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            guard end < bytes.count else { throw ZoneRulesError("TZif footer: TZ string is not ended by a newline") }
            let text = Array(bytes[(position + 1)..<end])
            position = end + 1
            return text
        }
    }

    // MARK: - POSIX TZ rules (IEEE Std 1003.1 TZ; RFC 8536 §3.3)

    /// `std offset [dst [offset] [,start[/time],end[/time]]]`, offsets stored east of UTC.
    struct PosixRule: Sendable, Equatable {
        var standardOffset: Int
        var daylight: Daylight?

        struct Daylight: Sendable, Equatable {
            var offset: Int
            /// When daylight time starts, in local standard time.
            var start: Change
            /// When it ends, in local daylight time.
            var end: Change
        }

        struct Change: Sendable, Equatable {
            var day: Day
            /// Seconds after local midnight of `day`; -167 h ... 167 h (RFC 8536 §3.3.1).
            var time: Int
        }

        enum Day: Sendable, Equatable {
            /// `Jn`, 1...365: Feb 29 is never counted, so day 60 is always March 1.
            case julianSkippingLeapDay(Int)
            /// `n`, 0...365: counts Feb 29 in leap years.
            case zeroBased(Int)
            /// `Mm.w.d`: weekday d (0 = Sunday) of week w (1...5, 5 = last) of month m.
            case monthWeekDay(month: Int, week: Int, weekday: Int)
        }

        init(_ text: [UInt8]) throws(ZoneRulesError) {
            var p = PosixParser(text: text)
            let stdName = try p.name(role: "standard-time")
            guard !p.atEnd, p.peekIsOffsetStart else {
                throw p.error("missing UTC offset after standard-time name '\(stdName)'")
            }
            standardOffset = try p.offset(role: "standard-time")
            if p.atEnd {
                daylight = nil
                return
            }
            let dstName = try p.name(role: "daylight-saving")
            // POSIX: with no offset, daylight time is one hour ahead of standard time.
            var dstOffset = standardOffset + 3600
            if !p.atEnd && p.peekIsOffsetStart { dstOffset = try p.offset(role: "daylight-saving") }
            guard !p.atEnd else {
                throw p.error("daylight-saving name '\(dstName)' has no start and end rules")
            }
            try p.expect(UInt8(ascii: ","), "',' before the start rule")
            let start = try p.change(role: "start")
            guard !p.atEnd else { throw p.error("missing end rule after the start rule") }
            try p.expect(UInt8(ascii: ","), "',' before the end rule")
            let end = try p.change(role: "end")
            guard p.atEnd else { throw p.error("unexpected '\(p.currentText)' after the end rule") }
            daylight = Daylight(offset: dstOffset, start: start, end: end)
        }

        /// Seconds in 400 Gregorian years, after which the rule repeats.
        static let cycleSeconds = Int64(CivilDate.daysPerEra) * 86_400

        func offset(atUTC utc: Int64) -> Int {
            guard let daylight else { return standardOffset }
            // The rule gives the same answer one 400-year cycle later, so fold the instant into
            // [1970, 2370): no overflow for any Int64, and the years below stay small.
            let t = utc.floorMod(Self.cycleSeconds)
            let year = Self.year(ofDay: (t + Int64(standardOffset)).floorDiv(86_400))
            // Daylight time runs from a year's start to that year's end or, when the end comes
            // first in the year (southern hemisphere), to the next year's end. Periods of
            // neighbouring years that touch or overlap merge, which is how RFC 8536 §3.3.1 writes
            // daylight time all year ("EST5EDT,0/0,J365/25"). A rule time may move a change up to
            // a week into a neighbouring year and a period lasts at most about a year, so the
            // periods starting in the years around t are enough.
            var next = changeInstants(year: year - 3, daylight)
            for y in (year - 3)...(year + 1) {
                let this = next
                next = changeInstants(year: y + 1, daylight)
                let end = this.start < this.end ? this.end : next.end
                if this.start <= t && t < end { return daylight.offset }
            }
            return standardOffset
        }

        /// UTC instants of the start and end of daylight time in `year`.
        func changeInstants(year: Int64, _ daylight: Daylight) -> (start: Int64, end: Int64) {
            let start = Self.localDay(daylight.start.day, year: year) * 86_400 + Int64(daylight.start.time) - Int64(standardOffset)
            let end = Self.localDay(daylight.end.day, year: year) * 86_400 + Int64(daylight.end.time) - Int64(daylight.offset)
            return (start, end)
        }

        /// Appends the start and end instants in [from, to), for at most `maxYears` years and until
        /// `into` holds `limit` entries. Both bounds are first clamped to ±2^62 s so the day and
        /// second arithmetic stays inside Int64.
        func changes(from: Int64, to: Int64, maxYears: Int64, limit: Int, into out: inout [Int64]) {
            guard let daylight else { return }
            let bound: Int64 = 1 << 62
            let lo = min(max(from, -bound), bound)
            let hi = min(max(to, -bound), bound)
            guard lo < hi else { return }
            let firstYear = Self.year(ofDay: lo.floorDiv(86_400)) - 2
            let lastYear = min(Self.year(ofDay: hi.floorDiv(86_400)) + 2, firstYear + maxYears)
            var y = firstYear
            while y <= lastYear && out.count < limit {
                let (start, end) = changeInstants(year: y, daylight)
                if start >= from && start < to { out.append(start) }
                if end >= from && end < to { out.append(end) }
                y += 1
            }
        }

        /// The year containing day `day` (days since 1970-01-01).
        static func year(ofDay day: Int64) -> Int64 {
            Int64(CivilDate(daysSince1970: Int(day)).year)
        }

        /// Days since 1970-01-01 of the first of `month` (1...12, checked on parse) in `year`.
        static func firstDay(year: Int64, month: Int) -> Int64 {
            guard let date = CivilDate(year: Int(year), month: month, day: 1) else {
                preconditionFailure("TZ rule month \(month) is outside 1...12")
            }
            return Int64(date.daysSince1970)
        }

        /// Days since 1970-01-01 of the local date a rule names in `year`.
        static func localDay(_ day: Day, year: Int64) -> Int64 {
            let january1 = firstDay(year: year, month: 1)
            switch day {
            case .julianSkippingLeapDay(let n):
                let skip: Int64 = CivilDate.isLeapYear(Int(year)) && n >= 60 ? 1 : 0
                return january1 + Int64(n - 1) + skip
            case .zeroBased(let n):
                return january1 + Int64(n)
            case .monthWeekDay(let month, let week, let weekday):
                let first = firstDay(year: year, month: month)
                let firstMatch = first + Int64(weekday - CivilDate.weekday(daysSince1970: Int(first))).floorMod(7)
                var day = firstMatch + Int64(week - 1) * 7
                // Week 5 means the last such weekday, which may be the fourth.
                let monthLength = Int64(CivilDate.daysInMonth(year: Int(year), month: month))
                while day >= first + monthLength { day -= 7 }
                return day
            }
        }
    }

    /// A cursor over a TZ string; every read checks bounds and says what it expected.
    struct PosixParser {
        let text: [UInt8]
        var at = 0

        var atEnd: Bool { at >= text.count }
        var whole: String { String(decoding: text, as: UTF8.self) }
        var currentText: String { atEnd ? "end" : String(decoding: text[at...], as: UTF8.self) }

        var peekIsOffsetStart: Bool {
            guard !atEnd else { return false }
            let c = text[at]
            return c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || Self.isDigit(c)
        }

        static func isDigit(_ c: UInt8) -> Bool { c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") }
        static func isAlpha(_ c: UInt8) -> Bool {
            (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z"))
        }

        func error(_ why: String) -> ZoneRulesError {
            ZoneRulesError("TZ string \"\(whole)\": \(why)")
        }

        mutating func expect(_ c: UInt8, _ what: String) throws(ZoneRulesError) {
            guard !atEnd, text[at] == c else { throw error("expected \(what) at position \(at)") }
            at += 1
        }

        /// POSIX: three or more letters, or `<` three or more letters, digits, '+' or '-' `>`.
        mutating func name(role: String) throws(ZoneRulesError) -> String {
            guard !atEnd else { throw error("missing \(role) name") }
            if text[at] == UInt8(ascii: "<") {
                let open = at
                at += 1
                let begin = at
                while !atEnd && text[at] != UInt8(ascii: ">") {
                    let c = text[at]
                    guard Self.isAlpha(c) || Self.isDigit(c) || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") else {
                        throw error("character '\(String(decoding: [c], as: UTF8.self))' not allowed in quoted \(role) name")
                    }
                    at += 1
                }
                guard !atEnd else {
                    throw error("unterminated quoted \(role) name '\(String(decoding: text[open...], as: UTF8.self))' (no '>')")
                }
                let name = String(decoding: text[begin..<at], as: UTF8.self)
                at += 1
                guard name.utf8.count >= 3 else { throw error("\(role) name '<\(name)>' is shorter than 3 characters") }
                return name
            }
            let begin = at
            while !atEnd && Self.isAlpha(text[at]) { at += 1 }
            let name = String(decoding: text[begin..<at], as: UTF8.self)
            guard name.utf8.count >= 3 else {
                throw error(name.isEmpty ? "expected a \(role) name at position \(begin), found '\(currentText)'"
                                         : "\(role) name '\(name)' is shorter than 3 letters")
            }
            return name
        }

        /// Unsigned decimal of 1...maxDigits digits.
        mutating func number(maxDigits: Int, what: String) throws(ZoneRulesError) -> Int {
            let begin = at
            var value = 0
            while !atEnd && Self.isDigit(text[at]) {
                guard at - begin < maxDigits else { throw error("\(what) has more than \(maxDigits) digits") }
                value = value * 10 + Int(text[at] - UInt8(ascii: "0"))
                at += 1
            }
            guard at > begin else { throw error("expected digits for \(what) at position \(begin), found '\(currentText)'") }
            return value
        }

        /// `[+|-]h[:mm[:ss]]` as signed seconds; hours up to `maxHours`.
        mutating func hms(maxHours: Int, what: String) throws(ZoneRulesError) -> Int {
            var sign = 1
            if !atEnd && (text[at] == UInt8(ascii: "+") || text[at] == UInt8(ascii: "-")) {
                if text[at] == UInt8(ascii: "-") { sign = -1 }
                at += 1
            }
            let hours = try number(maxDigits: 3, what: "\(what) hours")
            guard hours <= maxHours else { throw error("\(what) hours \(hours) exceed \(maxHours)") }
            var minutes = 0
            var seconds = 0
            if !atEnd && text[at] == UInt8(ascii: ":") {
                at += 1
                minutes = try number(maxDigits: 2, what: "\(what) minutes")
                guard minutes <= 59 else { throw error("\(what) minutes \(minutes) exceed 59") }
                if !atEnd && text[at] == UInt8(ascii: ":") {
                    at += 1
                    seconds = try number(maxDigits: 2, what: "\(what) seconds")
                    guard seconds <= 59 else { throw error("\(what) seconds \(seconds) exceed 59") }
                }
            }
            return sign * (hours * 3600 + minutes * 60 + seconds)
        }

        /// A zone offset. POSIX counts hours west of UTC (0...24), so the sign flips to get east.
        mutating func offset(role: String) throws(ZoneRulesError) -> Int {
            let west = try hms(maxHours: 24, what: "\(role) offset")
            return -west
        }

        /// `date[/time]`; the time defaults to 02:00:00 (POSIX) and may run from -167 h to 167 h
        /// (RFC 8536 §3.3.1).
        mutating func change(role: String) throws(ZoneRulesError) -> PosixRule.Change {
            guard !atEnd else { throw error("missing \(role) rule") }
            let day: PosixRule.Day
            let c = text[at]
            if c == UInt8(ascii: "J") {
                at += 1
                let n = try number(maxDigits: 3, what: "\(role) rule day Jn")
                guard n >= 1 && n <= 365 else { throw error("\(role) rule day J\(n) is outside 1...365") }
                day = .julianSkippingLeapDay(n)
            } else if c == UInt8(ascii: "M") {
                at += 1
                let month = try number(maxDigits: 2, what: "\(role) rule month")
                guard month >= 1 && month <= 12 else { throw error("\(role) rule month \(month) is outside 1...12") }
                try expect(UInt8(ascii: "."), "'.' after the \(role) rule month")
                let week = try number(maxDigits: 1, what: "\(role) rule week")
                guard week >= 1 && week <= 5 else { throw error("\(role) rule week \(week) is outside 1...5") }
                try expect(UInt8(ascii: "."), "'.' after the \(role) rule week")
                let weekday = try number(maxDigits: 1, what: "\(role) rule weekday")
                guard weekday <= 6 else { throw error("\(role) rule weekday \(weekday) is outside 0...6") }
                day = .monthWeekDay(month: month, week: week, weekday: weekday)
            } else if Self.isDigit(c) {
                let n = try number(maxDigits: 3, what: "\(role) rule day n")
                guard n <= 365 else { throw error("\(role) rule day \(n) is outside 0...365") }
                day = .zeroBased(n)
            } else {
                throw error("\(role) rule must start with 'J', 'M' or a digit, found '\(currentText)'")
            }
            var time = 7200
            if !atEnd && text[at] == UInt8(ascii: "/") {
                at += 1
                time = try hms(maxHours: 167, what: "\(role) rule time")
            }
            return PosixRule.Change(day: day, time: time)
        }
    }
}
