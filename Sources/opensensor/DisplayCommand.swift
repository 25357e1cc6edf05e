// `opensensor display`: the screen's pages drawn from the simulated board, to a PNG file or on the
// Enviro+ screen itself — to see what the station will show, or to check the screen works.

import ArgumentParser
import CivilTime
import Collector
import Display
import Drivers
import DurableFiles
import HAL
import LinuxHAL
import StationDisplay

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct DisplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "display",
        abstract: "Draw the screen's pages from simulated readings, to a PNG or on the screen.",
        discussion: """
            Simulates the hour of readings before --at (default: now), a reading every 5 seconds, \
            compensated as the collector does (factor 2.25), and draws page --page (1-6: \
            temperature, humidity, pressure, PM2.5, gas, light) with its hour's sparkline. Without \
            --page, all six: stacked in one 160×480 image with --png, or on the screen one after \
            another for 3 seconds each. Without --png the pages go to the Enviro+ screen \
            (/dev/spidev0.1, DC GPIO9, backlight GPIO12), which needs SPI turned on. The station \
            itself drives the screen from its real readings when OPENSENSOR_DISPLAY_ENABLED is true.
            """)

    @Flag(help: "Draw simulated readings (required: real readings are drawn by 'start').")
    var simulate = false

    @Option(help: "Write the page(s) to this PNG file instead of the screen.")
    var png: String?

    @Option(help: "The page to draw, 1-6; all of them without it.")
    var page: Int?

    @Option(help: "Seed of the simulated board.")
    var seed: UInt64 = 1

    @Option(help: "The time of the latest reading, ISO-8601 UTC (default: now).")
    var at: String?

    func validate() throws {
        guard simulate else {
            throw ValidationError("only --simulate is supported: 'start' draws the real readings when OPENSENSOR_DISPLAY_ENABLED=true")
        }
        if let page, !(1...Page.allCases.count).contains(page) { throw ValidationError("--page must be 1-\(Page.allCases.count), got \(page)") }
        if let at, ISO8601.parseMillis(at) == nil { throw ValidationError("--at: expected an ISO-8601 UTC time, got '\(at)'") }
    }

    func run() async throws {
        let end = at.flatMap(ISO8601.parseMillis) ?? Self.nowMillis()
        let (latest, history) = Self.simulatedHour(seed: seed, endingAt: end)
        let pages = page.map { [Page.allCases[$0 - 1]] } ?? Page.allCases
        if let png {
            var frame = Framebuffer()
            var pixels: [UInt16] = []
            pixels.reserveCapacity(pages.count * frame.pixels.count)
            for p in pages {
                PageRenderer.render(p, values: latest, history: history, into: &frame)
                pixels += frame.pixels
            }
            let bytes = try PNG.encode(width: Framebuffer.width, height: Framebuffer.height * pages.count, pixels: pixels)
            try FileIO.write(bytes, to: png, mode: .replace)
            print("wrote \(png): \(pages.map { "\($0)" }.joined(separator: ", ")) at \(ISO8601.format(millis: latest.timestamp))")
        } else {
            try await show(pages, latest, history)
        }
    }

    /// Draws `pages` on the Enviro+ screen, then leaves the last one lit.
    private func show(_ pages: [Page], _ latest: DisplayValues, _ history: History) async throws {
        let screen: ST7735
        do {
            screen = try await StationOutlets.openScreen(simulated: false)
        } catch let error as BusError {
            throw CLIError("the Enviro+ screen: \(error)")
        }
        var frame = Framebuffer()
        for (i, p) in pages.enumerated() {
            PageRenderer.render(p, values: latest, history: history, into: &frame)
            try await screen.display(frame.pixels)
            print("showing \(p)")
            if i < pages.count - 1 { try await Task.sleep(for: .seconds(3)) }
        }
        await screen.close()
    }

    /// The simulated board's hour before `end`, a reading every 5 s, compensated as the collector
    /// compensates: the last reading's values and the hour's history.
    static func simulatedHour(seed: UInt64, endingAt end: Int64) -> (DisplayValues, History) {
        let board = SimulatedBoard(seed: seed, faultProbability: 0)
        var compensator: CPUHeatCompensator? = CPUHeatCompensator(factor: SimulatedBoard.compensationFactor)
        var history = History()
        var latest = DisplayValues(timestamp: end)
        for t in stride(from: end - 3_600_000 + 5_000, through: end, by: 5_000) {
            let values = DisplayValues(Reading(board.reading(at: Timestamp(millisecondsSinceEpoch: t)), compensator: &compensator))
            history.record(values)
            latest = values
        }
        return (latest, history)
    }

    static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
