import CZlib
import Display
import Foundation
import Testing

/// A fixed hour of readings: smooth curves with a five-minute gap, ending at `now`.
enum Sample {
    static let now: Int64 = 1_765_000_000_000

    static func values(at t: Int64, _ k: Double) -> DisplayValues {
        let s = sin(k / 9), c = cos(k / 13)
        return DisplayValues(
            timestamp: t, temperature: 21.4 + 1.5 * s, humidity: 48.2 - 6 * s, pressure: 1013.2 + 0.8 * c, pm25: 12 + 10 * s * c,
            oxidised: 18 + 4 * c, reducing: 310 + 60 * s, nh3: 95 + 12 * s, lux: 420 + 200 * c)
    }

    static let history: History = {
        var h = History()
        for second in stride(from: 3600, to: 0, by: -15) where !(1500...1800).contains(second) {
            let t = now - Int64(second) * 1000
            h.record(values(at: t, Double(3600 - second) / 60))
        }
        return h
    }()

    static let latest = values(at: now, 60)
}

/// Reads back the PNGs this package writes (8-bit RGB, filter 0), checking every chunk's CRC with
/// zlib's own, so the encoder's CRC and zlib stream are checked independently.
enum PNGReader {
    struct Image: Equatable { var width: Int; var height: Int; var rgb: [UInt8] }

    static func decode(_ bytes: [UInt8]) throws -> Image {
        struct Bad: Error { var why: String }
        guard bytes.count > 8, Array(bytes[0..<8]) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] else { throw Bad(why: "signature") }
        func u32(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        var i = 8, width = 0, height = 0, idat: [UInt8] = [], ended = false
        while i + 12 <= bytes.count {
            let length = u32(i)
            let type = String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self)
            let body = Array(bytes[(i + 4)..<(i + 8 + length)])
            let crc = body.withUnsafeBufferPointer { UInt32(CZlib.crc32(0, $0.baseAddress, uInt($0.count))) }
            guard crc == UInt32(u32(i + 8 + length)) else { throw Bad(why: "CRC of \(type)") }
            let data = Array(body[4...])
            switch type {
            case "IHDR":
                width = Int(data[0]) << 24 | Int(data[1]) << 16 | Int(data[2]) << 8 | Int(data[3])
                height = Int(data[4]) << 24 | Int(data[5]) << 16 | Int(data[6]) << 8 | Int(data[7])
                guard Array(data[8...]) == [8, 2, 0, 0, 0] else { throw Bad(why: "format") }
            case "IDAT": idat += data
            case "IEND": ended = true
            default: break
            }
            i += 12 + length
        }
        guard ended, i == bytes.count else { throw Bad(why: "no IEND at the end") }
        var rawLength = uLong(height * (1 + 3 * width))
        var raw = [UInt8](repeating: 0, count: Int(rawLength))
        let rc = raw.withUnsafeMutableBufferPointer { r in idat.withUnsafeBufferPointer { uncompress(r.baseAddress, &rawLength, $0.baseAddress, uLong($0.count)) } }
        guard rc == Z_OK, Int(rawLength) == raw.count else { throw Bad(why: "zlib \(rc)") }
        var rgb: [UInt8] = []
        for row in 0..<height {
            let start = row * (1 + 3 * width)
            guard raw[start] == 0 else { throw Bad(why: "filter \(raw[start])") }
            rgb += raw[(start + 1)..<(start + 1 + 3 * width)]
        }
        return Image(width: width, height: height, rgb: rgb)
    }

    static func rgb(_ frame: Framebuffer) -> [UInt8] {
        frame.pixels.flatMap { p -> [UInt8] in let c = Color(rgb565: p).rgb888; return [c.red, c.green, c.blue] }
    }
}

