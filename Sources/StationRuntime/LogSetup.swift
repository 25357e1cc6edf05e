// Logging for the executable's commands: stderr at the configured level, and for `start` also the
// rotating log file. Bootstrapped once per process, by the executable only.

public import Config
public import Logging
import CivilTime

public enum LogSetup {
    /// Logging to stderr at `level`, and to `<directory>/opensensor.log` when given;
    /// bootstrapped once per process (only the executable does this). With `terminal`, stderr's
    /// lines go through it, above its status line; their text is the same.
    public static func bootstrapOnce(level: LogLevel, directory: String? = nil, terminal: TerminalStatusLine? = nil) -> Logger {
        let swiftLevel = loggerLevel(level)
        var file: RotatingLogFile?
        var fileError: String?
        if let directory {
            do {
                file = try RotatingLogFile(path: directory + "/opensensor.log")
            } catch {
                fileError = "\(error)"
            }
        }
        let sink = file
        LoggingSystem.bootstrap { label in
            var stderr = terminal.map { StreamLogHandler(label: label, stream: $0.logStream) } ?? StreamLogHandler.standardError(label: label)
            stderr.logLevel = swiftLevel
            guard let file = sink else { return stderr }
            var f = FileLogHandler(label: label, sink: file)
            f.logLevel = swiftLevel
            return MultiplexLogHandler([stderr, f])
        }
        var logger = Logger(label: "opensensor")
        logger.logLevel = swiftLevel
        if let fileError { logger.warning("logging to stderr only", metadata: ["error": "\(fileError)"]) }
        return logger
    }

    /// The configuration's OPENSENSOR_LOG_LEVEL as swift-log's level.
    public static func loggerLevel(_ level: LogLevel) -> Logger.Level {
        switch level {
        case .debug: .debug
        case .info: .info
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}

/// Appends log lines to the rotating log file: `<UTC time> <level> <label>: <metadata sorted by key> <message>`.
public struct FileLogHandler: LogHandler {
    public let label: String
    public let sink: RotatingLogFile
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    /// The time of a line, in milliseconds since 1970 (the system's wall clock; tests pin it).
    let now: @Sendable () -> Int64

    public init(label: String, sink: RotatingLogFile) {
        self.init(label: label, sink: sink, now: { SystemWallClock().nowMillis() })
    }

    init(label: String, sink: RotatingLogFile, now: @escaping @Sendable () -> Int64) {
        self.label = label
        self.sink = sink
        self.now = now
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        sink.write(line(event))
    }

    func line(_ event: LogEvent) -> String {
        var all = metadata
        if let m = event.metadata { all.merge(m) { $1 } }
        let meta = all.isEmpty ? "" : " " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        return "\(ISO8601.format(millis: now())) \(event.level) \(label):\(meta) \(event.message)\n"
    }
}
