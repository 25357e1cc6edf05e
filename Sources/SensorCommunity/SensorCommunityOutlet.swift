// The sensor.community outlet: the readings of each interval (aligned to multiples of it since the
// epoch, on the station's clock, so virtual under --speed) are summed as they are taken and, once
// the interval has closed, their averages are pushed (Sources/SensorCommunity/SensorCommunityPush.swift).
// A push that fails costs a log line and that interval's push, never a reading: the collector
// only adds to sums under a short lock, and the network work is this outlet's own task.

public import CivilTime
public import Collector
public import HTTP1Client
public import Logging
import Lake
import Synchronization

public final class SensorCommunityOutlet: ReadingOutlet {
    public let name = "sensor.community"

    public struct Settings: Sendable {
        public var endpoint: String
        /// The node id, sent as `X-Sensor: raspi-<id>`.
        public var nodeID: String
        public var softwareVersion: String
        public var intervalMillis: Int64
        /// How long after an interval closes its push waits for the interval's last reading to
        /// arrive (it is stamped before the close and told a moment after).
        public var graceMillis: Int64 = 2500

        public init(endpoint: String, nodeID: String, softwareVersion: String, intervalSeconds: Int) {
            self.endpoint = endpoint
            self.nodeID = nodeID
            self.softwareVersion = softwareVersion
            self.intervalMillis = Int64(intervalSeconds) * 1000
        }
    }

    /// The node id to send: the configured one, else the Pi's serial. Off a Pi, and with the
    /// simulated board (whose readings are no Pi's), it must be configured.
    public static func nodeID(configured: String?, simulated: Bool, serial: () -> String?) throws(SensorCommunityError) -> String {
        if let configured, !configured.isEmpty { return configured }
        if simulated { throw .noNodeID("the simulated board has no Pi serial number") }
        guard let serial = serial() else {
            throw .noNodeID("this machine has no Raspberry Pi serial number (neither /proc/device-tree/serial-number nor a Serial line in /proc/cpuinfo)")
        }
        return serial
    }

    let settings: Settings
    let clock: any WallClock
    let logger: Logger
    let send: @Sendable (HTTP1Request) async throws -> HTTP1Response
    let state = Mutex(State())

    struct State {
        /// Open intervals by start, oldest first; at most `maxWindows`.
        var windows: [(start: Int64, sums: IntervalSums)] = []
        /// The end of the last interval pushed (or given up): later readings stamped before it
        /// are not added to a new, partial copy of that interval.
        var closedThrough: Int64 = .min
        /// Failed pushes in a row, to log the first of a streak louder than the rest.
        var failuresInARow = 0
    }

    /// Intervals kept while pushes are slow (a server that hangs until the timeout): older
    /// ones are dropped, as a bounded queue drops its oldest messages.
    static let maxWindows = 4

    public init(settings: Settings, clock: any WallClock, logger: Logger,
                send: @escaping @Sendable (HTTP1Request) async throws -> HTTP1Response) {
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.send = send
    }

    // MARK: Events (the collector's actor: only add)

    public func readingTaken(_ reading: Reading) {
        let interval = settings.intervalMillis
        let start = reading.timestamp.floorDiv(interval) * interval
        state.withLock { s in
            guard start + interval > s.closedThrough else { return }
            if let i = s.windows.firstIndex(where: { $0.start == start }) {
                s.windows[i].sums.add(reading.values)
            } else {
                var sums = IntervalSums()
                sums.add(reading.values)
                s.windows.append((start, sums))
                s.windows.sort { $0.start < $1.start }
                if s.windows.count > Self.maxWindows { s.windows.removeFirst(s.windows.count - Self.maxWindows) }
            }
        }
    }

    // MARK: The pushes

    public func run() async {
        let interval = settings.intervalMillis
        logger.info("sensor.community: pushing averages", metadata: [
            "endpoint": "\(settings.endpoint)", "sensor": "\(SensorCommunityPush.sensorHeader(settings.nodeID))",
            "every_s": "\(interval / 1000)"])
        while true {
            let next = (clock.nowMillis() - settings.graceMillis).floorDiv(interval) * interval + interval + settings.graceMillis
            do { try await clock.sleep(untilMillis: next) } catch { break }
            await pushClosed(before: clock.nowMillis() - settings.graceMillis)
        }
        // Stopped after the collector: every reading is in, so what has closed goes out now, in
        // a task the cancellation does not reach (the request's own timeouts bound it).
        let now = clock.nowMillis()
        await Task.detached { await self.pushClosed(before: now) }.value
    }

    /// Pushes every interval that ended at or before `end`, oldest first.
    func pushClosed(before end: Int64) async {
        let interval = settings.intervalMillis
        let due: [(start: Int64, sums: IntervalSums)] = state.withLock { s in
            let due = s.windows.filter { $0.start + interval <= end }
            s.windows.removeAll { $0.start + interval <= end }
            if let last = due.last { s.closedThrough = max(s.closedThrough, last.start + interval) }
            return due
        }
        for (i, window) in due.enumerated() {
            let sent = await push(window.sums.averages, start: window.start, readings: window.sums.readings)
            guard let sent else { continue }
            // Cut short by the stop: the intervals not yet begun go back for the last push, after
            // the collector has stopped; one half sent is not sent twice.
            let back = due[(sent == 0 ? i : i + 1)...]
            state.withLock { s in s.windows = Array((back + s.windows).sorted { $0.start < $1.start }.suffix(Self.maxWindows)) }
            return
        }
    }

    /// Pushes one interval's requests (one per sensor). Nil when all were tried; when the task
    /// was cancelled, how many went out before.
    func push(_ averages: IntervalAverages, start: Int64, readings: Int) async -> Int? {
        let requests = SensorCommunityPush.requests(
            averages, endpoint: settings.endpoint, nodeID: settings.nodeID, softwareVersion: settings.softwareVersion)
        for (sent, request) in requests.enumerated() {
            let pin = request.header("X-Pin") ?? "?"
            do {
                let response = try await send(request)
                guard (200..<300).contains(response.status) else {
                    let body = String(decoding: response.body.prefix(200), as: UTF8.self)
                    throw SensorCommunityError.refused(status: response.status, body: body)
                }
                state.withLock { $0.failuresInARow = 0 }
                logger.debug("sensor.community: pushed", metadata: [
                    "pin": "\(pin)", "interval": "\(ISO8601.format(millis: start))", "readings": "\(readings)"])
            } catch is CancellationError {
                return sent
            } catch {
                if Task.isCancelled { return sent }
                let streak = state.withLock { s in
                    s.failuresInARow += 1
                    return s.failuresInARow
                }
                let metadata: Logger.Metadata = [
                    "pin": "\(pin)", "interval": "\(ISO8601.format(millis: start))", "error": "\(error)"]
                let message: Logger.Message = "sensor.community: push failed; the next interval is pushed as usual"
                if streak == 1 { logger.warning(message, metadata: metadata) } else { logger.info(message, metadata: metadata) }
            }
        }
        return nil
    }
}

/// Why sensor.community pushes cannot start or did not land.
public enum SensorCommunityError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No node id to send.
    case noNodeID(String)
    /// The API answered with a status other than 2xx.
    case refused(status: Int, body: String)

    public var description: String {
        switch self {
        case .noNodeID(let why):
            "OPENSENSOR_SENSOR_COMMUNITY_SENSOR_ID is not set and \(why): set it to the id sensor.community registered for this station"
        case .refused(let status, let body):
            "the API answered \(status)" + (body.isEmpty ? "" : ": \(body)")
        }
    }
}
