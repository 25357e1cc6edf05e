import Drivers
import Foundation
import HAL
import HALTesting
import Synchronization
import Testing

/// What the panel and its lines see, in order: the form both the Python reference and the Swift
/// driver are reduced to before they are compared. DC level changes are not items of their own:
/// they decide whether a byte is a command or data.
enum PanelEvent: Equatable, CustomStringConvertible {
    case request(line: String, consumer: String, high: Bool)
    case level(line: String, high: Bool)
    case sleep(milliseconds: Int)
    case command(UInt8)
    case data([UInt8])

    var description: String {
        switch self {
        case .request(let l, let c, let h): "request \(l) (\(c)) \(h ? "high" : "low")"
        case .level(let l, let h): "\(l) \(h ? "high" : "low")"
        case .sleep(let ms): "sleep \(ms) ms"
        case .command(let c): "command \(hex(c))"
        case .data(let d): d.count <= 16 ? "data [\(hex(d))]" : "data (\(d.count) bytes) [\(hex(Array(d.prefix(8)))) …]"
        }
    }

    /// Appends bytes: each DC-low byte a command, DC-high bytes merged into the data run before.
    static func append(_ bytes: [UInt8], dcHigh: Bool, to events: inout [PanelEvent]) {
        if !dcHigh {
            events += bytes.map { .command($0) }
        } else if case .data(let previous)? = events.last {
            events[events.count - 1] = .data(previous + bytes)
        } else if !bytes.isEmpty {
            events.append(.data(bytes))
        }
    }
}

/// The fixture recorded from Pimoroni's st7735 library (Fixtures/st7735_reference.py).
struct ST7735Reference: Decodable {
    struct Event: Decodable {
        var request: String?
        var consumer: String?
        var gpio: String?
        var high: Bool?
        var sleep_ms: Int?
        var dc_high: Bool?
        var bytes: String?
    }
    struct Generator: Decodable { var st7735: String }
    struct SPI: Decodable { var port: Int; var cs: Int; var mode: Int; var max_speed_hz: UInt32; var lsbfirst: Bool }
    var generator: Generator
    var spi: SPI
    var `init`: [Event]
    var frame: [Event]
    var backlight_off: [Event]

    static let loaded: ST7735Reference = {
        guard let url = Bundle.module.url(forResource: "st7735-reference", withExtension: "json", subdirectory: "Fixtures") else {
            fatalError("Fixtures/st7735-reference.json is missing from the test bundle")
        }
        do { return try JSONDecoder().decode(ST7735Reference.self, from: Data(contentsOf: url)) }
        catch { fatalError("Fixtures/st7735-reference.json does not parse: \(error)") }
    }()

    static func panelEvents(_ events: [Event]) -> [PanelEvent] {
        var out: [PanelEvent] = []
        for e in events {
            if let line = e.request, let consumer = e.consumer, let high = e.high {
                out.append(.request(line: line, consumer: consumer, high: high))
            } else if let line = e.gpio, let high = e.high {
                out.append(.level(line: line, high: high))
            } else if let ms = e.sleep_ms {
                out.append(.sleep(milliseconds: ms))
            } else if let dc = e.dc_high, let text = e.bytes, let bytes = Data(base64Encoded: text) {
                PanelEvent.append([UInt8](bytes), dcHigh: dc, to: &out)
            } else {
                Issue.record("fixture event not understood: \(e)")
            }
        }
        return out
    }

    /// The fixture's test image: pixel (x, y) of 160×80, as the generator draws it.
    static func image() -> [UInt16] {
        var pixels: [UInt16] = []
        for y in 0..<80 {
            for x in 0..<160 {
                pixels.append(ST7735.rgb565(
                    red: UInt8(truncatingIfNeeded: x * 3 + y * 2), green: UInt8(truncatingIfNeeded: x * y),
                    blue: UInt8(truncatingIfNeeded: 255 - x - y)))
            }
        }
        return pixels
    }
}

/// A sleeper that returns at once and notes where each sleep fell among the SPI writes and the
/// chip's events, so the test can rebuild one ordered stream.
final class PanelRecorder: Sleeper {
    let chip = FakeGPIOChip()
    let spi: RecordingSPIDevice
    private let sleeps = Mutex<[(writes: Int, chipEvents: Int, duration: Duration)]>([])

    init() { spi = RecordingSPIDevice(dataCommandLine: "GPIO9", on: chip) }

    func sleep(for duration: Duration) async throws {
        let mark = (spi.writes.count, chip.events.count, duration)
        sleeps.withLock { $0.append(mark) }
    }

