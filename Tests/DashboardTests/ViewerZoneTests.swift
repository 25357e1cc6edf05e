import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import Dashboard

/// The tz database fixtures (real tzdata files, copied into the test bundle).
let fixtureZones: ZoneDatabase = {
    let url = Bundle.module.url(forResource: "zoneinfo", withExtension: nil, subdirectory: "Fixtures")
    return ZoneDatabase(root: url?.path ?? "/nonexistent")
}()

private let hour: Int64 = 3_600_000
/// 2026-10-25T00:00:00Z: Europe/Berlin sets clocks back from 03:00 CEST to 02:00 CET at 01:00Z.
private let fallBack: Int64 = 1_792_886_400_000
/// 2026-03-29T00:00:00Z: Europe/Berlin sets clocks forward from 02:00 CET to 03:00 CEST at 01:00Z.
private let springForward: Int64 = 1_774_742_400_000

@Suite struct ViewerZoneTests {
    func berlin() throws -> ViewerZone { try #require(fixtureZones.zone(named: "Europe/Berlin")) }

    @Test func namesAreCheckedBeforeAnyFileIsOpened() {
        for good in ["Europe/Berlin", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+5", "America/Port-au-Prince"] {
            #expect(ZoneDatabase.isZoneName(good), "\(good)")
        }
        for bad in ["", "../etc/passwd", "Europe/../../etc/passwd", "/etc/passwd", "Europe//Berlin", "Europe/", ".hidden",
                    "Europe/Berlin\u{0}", "Europe Berlin", "Europe/Berlin;", String(repeating: "A", count: 65)] {
            #expect(!ZoneDatabase.isZoneName(bad), "\(bad)")
        }
        #expect(fixtureZones.zone(named: "Mars/Olympus_Mons") == nil)
        #expect(fixtureZones.zone(named: "Europe") == nil)  // a folder, not a zone
    }

    @Test func labelsFollowTheOffsetOnEachSideOfAChange() throws {
        let z = try berlin()
        #expect(z.isNamed)
        // 00:30Z is 02:30 CEST; 01:30Z is 02:30 CET: the same label, an hour apart.
        #expect(LocalTime.format(fallBack + hour / 2, zone: z, .fullSeconds) == "2026-10-25 02:30:00")
        #expect(LocalTime.format(fallBack + 3 * hour / 2, zone: z, .fullSeconds) == "2026-10-25 02:30:00")
        #expect(LocalTime.format(fallBack + 3 * hour, zone: z, .time) == "04:00")
        #expect(z.offsetMinutes(at: fallBack) == 120)
        #expect(z.offsetMinutes(at: fallBack + 2 * hour) == 60)
        #expect(z.label(from: fallBack - 86_400_000, to: fallBack + 86_400_000) == "Europe/Berlin (UTC+02:00 → +01:00)")
        #expect(z.label(from: fallBack + hour, to: fallBack + 2 * hour) == "Europe/Berlin (UTC+01:00)")
        #expect(ViewerZone.fixed(minutes: 330).label(from: 0, to: 1) == "UTC+05:30")
        #expect(ViewerZone.utc.label(from: 0, to: 1) == "UTC")
    }

    @Test func localTimesOfACustomRangeAreReadInTheZone() throws {
        let z = try berlin()
        // Summer and winter: two different offsets.
        #expect(ViewRange.parseTime("2026-07-01T12:00", zone: z) == 1_782_907_200_000 - 2 * hour)
        #expect(ViewRange.parseTime("2026-12-01T12:00", zone: z) == 1_796_126_400_000 - hour)
        // 02:30 happens twice on the night clocks go back: the first one (CEST).
        #expect(ViewRange.parseTime("2026-10-25T02:30", zone: z) == fallBack + hour / 2)
        // 02:30 never happens on the night clocks go forward: read with the offset before the
        // jump (CET), which is 03:30 CEST.
        #expect(ViewRange.parseTime("2026-03-29T02:30", zone: z) == springForward + 3 * hour / 2)
        // UTC stays UTC.
        #expect(ViewRange.parseTime("2026-10-25T02:30:00Z", zone: z) == fallBack + 5 * hour / 2)
    }

    @Test(arguments: [(fallBack, "clocks back"), (springForward, "clocks forward")])
    func ticksStayOnRoundLocalHoursAcrossAChange(_ change: Int64, _ what: String) throws {
        let z = try berlin()
        // 24 hours around the change, as the 24h preset draws them.
        let from = change - 12 * hour, to = change + 12 * hour
        let choice = TimeTicks.choose(from: from, to: to, zone: z, plotWidth: 460, charWidth: 8)
        #expect(choice.ticks.count >= 3, "\(what)")
        for t in choice.ticks {
            let local = t + z.offsetMillis(at: t)
            #expect(local % choice.step == 0, "\(what): tick \(t) at local \(LocalTime.format(t, zone: z, .full))")
            #expect(t >= from && t < to)
        }
        // Instants between ticks: the step, except across the change (an hour more or less).
        let gaps = Set(zip(choice.ticks, choice.ticks.dropFirst()).map { $1 - $0 })
        #expect(gaps.count == 2, "\(what): \(gaps)")
        #expect(gaps.contains(choice.step))
        #expect(gaps.contains(choice.step + (change == fallBack ? hour : -hour)), "\(what): \(gaps)")
    }

    @Test func aFixedZoneTicksAsBefore() {
        // With a fixed offset the ticks are those of the plain local grid.
        let from: Int64 = 1_780_491_900_000, to = from + 86_400_000
        let choice = TimeTicks.choose(from: from, to: to, zone: .fixed(minutes: 330), plotWidth: 460, charWidth: 8)
        #expect(choice.ticks.allSatisfy { ($0 + 330 * 60_000) % choice.step == 0 })
        #expect(Set(zip(choice.ticks, choice.ticks.dropFirst()).map { $1 - $0 }) == [choice.step])
    }
}

@Suite struct ViewerZoneRouteTests {
    func dashboard() throws -> (TestLake, Dashboard) {
        let lake = try TestLake()
        for k in 0..<8 { try lake.batch(station: "a", start: june1 + Int64(k) * 900_000) }
        let now = june1 + 2 * hour + 120_000
        return (lake, Dashboard(view: LakeView(dataRoot: lake.data, healthRoot: nil), zones: fixtureZones, now: { now }))
    }

