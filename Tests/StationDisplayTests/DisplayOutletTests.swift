import Collector
import Display
import Drivers
import HAL
import HALTesting
import Logging
import StationDisplay
import Synchronization
import Testing
import TestSupport

/// A reading at `second` (from a fixed start) with a temperature and a proximity count.
func reading(_ second: Int, temperature: Float = 21, proximity: Float = 0) -> Reading {
    var values = [Float?](repeating: nil, count: Reading.valueCount)
    values[Reading.valueIndex("temperature")] = temperature
    values[Reading.valueIndex("proximity")] = proximity
    return Reading(timestamp: 1_765_000_000_000 + Int64(second) * 1000, values: values)
}

@Suite struct DisplayStateTests {
    func values(_ second: Int) -> DisplayValues { DisplayValues(timestamp: 1_765_000_000_000 + Int64(second) * 1000, temperature: 20) }

    @Test func aTapTurnsOnePageWhateverHowLongTheHandStays() {
        var s = DisplayState(timeoutSeconds: 0)
        #expect(s.update(values(0), proximity: 3) == .init(redraw: true, backlight: nil))
        #expect(s.page == .temperature)
        _ = s.update(values(5), proximity: 1600)
        #expect(s.page == .humidity)
        _ = s.update(values(10), proximity: 2000)
        #expect(s.page == .humidity)
        _ = s.update(values(15), proximity: 10)
        _ = s.update(values(20), proximity: 1501)
        #expect(s.page == .pressure)
        // Exactly the threshold is not a tap.
        _ = s.update(values(25), proximity: 0)
        _ = s.update(values(30), proximity: 1500)
        #expect(s.page == .pressure)
        #expect(s.latest == values(30))
    }

    @Test func theBacklightGoesOutAfterTheTimeoutAndATapWakesIt() {
        var s = DisplayState(timeoutSeconds: 60)
        #expect(s.update(values(0), proximity: nil).backlight == nil)
        #expect(s.update(values(55), proximity: nil) == .init(redraw: true, backlight: nil))
        #expect(s.update(values(60), proximity: nil) == .init(redraw: false, backlight: false))
        #expect(s.update(values(65), proximity: nil) == .init(redraw: false, backlight: nil))
        // The waking tap also turns the page.
        #expect(s.update(values(70), proximity: 1800) == .init(redraw: true, backlight: true))
        #expect(s.page == .humidity && s.backlightOn)
        #expect(s.update(values(125), proximity: 1800).backlight == nil)
        #expect(s.update(values(130), proximity: 0).backlight == false)
    }

    @Test func aTimeoutOfZeroKeepsTheBacklightOn() {
        var s = DisplayState(timeoutSeconds: 0)
        for second in stride(from: 0, through: 86_400, by: 600) { #expect(s.update(values(second), proximity: 0).backlight == nil) }
        #expect(s.backlightOn)
    }
}

/// An ST7735 on recording fakes, opened as the outlet opens the real one.
final class FakeScreen: Sendable {
    let chip = FakeGPIOChip()
    let spi: RecordingSPIDevice
    let clock = VirtualClock()
    let opens = Mutex(0)
    let refuse = Mutex<BusError?>(nil)

    init() { spi = RecordingSPIDevice(dataCommandLine: "GPIO9", on: chip) }

    func open() async throws -> any DisplayPanel {
        // Counted and decided in one step: a test that sees the count and then changes `refuse`
        // changes the next attempt, never the one it counted.
        if let e = refuse.withLock({ e in opens.withLock { $0 += 1 }; return e }) { throw e }
        return try await ST7735(spi: spi, gpio: chip, sleeper: clock)
    }

    /// RAMWR commands sent: frames started.
    var frames: Int { ((try? spi.segments()) ?? []).filter { $0 == .command(0x2C) }.count }
    var backlight: [Bool] { chip.events.compactMap { if case .set("GPIO12", let h) = $0 { h } else { nil } } }
}

@Suite struct DisplayOutletTests {
    /// Runs the outlet over `readings`, then stops it as `start` does.
    func run(_ outlet: DisplayOutlet, _ readings: [Reading]) async {
        let task = Task { await outlet.run() }
        for r in readings { outlet.readingTaken(r); await Task.yield() }
        outlet.stopping()
        await task.value
    }