    /// Everything so far, in the order it happened.
    func events() -> [PanelEvent] {
        // Order keys: (chip events before, then writes and sleeps by their write position; a
        // sleep before the write that follows it).
        var keyed: [(key: [Int], event: PanelEvent?, write: RecordingSPIDevice.Write?)] = []
        for (i, e) in chip.events.enumerated() {
            switch e {
            case .request(let line, let consumer, let high): keyed.append(([i, 1, 0], .request(line: line, consumer: consumer, high: high), nil))
            case .set(let line, let high) where line != "GPIO9": keyed.append(([i, 1, 0], .level(line: line, high: high), nil))
            case .set, .release: break
            }
        }
        for (i, (w, before)) in zip(spi.writes, spi.chipEventsBeforeEachWrite).enumerated() {
            keyed.append(([before, 0, 2 * i], nil, w))
        }
        for s in sleeps.withLock({ $0 }) {
            let ms = Int(s.duration / .milliseconds(1))
            keyed.append(([s.chipEvents, 0, 2 * s.writes - 1], .sleep(milliseconds: ms), nil))
        }
        var out: [PanelEvent] = []
        // Stable: items with equal keys (sleeps at one place) keep the order they were recorded in.
        let sorted = keyed.enumerated().sorted { a, b in
            a.element.key == b.element.key ? a.offset < b.offset : a.element.key.lexicographicallyPrecedes(b.element.key)
        }
        for (event, write) in sorted.map({ ($0.element.event, $0.element.write) }) {
            if let event { out.append(event) }
            if let write { PanelEvent.append(write.bytes, dcHigh: write.dataCommandHigh ?? false, to: &out) }
        }
        return out
    }
}

/// Compares two streams item by item and reports the first difference readably.
func expectSameStream(_ actual: [PanelEvent], _ expected: [PanelEvent], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    for (i, (a, e)) in zip(actual, expected).enumerated() where a != e {
        var detail = ""
        if case .data(let x) = a, case .data(let y) = e, x.count == y.count, let j = x.indices.first(where: { x[$0] != y[$0] }) {
            detail = " (first differing byte \(j): \(hex(x[j])) vs \(hex(y[j])))"
        }
        Issue.record("\(what): item \(i) is \(a), the reference has \(e)\(detail)", sourceLocation: sourceLocation)
        return
    }
    #expect(actual.count == expected.count, "\(what): \(actual.count) items, the reference has \(expected.count)", sourceLocation: sourceLocation)
}

@Suite struct ST7735ReferenceTests {
    let reference = ST7735Reference.loaded

    @Test func theFixtureIsTheEnviroPlusSetUp() {
        #expect(reference.generator.st7735 == "1.0.0")
        #expect(reference.spi.port == 0 && reference.spi.cs == 1 && reference.spi.mode == 0 && !reference.spi.lsbfirst)
        #expect(reference.spi.max_speed_hz == ST7735.enviroPlusSPISpeedHz)
        let c = ST7735.Configuration.enviroPlus
        #expect(c.width == 160 && c.height == 80 && c.offsetLeft == 26 && c.offsetTop == 1)
    }

