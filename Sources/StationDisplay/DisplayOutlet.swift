public import Collector
public import Display
public import Drivers
public import HAL
public import Logging

/// What the outlet needs of a screen; `ST7735` is one, tests may bring others.
public protocol DisplayPanel: Sendable {
    /// Sends one 160×80 RGB565 frame.
    func display(_ pixels: [UInt16]) async throws(BusError)
    /// Turns the backlight on or off.
    func setBacklight(_ on: Bool) async throws(BusError)
    /// Gives the lines back.
    func close() async
}

extension ST7735: DisplayPanel {}

/// The screen's state between readings, apart from the panel: the page shown, the hour of
/// history, the backlight, and taps on the proximity sensor. Pure, so the rules are tested
/// without a screen. Times are the readings' timestamps (milliseconds), so the backlight's
/// timeout counts reading time, in steps of the read interval.
public struct DisplayState: Sendable {
    /// What the panel should do after a reading.
    public struct Update: Sendable, Equatable {
        /// Draw the current page (only while the backlight is on: nobody sees a dark screen).
        public var redraw: Bool
        /// Switch the backlight, if it changed.
        public var backlight: Bool?
        /// Creates an update.
        public init(redraw: Bool, backlight: Bool?) {
            self.redraw = redraw
            self.backlight = backlight
        }
    }

    /// Proximity counts above which the sensor is covered: Pimoroni's Enviro+ examples use 1500
    /// (of 0–2047) for a tap.
    public static let tapThreshold: Double = 1500

    public private(set) var page: Page = .temperature
    public private(set) var history = History()
    public private(set) var latest: DisplayValues?
    public private(set) var backlightOn = true
    private let timeoutMilliseconds: Int64
    private var lastActivity: Int64?
    private var covered = false

    /// `timeoutSeconds`: backlight off this long after the last tap; 0 never.
    public init(timeoutSeconds: Int) {
        timeoutMilliseconds = Int64(timeoutSeconds) * 1000
    }

    /// Takes one reading: records it, turns the page on a tap (the sensor newly covered — a hand
    /// held there turns one page, not one per reading), wakes the backlight on a tap and puts it
    /// out after the timeout.
    public mutating func update(_ values: DisplayValues, proximity: Double?) -> Update {
        history.record(values)
        latest = values
        let now = values.timestamp
        if lastActivity == nil { lastActivity = now }
        var change: Bool?
        let isCovered = (proximity ?? 0) > Self.tapThreshold
        if isCovered && !covered {
            page = page.next
            lastActivity = now
            if !backlightOn { backlightOn = true; change = true }
        }
        covered = isCovered
        if timeoutMilliseconds > 0, backlightOn, let last = lastActivity, now - last >= timeoutMilliseconds {
            backlightOn = false
            change = false
        }
        return Update(redraw: backlightOn, backlight: change)
    }
}

/// The Enviro+ screen as one of `start`'s outlets: each reading redraws the current page, a tap on
/// the proximity sensor turns to the next and wakes the backlight.
///
/// The screen never stands in the collector's way: readings are queued (the newest 16 kept; the
/// collector's event returns at once), and a screen that is missing or fails is logged once,
/// closed, and tried again a minute later, quietly, until it works. Memory: one 160×80 frame
/// buffer (25.6 KB), the driver's 4 KB transfer buffer and an hour of per-minute averages.
public final class DisplayOutlet: ReadingOutlet {
    public let name = "display"
    private let timeoutSeconds: Int
    private let logger: Logger
    private let open: @Sendable () async throws -> any DisplayPanel
    private let readings: AsyncStream<Reading>
    private let continuation: AsyncStream<Reading>.Continuation

    /// How long after a failure the screen is opened again (reading time).
    static let retryMilliseconds: Int64 = 60_000

    /// `open` opens and initialises the screen; it is called from `run()`, again after failures.
    /// `queueLength` readings wait at most; older ones are dropped (their minute of sparkline
    /// with them) if the screen falls that far behind.
    public init(timeoutSeconds: Int, logger: Logger, queueLength: Int = 16, open: @escaping @Sendable () async throws -> any DisplayPanel) {
        self.timeoutSeconds = timeoutSeconds
        self.logger = logger
        self.open = open
        (readings, continuation) = AsyncStream.makeStream(of: Reading.self, bufferingPolicy: .bufferingNewest(queueLength))
    }

    public func readingTaken(_ reading: Reading) { continuation.yield(reading) }

    public func stopping() { continuation.finish() }

    public func run() async {
        var state = DisplayState(timeoutSeconds: timeoutSeconds)
        var frame = Framebuffer()
        var panel: (any DisplayPanel)?
        var failing = false
        var nextAttempt = Int64.min
        for await reading in readings {
            let proximity = reading.values[Columns.proximity].map(Double.init)
            let update = state.update(DisplayValues(reading), proximity: proximity)
            let now = reading.timestamp
            if panel == nil, now >= nextAttempt {
                do {
                    let opened = try await open()
                    // The driver's init leaves the backlight on; match the state.
                    if !state.backlightOn { try await opened.setBacklight(false) }
                    panel = opened
                    if failing { logger.info("display: the screen works again") }
                    failing = false
                } catch {
                    report(error, &failing)
                    nextAttempt = now + Self.retryMilliseconds
                    continue
                }
            } else if let on = update.backlight, let p = panel {
                do throws(BusError) { try await p.setBacklight(on) } catch {
                    report(error, &failing)
                    await p.close()
                    panel = nil
                    nextAttempt = now + Self.retryMilliseconds
                    continue
                }
            }
            guard let p = panel, update.redraw, let latest = state.latest else { continue }
            PageRenderer.render(state.page, values: latest, history: state.history, into: &frame)
            do throws(BusError) { try await p.display(frame.pixels) } catch {
                report(error, &failing)
                await p.close()
                panel = nil
                nextAttempt = now + Self.retryMilliseconds
            }
        }
        if let panel {
            try? await panel.setBacklight(false)
            await panel.close()
        }
    }

    /// Logs the first failure of a streak; the rest stay quiet until the screen works again.
    private func report(_ error: any Error, _ failing: inout Bool) {
        guard !failing else { return }
        failing = true
        logger.error("display: \(error); collection goes on without the screen, which is tried again every minute")
    }
}
