public import HAL

/// Sitronix ST7735 TFT controller behind the Enviro+ 0.96" screen: an 80×160 panel, landscape
/// as 160×80, written over SPI with a data/command (DC) GPIO line and a backlight line.
///
/// What this driver does like Pimoroni's `st7735` library (1.0.0), so the panel sees the same
/// bytes the Enviro+ examples send (`Tests/DriversTests/Fixtures/st7735-reference.json` is that
/// stream, recorded from the library; `st7735_reference.py` beside it says how):
/// - the constructor's order: DC and backlight requested low, backlight low, 100 ms, high; no
///   reset line (the Enviro+ has none);
/// - the init sequence and its delays: SWRESET, 150 ms, SLPOUT, 500 ms, FRMCTR1–3, INVCTR,
///   PWCTR1, 2, 4, 5 (the library skips PWCTR3), VMCTR1, INVON (or INVOFF), MADCTL 0xC8 (0xC0
///   for RGB order), COLMOD 16-bit, CASET/RASET of the whole window, the two gamma tables, NORON,
///   100 ms, DISPON, 100 ms;
/// - the panel's offsets within the controller's 132×162 memory, centred as the library computes
///   them: columns (132 − 80) / 2 = 26, rows (162 − 160) / 2 = 1;
/// - MADCTL fixed at 0xC8 whatever the rotation: the library rotates the image in software
///   (numpy's `rot90` by rotation / 90 quarter turns, counter-clockwise) and so does this driver;
/// - every frame re-sends CASET, RASET (offsets added, 16-bit big-endian) and RAMWR, then the
///   pixels as RGB565 big-endian.
///
/// Where it departs, and why:
/// - A command's parameters go out in one SPI write, not one transfer per byte: 60 fewer system
///   calls at init, and the panel sees the same bytes with the same DC levels (only chip select
///   toggles less; the controller does not care).
/// - Frames come in as RGB565 (`[UInt16]`, the station's frame buffer format), not as an 8-bit
///   image: no per-frame conversion or allocation. `rgb565(red:green:blue:)` is the library's
///   `color565`, truncating the same bits.
/// - The rotated frame goes out in chunks of whole panel rows (25 rows of 160 bytes, 4,000, with spidev's 4,096)
///   built in one small buffer kept for the driver's life, where the library builds the whole
///   frame as a list of Python integers each time; the caller's frame buffer is the only
///   full-size copy.
/// - Errors are `BusError`s from the SPI device and GPIO lines, unchanged: a missing spidev node
///   or GPIO chip is `.noDevice` and the caller (the collector's display service) logs it and
///   carries on. A failed frame leaves the panel mid-frame; the next `display` re-sends the
///   window first, so it recovers.
public actor ST7735 {
    /// Commands used (datasheet §10).
    enum Command {
        static let swreset: UInt8 = 0x01
        static let slpout: UInt8 = 0x11
        static let noron: UInt8 = 0x13
        static let invoff: UInt8 = 0x20
        static let invon: UInt8 = 0x21
        static let dispoff: UInt8 = 0x28
        static let dispon: UInt8 = 0x29
        static let caset: UInt8 = 0x2A
        static let raset: UInt8 = 0x2B
        static let ramwr: UInt8 = 0x2C
        static let madctl: UInt8 = 0x36
        static let colmod: UInt8 = 0x3A
        static let frmctr1: UInt8 = 0xB1
        static let frmctr2: UInt8 = 0xB2
        static let frmctr3: UInt8 = 0xB3
        static let invctr: UInt8 = 0xB4
        static let pwctr1: UInt8 = 0xC0
        static let pwctr2: UInt8 = 0xC1
        static let pwctr4: UInt8 = 0xC3
        static let pwctr5: UInt8 = 0xC4
        static let vmctr1: UInt8 = 0xC5
        static let gmctrp1: UInt8 = 0xE0
        static let gmctrn1: UInt8 = 0xE1
    }

    /// The controller's memory: 132 columns × 162 rows; a smaller panel sits centred in it.
    static let controllerColumns = 132
    static let controllerRows = 162

    /// Quarter turns of the image relative to the panel's native portrait orientation.
    public enum Rotation: Int, Sendable, CaseIterable {
        case r0 = 0, r90 = 90, r180 = 180, r270 = 270
        var quarterTurns: Int { rawValue / 90 }
    }

    /// How the panel is wired and mounted.
    public struct Configuration: Sendable, Equatable {
        /// The panel's native width and height (portrait), in pixels.
        public var panelWidth: Int
        public var panelHeight: Int
        public var rotation: Rotation
        /// Column and row of the panel's first pixel in controller memory.
        public var offsetLeft: Int
        public var offsetTop: Int
        /// INVON at init (the Enviro+ panel shows true colours only inverted).
        public var invert: Bool
        /// The panel's subpixels are blue-green-red (MADCTL bit 3).
        public var bgr: Bool
        /// The DC and backlight lines' names on the GPIO chip.
        public var dataCommandLine: String
        public var backlightLine: String?

        /// Creates a configuration; offsets default to centring the panel as the library does.
        public init(
            panelWidth: Int = 80, panelHeight: Int = 160, rotation: Rotation = .r270, offsetLeft: Int? = nil, offsetTop: Int? = nil,
            invert: Bool = true, bgr: Bool = true, dataCommandLine: String = "GPIO9", backlightLine: String? = "GPIO12"
        ) {
            self.panelWidth = panelWidth
            self.panelHeight = panelHeight
            self.rotation = rotation
            self.offsetLeft = offsetLeft ?? (ST7735.controllerColumns - panelWidth) / 2
            self.offsetTop = offsetTop ?? (ST7735.controllerRows - panelHeight) / 2
            self.invert = invert
            self.bgr = bgr
            self.dataCommandLine = dataCommandLine
            self.backlightLine = backlightLine
        }

        /// The Enviro+ as Pimoroni's examples set it up: SPI0 CE1, DC GPIO9, backlight GPIO12,
        /// rotation 270 (landscape, 160×80), inverted, BGR; the examples run SPI at 10 MHz.
        public static let enviroPlus = Configuration()

        /// The image's width and height after rotation: 160×80 for the Enviro+.
        public var width: Int { rotation.quarterTurns % 2 == 0 ? panelWidth : panelHeight }
        public var height: Int { rotation.quarterTurns % 2 == 0 ? panelHeight : panelWidth }
    }

    /// The SPI clock Pimoroni's Enviro+ examples use.
    public static let enviroPlusSPISpeedHz: UInt32 = 10_000_000

    /// The library's `color565`: 8-bit channels to RGB565, dropping the low bits.
    public static func rgb565(red: UInt8, green: UInt8, blue: UInt8) -> UInt16 {
        UInt16(red & 0xF8) << 8 | UInt16(green & 0xFC) << 3 | UInt16(blue >> 3)
    }

    public let configuration: Configuration
    private let spi: any SPIDevice
    private let dc: any GPIOOutputLine
    private let backlight: (any GPIOOutputLine)?
    private let sleeper: any Sleeper
    private var dcHigh = false
    /// Rotated pixels on their way out, big-endian RGB565: whole panel rows up to the SPI
    /// device's transfer size (4 KB, not a second 25.6 KB frame), kept for the driver's life.
    private var chunk: [UInt8] = []

    /// Requests the DC and backlight lines on `gpio`, pulses the backlight and runs the init
    /// sequence, waiting through `sleeper` (about 0.95 s in all). Throws the `BusError` of the
    /// first failing line or write, or the sleeper's cancellation.
    public init(spi: any SPIDevice, gpio: any GPIOChip, sleeper: any Sleeper, configuration: Configuration = .enviroPlus) async throws {
        self.configuration = configuration
        self.spi = spi
        self.sleeper = sleeper
        chunk.reserveCapacity(min(spi.maxTransferSize, configuration.panelWidth * configuration.panelHeight * 2) + configuration.panelWidth * 2)
        dc = try gpio.requestOutput(line: configuration.dataCommandLine, consumer: "st7735-dc", initialHigh: false)
        do {
            backlight = try configuration.backlightLine.map { (name) throws(BusError) in
                try gpio.requestOutput(line: name, consumer: "st7735-bl", initialHigh: false)
            }
        } catch {
            try? dc.release()
            throw error
        }
        do {
            if let backlight {
                try backlight.set(false)
                try await sleeper.sleep(for: .milliseconds(100))
                try backlight.set(true)
            }
            try await initialise()
        } catch {
            releaseLines()
            throw error
        }
    }

    /// The init sequence, byte for byte the library's `_init`.
    private func initialise() async throws {
        let c = configuration
        try command(Command.swreset)
        try await sleeper.sleep(for: .milliseconds(150))
        try command(Command.slpout)
        try await sleeper.sleep(for: .milliseconds(500))
        try command(Command.frmctr1, [0x01, 0x2C, 0x2D])
        try command(Command.frmctr2, [0x01, 0x2C, 0x2D])
        try command(Command.frmctr3, [0x01, 0x2C, 0x2D, 0x01, 0x2C, 0x2D])
        try command(Command.invctr, [0x07])
        try command(Command.pwctr1, [0xA2, 0x02, 0x84])
        try command(Command.pwctr2, [0x0A, 0x00])
        try command(Command.pwctr4, [0x8A, 0x2A])
        try command(Command.pwctr5, [0x8A, 0xEE])
        try command(Command.vmctr1, [0x0E])
        try command(c.invert ? Command.invon : Command.invoff)
        try command(Command.madctl, [c.bgr ? 0xC8 : 0xC0])
        try command(Command.colmod, [0x05])
        // The library writes the low byte of each bound here, without the high byte.
        try command(Command.caset, [0x00, UInt8(truncatingIfNeeded: c.offsetLeft), 0x00, UInt8(truncatingIfNeeded: c.panelWidth + c.offsetLeft - 1)])
        try command(Command.raset, [0x00, UInt8(truncatingIfNeeded: c.offsetTop), 0x00, UInt8(truncatingIfNeeded: c.panelHeight + c.offsetTop - 1)])
        try command(Command.gmctrp1, [0x02, 0x1C, 0x07, 0x12, 0x37, 0x32, 0x29, 0x2D, 0x29, 0x25, 0x2B, 0x39, 0x00, 0x01, 0x03, 0x10])
        try command(Command.gmctrn1, [0x03, 0x1D, 0x07, 0x06, 0x2E, 0x2C, 0x29, 0x2D, 0x2E, 0x2E, 0x37, 0x3F, 0x00, 0x00, 0x02, 0x10])
        try command(Command.noron)
        try await sleeper.sleep(for: .milliseconds(100))
        try command(Command.dispon)
        try await sleeper.sleep(for: .milliseconds(100))
    }

    /// Sends one frame: `pixels` is `configuration.width × configuration.height` RGB565 values,
    /// row by row from the top left of the rotated (viewing) orientation.
    public func display(_ pixels: [UInt16]) throws(BusError) {
        let c = configuration
        guard pixels.count == c.width * c.height else {
            throw BusError(kind: .other, operation: "ST7735 display", message: "frame of \(pixels.count) pixels, expected \(c.width)×\(c.height)")
        }
        try setWindow()
        try setDC(true)
        // Panel row r, column c takes the image pixel numpy's `rot90(image, k)` puts there (k
        // quarter turns counter-clockwise), sent a chunk of whole panel rows at a time.
        let (pw, ph) = (c.panelWidth, c.panelHeight)
        let (w, h) = (c.width, c.height)
        let turns = c.rotation.quarterTurns
        let chunkBytes = max(1, spi.maxTransferSize / (pw * 2)) * pw * 2
        chunk.removeAll(keepingCapacity: true)
        for r in 0..<ph {
            for col in 0..<pw {
                let index: Int
                switch turns {
                case 0: index = r * w + col
                case 1: index = col * w + (w - 1 - r)
                case 2: index = (h - 1 - r) * w + (w - 1 - col)
                default: index = (h - 1 - col) * w + r
                }
                let p = pixels[index]
                chunk.append(UInt8(p >> 8))
                chunk.append(UInt8(truncatingIfNeeded: p))
            }
            if chunk.count >= chunkBytes || r == ph - 1 {
                try spi.write(chunk)
                chunk.removeAll(keepingCapacity: true)
            }
        }
    }

    /// The library's `set_window()` for the whole panel: CASET, RASET (offsets added, 16-bit
    /// big-endian bounds), RAMWR.
    private func setWindow() throws(BusError) {
        let c = configuration
        let (x0, x1) = (c.offsetLeft, c.panelWidth - 1 + c.offsetLeft)
        let (y0, y1) = (c.offsetTop, c.panelHeight - 1 + c.offsetTop)
        try command(Command.caset, Self.bigEndian(x0) + Self.bigEndian(x1))
        try command(Command.raset, Self.bigEndian(y0) + Self.bigEndian(y1))
        try command(Command.ramwr)
    }

    private static func bigEndian(_ v: Int) -> [UInt8] {
        [UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)]
    }

    /// Turns the backlight on or off (no-op without a backlight line).
    public func setBacklight(_ on: Bool) throws(BusError) {
        try backlight?.set(on)
    }

    /// DISPOFF / DISPON: blanks the panel without losing its memory.
    public func setDisplayOn(_ on: Bool) throws(BusError) {
        try command(on ? Command.dispon : Command.dispoff)
    }

    /// Gives the GPIO lines back; the driver cannot be used afterwards.
    public func close() {
        releaseLines()
    }

    private nonisolated func releaseLines() {
        try? dc.release()
        try? backlight?.release()
    }

    private func command(_ byte: UInt8, _ parameters: [UInt8] = []) throws(BusError) {
        try setDC(false)
        try spi.write([byte])
        if !parameters.isEmpty { try data(parameters) }
    }

    private func data(_ bytes: [UInt8]) throws(BusError) {
        try setDC(true)
        try spi.write(bytes)
    }

    private func setDC(_ high: Bool) throws(BusError) {
        // The library sets DC before every transfer; setting it only on a change saves a system
        // call per parameter and the panel sees the same levels.
        guard high != dcHigh else { return }
        try dc.set(high)
        dcHigh = high
    }
}
