// The log file's line format: UTC time, level, label, metadata sorted by key (the handler's
// own, overridden by the event's), message.

import Foundation
import Logging
import Testing
@testable import StationRuntime

@Suite struct FileLogHandlerTests {
    @Test func aLineHasTimeLevelLabelSortedMetadataAndMessage() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)").path
        let file = try RotatingLogFile(path: dir + "/opensensor.log")
        var handler = FileLogHandler(label: "opensensor", sink: file, now: { 1_748_736_000_123 })
        handler.metadata = ["station": "s1", "b": "handler"]
        var logger = Logger(label: "opensensor") { _ in handler }
        logger.logLevel = .info
        logger.debug("below the level")
        logger.notice("collecting", metadata: ["b": "event", "a": "1"])
        logger.warning("plain")
        let text = try String(contentsOfFile: dir + "/opensensor.log", encoding: .utf8)
        #expect(text == """
            2025-06-01T00:00:00.123Z notice opensensor: a=1 b=event station=s1 collecting
            2025-06-01T00:00:00.123Z warning opensensor: b=handler station=s1 plain

            """)
    }

    @Test func aLineWithoutMetadataHasNoExtraSpace() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)").path
        let file = try RotatingLogFile(path: dir + "/opensensor.log")
        let logger = Logger(label: "x") { label in FileLogHandler(label: label, sink: file, now: { 0 }) }
        logger.error("failed")
        let text = try String(contentsOfFile: dir + "/opensensor.log", encoding: .utf8)
        #expect(text == "1970-01-01T00:00:00.000Z error x: failed\n")
    }
}