    @Test func initFrameAndBacklightMatchTheLibraryByteForByte() async throws {
        let panel = PanelRecorder()
        let screen = try await ST7735(spi: panel.spi, gpio: panel.chip, sleeper: panel)
        let afterInit = panel.events()
        expectSameStream(afterInit, ST7735Reference.panelEvents(reference.`init`), "init")

        try await screen.display(ST7735Reference.image())
        let afterFrame = panel.events()
        expectSameStream(Array(afterFrame.dropFirst(afterInit.count)), ST7735Reference.panelEvents(reference.frame), "frame")

        try await screen.setBacklight(false)
        expectSameStream(Array(panel.events().dropFirst(afterFrame.count)), ST7735Reference.panelEvents(reference.backlight_off), "backlight")
        // The whole frame's pixel bytes: 80 × 160 × 2.
        if case .data(let pixels)? = afterFrame.last { #expect(pixels.count == 25_600) } else { Issue.record("the frame ends without pixel data") }
        // Each write within spidev's buffer: 25 whole panel rows of 160 bytes.
        #expect(panel.spi.writes.allSatisfy { $0.bytes.count <= 4096 })
        #expect(panel.spi.writes.suffix(7).map(\.bytes.count) == [4000, 4000, 4000, 4000, 4000, 4000, 1600])
        await screen.close()
        #expect(panel.chip.levels.isEmpty)
    }

    @Test func rotation90IsTheSameFrameTurnedHalfway() async throws {
        let a = PanelRecorder(), b = PanelRecorder()
        let r270 = try await ST7735(spi: a.spi, gpio: a.chip, sleeper: a)
        let r90 = try await ST7735(spi: b.spi, gpio: b.chip, sleeper: b, configuration: .init(rotation: .r90))
        a.spi.reset(); b.spi.reset()
        let image = ST7735Reference.image()
        try await r270.display(image)
        try await r90.display(image)
        guard case .data(let pa)? = try a.spi.segments().last, case .data(let pb)? = try b.spi.segments().last else {
            Issue.record("no pixel data")
            return
        }
        // Pixel k of one is pixel n−1−k of the other (big-endian pairs).
        let n = pa.count / 2
        #expect((0..<n).allSatisfy { k in pa[2 * k] == pb[2 * (n - 1 - k)] && pa[2 * k + 1] == pb[2 * (n - 1 - k) + 1] })
        #expect(pa != pb)
    }

    @Test func aFrameOfTheWrongSizeIsRefusedWithoutTouchingTheBus() async throws {
        let panel = PanelRecorder()
        let screen = try await ST7735(spi: panel.spi, gpio: panel.chip, sleeper: panel)
        panel.spi.reset()
        do {
            try await screen.display([UInt16](repeating: 0, count: 80 * 160 - 1))
            Issue.record("a short frame was accepted")
        } catch {
            #expect(error.kind == .other)
        }
        #expect(panel.spi.writes.isEmpty)
    }

    @Test func aMissingDeviceIsABusErrorAndTheLinesAreGivenBack() async {
        let panel = PanelRecorder()
        let gone = BusError(kind: .noDevice, operation: "write(/dev/spidev0.1)", message: "missing")
        panel.spi.fail(with: gone)
        await #expect(throws: gone) { _ = try await ST7735(spi: panel.spi, gpio: panel.chip, sleeper: panel) }
        #expect(panel.chip.levels.isEmpty)
        // A missing backlight line: the DC line already requested is released too.
        let chip = FakeGPIOChip(lines: ["GPIO9"])
        await #expect(throws: BusError.self) {
            _ = try await ST7735(spi: RecordingSPIDevice(dataCommandLine: "GPIO9", on: chip), gpio: chip, sleeper: panel)
        }
        #expect(chip.levels.isEmpty)
    }

    @Test func aFailedFrameIsFollowedByAWholeWindowAgain() async throws {
        let panel = PanelRecorder()
        let screen = try await ST7735(spi: panel.spi, gpio: panel.chip, sleeper: panel)
        panel.spi.reset()
        let error = BusError(kind: .bus, operation: "write(/dev/spidev0.1)", message: "glitch")
        panel.spi.fail(with: error, afterWrites: 4)  // CASET, its bounds, RASET, its bounds; RAMWR fails
        await #expect(throws: error) { try await screen.display(ST7735Reference.image()) }
        panel.spi.fail(with: nil)
        panel.spi.reset()
        try await screen.display(ST7735Reference.image())
        let segments = try panel.spi.segments()
        #expect(Array(segments.prefix(5)) == [
            .command(0x2A), .data([0x00, 26, 0x00, 105]), .command(0x2B), .data([0x00, 1, 0x00, 160]), .command(0x2C),
        ])
        #expect(segments.count == 6)
        if case .data(let pixels)? = segments.last { #expect(pixels.count == 25_600) }
    }

    @Test func displayOffAndOnAreDISPOFFAndDISPON() async throws {
        let panel = PanelRecorder()
        let screen = try await ST7735(spi: panel.spi, gpio: panel.chip, sleeper: panel)
        panel.spi.reset()
        try await screen.setDisplayOn(false)
        try await screen.setDisplayOn(true)
        #expect(try panel.spi.segments() == [.command(0x28), .command(0x29)])
    }

    @Test func rgb565TruncatesAsTheLibraryDoes() {
        #expect(ST7735.rgb565(red: 255, green: 255, blue: 255) == 0xFFFF)
        #expect(ST7735.rgb565(red: 0xF8, green: 0, blue: 0) == 0xF800)
        #expect(ST7735.rgb565(red: 0x07, green: 0xFC, blue: 0x07) == 0x07E0)
        #expect(ST7735.rgb565(red: 0, green: 0, blue: 0xFF) == 0x001F)
    }
}
