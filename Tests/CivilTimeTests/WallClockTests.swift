import CivilTime
import Testing

@Suite struct VirtualWallClockTests {
    @Test func sleepingMovesTheClockForwardNeverBack() async throws {
        let clock = VirtualWallClock(start: 1_000)
        try await clock.sleep(untilMillis: 5_000)
        #expect(clock.nowMillis() == 5_000)
        try await clock.sleep(untilMillis: 2_000)
        #expect(clock.nowMillis() == 5_000)
        clock.advance(by: 250)
        #expect(clock.nowMillis() == 5_250)
    }
}