    @Test func theBrowsersZoneNameWinsOverItsOffsetAndIsEchoed() async throws {
        let (lake, d) = try dashboard()
        // June: Berlin is UTC+02:00. The last reading, 01:59:55Z, is 03:59:55 there.
        let named = try await get(d, "/stations/a?range=24h", cookie: "tzname=Europe/Berlin; tz=60")
        #expect(named.status == 200)
        #expect(named.body.contains("data-tz=\"120\""))
        #expect(named.body.contains("data-zone=\"Europe/Berlin\""))
        #expect(named.body.contains("times in Europe/Berlin (UTC+02:00)"))
        #expect(named.body.contains(">2026-06-01 03:59:55<"))
        #expect(named.body.contains("data-zone=\"Europe/Berlin\" font-family"))  // the charts say it too
        // A name the database does not hold: the offset cookie is used, the name still echoed
        // (so the page's script does not reload again and again).
        let unknown = try await get(d, "/", cookie: "tzname=Nowhere/Land; tz=60")
        #expect(unknown.body.contains("data-tz=\"60\""))
        #expect(unknown.body.contains("data-zone=\"Nowhere/Land\""))
        #expect(unknown.body.contains("times in UTC+01:00"))
        // ?zone= and ?tz= override the cookies.
        let param = try await get(d, "/?zone=Asia/Kolkata", cookie: "tzname=Europe/Berlin")
        #expect(param.body.contains("data-tz=\"330\""))
        #expect(param.body.contains("times in Asia/Kolkata (UTC+05:30)"))
        let offset = try await get(d, "/?tz=-300", cookie: "tzname=Europe/Berlin")
        #expect(offset.body.contains("data-tz=\"-300\""))
        _ = lake
    }
}