@Suite struct PageImageTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    /// Set to 1 to write the pages' PNGs afresh (then look at them before committing).
    static let regenerate = ProcessInfo.processInfo.environment["OPENSENSOR_REGENERATE_DISPLAY_FIXTURES"] == "1"

    static func name(_ page: Page) -> String { "page-\(page.rawValue)-\(page)" }

    @Test(arguments: Page.allCases)
    func pageMatchesTheCommittedImage(_ page: Page) throws {
        var frame = Framebuffer()
        PageRenderer.render(page, values: Sample.latest, history: Sample.history, into: &frame)
        let url = Self.fixtures.appendingPathComponent("\(Self.name(page)).png")
        if Self.regenerate {
            try Data(try PNG.encode(frame)).write(to: url)
            return
        }
        let committed = try PNGReader.decode([UInt8](Data(contentsOf: url)))
        #expect(committed.width == 160 && committed.height == 80)
        let rendered = PNGReader.rgb(frame)
        let differing = zip(committed.rgb, rendered).enumerated().filter { $0.element.0 != $0.element.1 }.count
        #expect(differing == 0, "\(page): \(differing) bytes differ from \(url.lastPathComponent); set OPENSENSOR_REGENERATE_DISPLAY_FIXTURES=1 to rewrite it")
    }

    @Test func aPageWithoutValuesShowsDashesAndNoSparkline() {
        var frame = Framebuffer()
        PageRenderer.render(.temperature, values: DisplayValues(timestamp: Sample.now), history: History(), into: &frame)
        var dashes = Framebuffer()
        PageRenderer.render(.temperature, values: DisplayValues(timestamp: Sample.now), history: History(), into: &dashes)
        #expect(frame == dashes)
        // Nothing but the header, "--" and the baseline is lit: the sparkline area is empty above its baseline.
        #expect((0..<160).allSatisfy { x in (54..<77).allSatisfy { y in frame[x, y] == .black } })
        var other = Framebuffer()
        PageRenderer.render(.temperature, values: DisplayValues(timestamp: Sample.now, temperature: 20), history: History(), into: &other)
        #expect(other != frame)
    }
}

@Suite struct PNGTests {
    @Test func encodesWhatItIsGivenAndReadsBack() throws {
        var pixels: [UInt16] = []
        for y in 0..<7 { for x in 0..<5 { pixels.append(Color(red: UInt8(x * 50), green: UInt8(y * 40), blue: 255).rgb565) } }
        let png = try PNG.encode(width: 5, height: 7, pixels: pixels)
        let image = try PNGReader.decode(png)
        #expect(image.width == 5 && image.height == 7)
        #expect(image.rgb == pixels.flatMap { p -> [UInt8] in let c = Color(rgb565: p).rgb888; return [c.red, c.green, c.blue] })
    }

    @Test func refusesAPictureOfTheWrongSize() {
        #expect(throws: PNG.EncodingError.self) { try PNG.encode(width: 2, height: 2, pixels: [0, 0, 0]) }
        #expect(throws: PNG.EncodingError.self) { try PNG.encode(width: 0, height: 0, pixels: []) }
    }

    @Test func widensRGB565SoWhiteStaysWhite() {
        #expect(Color.white.rgb888 == (255, 255, 255))
        #expect(Color.black.rgb888 == (0, 0, 0))
        #expect(Color(red: 0x84, green: 0x82, blue: 0x08).rgb888 == (0x84, 0x82, 0x08))
    }
}

@Suite struct AirQualityTests {
    @Test(arguments: [
        (0.0, AirQualityBand.good), (9.0, .good), (9.04, .good), (9.1, .moderate), (35.4, .moderate), (35.49, .moderate),
        (35.5, .unhealthyForSensitiveGroups), (55.4, .unhealthyForSensitiveGroups), (55.5, .unhealthy), (125.4, .unhealthy),
        (125.5, .veryUnhealthy), (225.4, .veryUnhealthy), (225.5, .hazardous), (999, .hazardous), (-1, .good),
    ])
    func the2024Breakpoints(_ pm25: Double, _ band: AirQualityBand) {
        #expect(AirQualityBand(pm25: pm25) == band)
    }

    @Test func theBandsColourThePM25Value() {
        for band in AirQualityBand.allCases {
            let pm25: Double = [4, 20, 40, 80, 150, 300][band.rawValue]
            var frame = Framebuffer()
            PageRenderer.render(.pm25, values: DisplayValues(timestamp: Sample.now, pm25: pm25), history: History(), into: &frame)
            #expect(frame.pixels.contains(band.color.rgb565), "\(band)")
            let others = AirQualityBand.allCases.filter { $0 != band }
            #expect(!others.contains { frame.pixels.contains($0.color.rgb565) }, "\(band)")
        }
        #expect(Set(AirQualityBand.allCases.map(\.color)).count == 6)
    }
}

