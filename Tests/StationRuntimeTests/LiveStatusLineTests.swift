import CivilTime
import Collector
import Logging
import Synchronization
import Testing
@testable import StationRuntime

/// `start`'s status line on a terminal (Sources/StationRuntime/LiveStatusLine.swift).
@Suite struct LiveStatusLineTests {
    static let t0 = ISO8601.parseMillis("2026-12-06T06:41:05Z")!
    static let batch = BatchClock(durationSeconds: 900)

    static func reading(at t: Int64) -> Reading {
        var values = [Float?](repeating: nil, count: Reading.valueCount)
        for (name, v) in [("temperature", 21.349), ("humidity", 45.25), ("pressure", 1013.24), ("pm25", 3.4), ("pm10", 5.6), ("lux", 119.5)] {
            values[Reading.valueIndex(name)] = Float(v)
        }
        return Reading(timestamp: t, values: values)
    }

    @Test func theLineShowsValuesTheOpenBatchAndTheLastSync() {
        var s = LiveStatus()
        #expect(s.line(now: Self.t0, batchClock: Self.batch, width: 200)
            == "waiting for the first reading | 0 in batch, closes 06:45 (in 3:55) | sync off")
        s.newest = Self.reading(at: Self.t0)
        s.pending = 37
        s.syncEnabled = true
        #expect(s.line(now: Self.t0 + 2000, batchClock: Self.batch, width: 200)
            == "06:41:05 21.3 °C 45.3 % 1013.2 hPa PM2.5 3 PM10 6 µg/m³ 120 lux | 37 in batch, closes 06:45 (in 3:53) | sync: none yet")
        s.syncs = [.init(label: "data", atMillis: Self.t0 - 600_000, uploaded: 1, failure: nil),
                   .init(label: "health", atMillis: Self.t0 - 600_000, uploaded: 0, failure: "stopped early")]
        s.batchFailing = true
        #expect(s.line(now: Self.t0, batchClock: Self.batch, width: 200)
            == "06:41:05 21.3 °C 45.3 % 1013.2 hPa PM2.5 3 PM10 6 µg/m³ 120 lux | 37 in batch, closes 06:45 (in 3:55), last write FAILED"
                + " | sync data 06:31 ok, 1 file; health 06:31 FAILED: stopped early")
        s.stopping = true
        #expect(s.line(now: Self.t0, batchClock: Self.batch, width: 40) == "06:41:05 21.3 °C 45.3 % 1013.2 hPa PM2…")
        #expect(s.line(now: Self.t0, batchClock: Self.batch, width: 40).count == 39)  // never wraps
    }

    @Test func aBatchThatDoesNotDivideTheHourClosesOnItsBoundary() {
        let s = LiveStatus()
        // 7-minute batches, counted from midnight: …, 06:39, 06:46, …
        #expect(s.line(now: Self.t0, batchClock: BatchClock(durationSeconds: 420), width: 200).contains("closes 06:46 (in 4:55)"))
        #expect(s.line(now: ISO8601.parseMillis("2026-12-06T23:59:00Z")!, batchClock: BatchClock(durationSeconds: 3600), width: 200)
            .contains("closes 00:00 (in 1:00)"))
        #expect(LiveStatus.countdown(3_725_000) == "1:02:05")
    }

    @Test func readingsWithoutSomeSensorsLeaveThemOut() {
        var values = [Float?](repeating: nil, count: Reading.valueCount)
        values[Reading.valueIndex("pm25")] = 12
        #expect(ReadingText.compact(Reading(timestamp: Self.t0, values: values)) == "PM2.5 12 µg/m³")
        #expect(ReadingText.compact(Reading(timestamp: Self.t0, values: [Float?](repeating: nil, count: Reading.valueCount)))
            == "no sensor answered")
        #expect(ReadingText.fixed(-0.04, decimals: 1) == "0.0")
        #expect(ReadingText.fixed(-1.25, decimals: 1) == "-1.3")
        #expect(ReadingText.fixed(1013, decimals: 1) == "1013.0")
    }

    final class Screen: Sendable {
        let written = Mutex<[String]>([])
        var all: String { written.withLock { $0.joined() } }
    }

    @Test func logLinesGoAboveTheStatusLineAndNeverThroughIt() {
        let screen = Screen()
        let clock = VirtualWallClock(start: Self.t0)
        let terminal = TerminalStatusLine(clock: clock, batchSeconds: 900, output: { t in screen.written.withLock { $0.append(t) } },
                                          width: { 200 })
        var stream = terminal.logStream
        stream.write("before any status\n")  // nothing to erase yet: the line as it is
        #expect(screen.all == "before any status\n")
        terminal.readingTaken(Self.reading(at: Self.t0))
        terminal.journalChanged(pendingReadings: 1)
        #expect(screen.all == "before any status\n")  // drawn once per read, at its end
        terminal.readingRecorded(atMonotonic: 0)
        #expect(screen.written.withLock { $0.count } == 2)
        let status = "06:41:05 21.3 °C 45.3 % 1013.2 hPa PM2.5 3 PM10 6 µg/m³ 120 lux | 1 in batch, closes 06:45 (in 3:55) | sync off"
        #expect(screen.written.withLock { $0.last } == "\r\u{1B}[2K" + status)
        clock.advance(by: 5000)
        stream.write("a log line\n")
        #expect(screen.written.withLock { $0.last } == "\r\u{1B}[2K" + "a log line\n" + status.replacing("3:55", with: "3:50"))
        terminal.finish()
        #expect(screen.written.withLock { $0.last } == "\r\u{1B}[2K")
        terminal.readingTaken(Self.reading(at: Self.t0 + 5000))  // finished: no redraw
        terminal.readingRecorded(atMonotonic: 5000)
        stream.write("stopped\n")
        #expect(screen.written.withLock { Array($0.suffix(2)) } == ["\r\u{1B}[2K", "stopped\n"])
    }

    @Test func swiftLogLinesKeepTheirTextOnATerminal() {
        let screen = Screen()
        let terminal = TerminalStatusLine(clock: VirtualWallClock(start: Self.t0), batchSeconds: 900,
                                          output: { t in screen.written.withLock { $0.append(t) } }, width: { 80 })
        var stderr = StreamLogHandler(label: "opensensor", stream: terminal.logStream)
        stderr.logLevel = .info
        let handler = stderr
        var logger = Logger(label: "opensensor", factory: { _ in handler })
        logger.logLevel = .info
        logger.info("batch written", metadata: ["rows": "180"])
        logger.debug("not shown")
        let lines = screen.written.withLock { $0 }
        #expect(lines.count == 1)
        #expect(lines.first?.hasSuffix(" info opensensor: rows=180 [StationRuntimeTests] batch written\n") == true)
    }
}