    @Test func eachReadingRedrawsAndATapTurnsThePage() async throws {
        let screen = FakeScreen()
        let outlet = DisplayOutlet(timeoutSeconds: 0, logger: quiet, open: screen.open)
        await run(outlet, [reading(0), reading(5), reading(10, proximity: 1900), reading(15, temperature: 22)])
        #expect(screen.opens.withLock { $0 } == 1)
        #expect(screen.frames == 4)
        // Pulse at init (low, high), then off when the outlet stops; lines given back.
        #expect(screen.backlight == [false, true, false])
        #expect(screen.chip.levels.isEmpty)
    }

    @Test func theLastFrameIsThePageTheTapsLeadTo() async throws {
        let readings = [reading(0), reading(5, proximity: 1900), reading(10, proximity: 0), reading(15, temperature: 23, proximity: 1600)]
        let screen = FakeScreen()
        await run(DisplayOutlet(timeoutSeconds: 0, logger: quiet, open: screen.open), readings)
        // The same readings through the state alone, drawn by a second driver: two taps → pressure.
        var state = DisplayState(timeoutSeconds: 0)
        for r in readings { _ = state.update(DisplayValues(r), proximity: r.values[Reading.valueIndex("proximity")].map(Double.init)) }
        #expect(state.page == .pressure)
        var frame = Framebuffer()
        PageRenderer.render(state.page, values: state.latest!, history: state.history, into: &frame)
        let expected = FakeScreen()
        let panel = try await expected.open()
        try await panel.display(frame.pixels)
        guard case .data(let sent)? = try screen.spi.segments().last, case .data(let want)? = try expected.spi.segments().last else {
            Issue.record("no pixel data")
            return
        }
        #expect(sent.count == 25_600)
        #expect(sent == want)
    }

    @Test func aDarkScreenIsNotRedrawnUntilATapWakesIt() async throws {
        let screen = FakeScreen()
        let outlet = DisplayOutlet(timeoutSeconds: 10, logger: quiet, open: screen.open)
        await run(outlet, [reading(0), reading(5), reading(10), reading(15), reading(20, proximity: 2000), reading(25)])
        // Drawn at 0 and 5; dark at 10 and 15; woken at 20 and drawn at 20 and 25.
        #expect(screen.frames == 4)
        #expect(screen.backlight == [false, true, false, true, false])
    }

    @Test func aMissingScreenIsLoggedOnceAndTriedAgainEachMinute() async throws {
        let screen = FakeScreen()
        screen.refuse.withLock { $0 = BusError(kind: .noDevice, operation: "open(/dev/spidev0.1)", errno: 2, message: "not enabled") }
        let log = CapturedLog()
        let outlet = DisplayOutlet(timeoutSeconds: 0, logger: log.logger, queueLength: 100, open: { [screen] in
            let panel = try await screen.open()
            return panel
        })
        let task = Task { await outlet.run() }
        for second in stride(from: 0, through: 125, by: 5) { outlet.readingTaken(reading(second)); await Task.yield() }
        // Tried at 0, 60 and 120 s.
        while screen.opens.withLock({ $0 }) < 3 { await Task.yield() }
        screen.refuse.withLock { $0 = nil }
        for second in stride(from: 130, through: 185, by: 5) { outlet.readingTaken(reading(second)); await Task.yield() }
        outlet.stopping()
        await task.value
        #expect(screen.opens.withLock { $0 } == 4)
        let errors = log.all.filter { $0.hasPrefix("error") }
        #expect(errors.count == 1)
        #expect(errors.first?.contains("not enabled") == true)
        #expect(log.all.contains { $0.contains("works again") })
        #expect(screen.frames >= 1)
    }

    @Test func aScreenThatFailsIsClosedAndReopenedLater() async throws {
        let screen = FakeScreen()
        let log = CapturedLog()
        let outlet = DisplayOutlet(timeoutSeconds: 0, logger: log.logger, queueLength: 100, open: screen.open)
        let task = Task { await outlet.run() }
        outlet.readingTaken(reading(0))
        while screen.frames < 1 { await Task.yield() }
        screen.spi.fail(with: BusError(kind: .bus, operation: "write(/dev/spidev0.1)", errno: 5, message: "I/O error"))
        outlet.readingTaken(reading(5))
        while screen.chip.levels.count > 0 { await Task.yield() }  // closed: the lines are given back
        screen.spi.fail(with: nil)
        for second in [10, 30, 64, 70] { outlet.readingTaken(reading(second)); await Task.yield() }
        outlet.stopping()
        await task.value
        // Opened at 0, failed at 5, reopened at 65 or after (the reading at 70 s).
        #expect(screen.opens.withLock { $0 } == 2)
        #expect(log.all.filter { $0.hasPrefix("error") }.count == 1)
    }
}