@Suite struct HistoryTests {
    @Test func averagesEachMinuteAndKeepsOneHour() {
        var h = History()
        let t0: Int64 = 1_765_000_020_000 - 1_765_000_020_000 % 60_000
        h.record(DisplayValues(timestamp: t0, temperature: 10))
        h.record(DisplayValues(timestamp: t0 + 30_000, temperature: 20, humidity: 50))
        h.record(DisplayValues(timestamp: t0 + 60_000, temperature: 30))
        let s = h.series(.temperature, endingAt: t0 + 60_000)
        #expect(s.count == 60)
        #expect(s[58] == 15 && s[59] == 30 && s[57] == nil)
        #expect(h.series(.humidity, endingAt: t0 + 60_000)[58] == 50)
        // An hour later the old minutes are gone, and a slot reused for a new minute starts afresh.
        h.record(DisplayValues(timestamp: t0 + 3_600_000, temperature: 40))
        let later = h.series(.temperature, endingAt: t0 + 3_600_000)
        #expect(later[59] == 40)
        #expect(later.compactMap { $0 } == [30, 40])
    }

    @Test func skipsValuesThatAreNotNumbers() {
        var h = History()
        h.record(DisplayValues(timestamp: 0, lux: .nan))
        #expect(h.series(.lux, endingAt: 0).allSatisfy { $0 == nil })
    }
}

@Suite struct TextTests {
    @Test func formatsWithOneOrNoDecimals() {
        #expect(PageRenderer.format(21.44, digits: 1) == "21.4")
        #expect(PageRenderer.format(21.46, digits: 1) == "21.5")
        #expect(PageRenderer.format(-3.05, digits: 1) == "-3.1" || PageRenderer.format(-3.05, digits: 1) == "-3.0")
        #expect(PageRenderer.format(-0.01, digits: 1) == "0.0")
        #expect(PageRenderer.format(1013.25, digits: 0) == "1013")
        #expect(PageRenderer.format(nil, digits: 1) == "--")
        #expect(PageRenderer.format(.infinity, digits: 1) == "--")
    }

    @Test func drawsGlyphsAtScaleAndMeasuresThem() {
        var frame = Framebuffer()
        let w = frame.text("1", x: 0, y: 0, scale: 2, .white)
        #expect(w == 10 && Framebuffer.textWidth("10", scale: 2) == 22)
        // "1" row 0 is ..#..: at ×2, columns 4–5 of rows 0–1 are lit, 0–3 not.
        #expect(frame[4, 0] == .white && frame[5, 1] == .white && frame[3, 0] == .black)
        // Its foot, .###., on row 6 → pixel rows 12–13, columns 2–7.
        #expect((2...7).allSatisfy { frame[$0, 12] == .white } && frame[1, 12] == .black && frame[8, 12] == .black)
        // Lower case draws as capitals; a character without a glyph as a filled box.
        var a = Framebuffer(), b = Framebuffer(), box = Framebuffer()
        a.text("hpa", x: 0, y: 0, .white)
        b.text("HPA", x: 0, y: 0, .white)
        #expect(a == b)
        box.text("~", x: 0, y: 0, .white)
        #expect((0..<5).allSatisfy { x in (0..<7).allSatisfy { box[x, $0] == .white } })
    }

    @Test func drawingOutsideTheFrameIsClipped() {
        var frame = Framebuffer()
        frame.text("88", x: 150, y: 75, scale: 3, .white)
        frame.line(x0: -10, y0: 40, x1: 200, y1: 40, .white)
        frame.fillRect(x: -5, y: -5, width: 7, height: 7, .white)
        // The parts inside the frame are drawn: "8"'s top row .###. at ×3 from x 153, the line
        // edge to edge, the rectangle's corner at (0…1, 0…1).
        #expect(frame[153, 75] == .white && frame[161 - 10, 75] == .black)
        #expect(frame[0, 40] == .white && frame[159, 40] == .white)
        #expect(frame[1, 1] == .white && frame[2, 2] == .black)
    }
}
