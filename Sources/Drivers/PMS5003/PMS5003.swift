public import HAL

/// Plantower PMS5003 particulate sensor on a 9600 8N1 serial line, with its SET (enable) and
/// RESET lines on GPIO.
///
/// Datasheet: Plantower PMS5003 series manual (frame layout "Appendix I"; 32-byte frames in
/// active mode, about one per second). Facts and the reference driver's behaviour:
/// `docs/enviroplus-hardware.md` §6.
///
/// Like the Pimoroni driver (pimoroni/pms5003-python): active mode only, the same reset
/// sequence (enable high, reset low, 100 ms, flush input, 100 ms, reset high), 5 s to find a
/// start of frame and a checksum over bytes 0…29.
///
/// Deviations, and why:
/// - The length field must be 28; the reference does not check it and fails while unpacking.
/// - Start-of-frame search re-examines every byte, so `42 42 4D` finds the frame at the second
///   0x42 (the reference's matcher skips it and loses that frame).
/// - After any bad frame (length, checksum, cut short) only its first byte is dropped and the
///   search resumes, so a valid frame that began inside the bad one is still found.
/// - Reads go through a buffer (up to 32 bytes per system call) instead of one byte at a time.
/// - `readLatest()` drains what is already waiting and returns the newest frame; the reference
///   always returns the oldest buffered frame, so a slow reader falls behind the sensor.
public actor PMS5003 {
    /// The chip name used in errors.
    public static let name = "PMS5003"
    /// Frame size in bytes.
    public static let frameSize = 32
    /// The only valid length field: 13 data words and the checksum word.
    public static let frameLength = 28
    /// How long to look for a start of frame before giving up (the reference's 5 s).
    public static let startOfFrameTimeout: Duration = .seconds(5)
    /// How long one read may wait for the line (the reference's serial timeout).
    public static let readTimeout: Duration = .seconds(4)

    /// One decoded frame. Concentrations in µg/m³; counts per 0.1 L of air.
    public struct Frame: Sendable, Equatable {
        /// PM1.0, PM2.5, PM10 with CF=1 ("standard particle"): what the Python collector reports.
        public var pm1_0, pm2_5, pm10: UInt16
        /// PM1.0, PM2.5, PM10 under atmospheric environment.
        public var pm1_0Atmospheric, pm2_5Atmospheric, pm10Atmospheric: UInt16
        /// Particles larger than 0.3, 0.5, 1.0, 2.5, 5.0 and 10 µm per 0.1 L.
        public var particles0_3um, particles0_5um, particles1_0um, particles2_5um, particles5_0um, particles10um: UInt16
        /// Word 12, reserved (version/error code on some firmware).
        public var reserved: UInt16
        /// The checksum word as sent.
        public var checksum: UInt16

        /// Decodes and validates 32 bytes: start bytes, length 28 and checksum.
        public init(bytes b: [UInt8]) throws(SensorError) {
            guard b.count == PMS5003.frameSize else {
                throw SensorError(sensor: PMS5003.name, kind: .invalidFrame, message: "frame has \(b.count) bytes, expected 32")
            }
            guard b[0] == 0x42, b[1] == 0x4D else {
                throw SensorError(sensor: PMS5003.name, kind: .invalidFrame, message: "frame starts \(hex(Array(b[0..<2]))), expected 42 4D")
            }
            func word(_ i: Int) -> UInt16 { UInt16(b[2 * i]) << 8 | UInt16(b[2 * i + 1]) }
            let length = Int(word(1))
            guard length == PMS5003.frameLength else {
                throw SensorError(sensor: PMS5003.name, kind: .invalidFrame, message: "length field is \(length), expected 28")
            }
            let sum = b[0..<30].reduce(UInt16(0)) { $0 &+ UInt16($1) }
            let sent = word(15)
            guard sum == sent else {
                throw SensorError(sensor: PMS5003.name, kind: .invalidFrame, message: "checksum mismatch: computed \(sum), frame says \(sent)")
            }
            pm1_0 = word(2); pm2_5 = word(3); pm10 = word(4)
            pm1_0Atmospheric = word(5); pm2_5Atmospheric = word(6); pm10Atmospheric = word(7)
            particles0_3um = word(8); particles0_5um = word(9); particles1_0um = word(10)
            particles2_5um = word(11); particles5_0um = word(12); particles10um = word(13)
            reserved = word(14)
            checksum = sent
        }
    }

    private let port: any SerialPort
    private let enable: (any GPIOOutputLine)?
    private let reset: (any GPIOOutputLine)?
    private let clock: any HALClock
    private var buffer: [UInt8] = []

    /// Creates a driver on an open port and the already-requested enable (SET, GPIO22) and
    /// reset (GPIO27) lines; either line may be absent.
    public init(port: any SerialPort, enable: (any GPIOOutputLine)?, reset: (any GPIOOutputLine)?, clock: any HALClock) {
        self.port = port
        self.enable = enable
        self.reset = reset
        self.clock = clock
    }

    /// Configures the line (9600 8N1) and resets the sensor as the reference does.
    public func setUp() async throws {
        do throws(BusError) {
            try port.configure(.nineSixHundred8N1)
            try enable?.set(true)
            try reset?.set(false)
        } catch {
            throw SensorError(sensor: Self.name, during: "set-up", error)
        }
        try await pause(clock, .milliseconds(100))
        do throws(BusError) { try port.flushInput() } catch {
            throw SensorError(sensor: Self.name, during: "flushing input", error)
        }
        buffer.removeAll()
        try await pause(clock, .milliseconds(100))
        do throws(BusError) { try reset?.set(true) } catch {
            throw SensorError(sensor: Self.name, during: "releasing reset", error)
        }
    }

    /// Returns the next valid frame. Throws a `SensorError` for a bad frame (the next call
    /// resumes right after its first byte), a silent line, or no start of frame within 5 s.
    public func read() async throws -> Frame {
        let deadline = clock.now() + Self.startOfFrameTimeout
        while true {
            try Task.checkCancellation()
            if let result = extractFrame() { return try result.get() }
            let now = clock.now()
            let partial = buffer.count >= 2
            if now >= deadline {
                if partial {
                    let have = buffer.count
                    buffer.removeFirst()
                    throw SensorError(sensor: Self.name, kind: .invalidFrame, message: "frame cut short: \(have) of 32 bytes within 5 s")
                }
                throw SensorError(sensor: Self.name, kind: .noStartOfFrame, message: "no start of frame (42 4D) within 5 s")
            }
            let wait = min(Self.readTimeout, max(deadline - now, .milliseconds(10)))
            let want = partial ? Self.frameSize - buffer.count : Self.frameSize
            let chunk: [UInt8]
            do throws(BusError) { chunk = try port.read(maxCount: want, timeout: wait) } catch {
                throw SensorError(sensor: Self.name, during: "reading the serial port", error)
            }
            if chunk.isEmpty {
                if partial {
                    let have = buffer.count
                    buffer.removeFirst()
                    throw SensorError(sensor: Self.name, kind: .invalidFrame, message: "frame cut short: \(have) of 32 bytes, then the line went quiet")
                }
                throw SensorError(sensor: Self.name, kind: .timeout, message: "no data on the serial line for \(wait.seconds) s; expected a frame about every second")
            }
            buffer.append(contentsOf: chunk)
        }
    }

    /// Returns the newest valid frame already received, discarding older ones, or — when none
    /// has arrived complete — waits for the next as `read()` does.
    ///
    /// In active mode the sensor sends a frame about every second; a caller reading every few
    /// seconds with `read()` alone would fall further and further behind the line (the kernel
    /// buffer fills with old frames). This drains what is waiting first.
    public func readLatest() async throws -> Frame {
        for _ in 0..<64 {
            let chunk: [UInt8]
            do throws(BusError) { chunk = try port.read(maxCount: 512, timeout: .zero) } catch {
                throw SensorError(sensor: Self.name, during: "reading the serial port", error)
            }
            if chunk.isEmpty { break }
            buffer.append(contentsOf: chunk)
        }
        var latest: Frame?
        var lastError: SensorError?
        while let result = extractFrame() {
            switch result {
            case .success(let f): latest = f
            case .failure(let e): lastError = e
            }
        }
        if let latest { return latest }
        if let lastError { throw lastError }
        return try await read()
    }

    /// Takes the first frame out of the buffer: a decoded frame, an error for a bad one (only
    /// its first byte is dropped, so the search resumes inside it), or nil when more bytes are
    /// needed. Bytes before the first possible start of frame are discarded.
    private func extractFrame() -> Result<Frame, SensorError>? {
        if let start = startIndex() {
            buffer.removeFirst(start)
        } else {
            buffer.removeAll(keepingCapacity: true)
        }
        guard buffer.count >= 4, buffer[0] == 0x42, buffer[1] == 0x4D else { return nil }
        let length = Int(buffer[2]) << 8 | Int(buffer[3])
        guard length == Self.frameLength else {
            buffer.removeFirst()
            return .failure(SensorError(sensor: Self.name, kind: .invalidFrame, message: "length field is \(length), expected 28"))
        }
        guard buffer.count >= Self.frameSize else { return nil }
        do throws(SensorError) {
            let frame = try Frame(bytes: Array(buffer[0..<Self.frameSize]))
            buffer.removeFirst(Self.frameSize)
            return .success(frame)
        } catch {
            buffer.removeFirst()
            return .failure(error)
        }
    }

    /// The index of the first 42 4D pair, or of a 0x42 in the last position (its partner may
    /// be next), or nil.
    private func startIndex() -> Int? {
        var i = 0
        while i < buffer.count {
            if buffer[i] == 0x42 {
                if i + 1 == buffer.count || buffer[i + 1] == 0x4D { return i }
            }
            i += 1
        }
        return nil
    }
}
