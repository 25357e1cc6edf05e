// `start`'s runtime: the order of shutdown as events recorded by fakes, and a stop arriving at
// each stage (before the first reading, while collecting, during a scheduled sync, during the last
// sync). The collector is the real one on a fixed board, so "the open batch is written" is a
// file on disk; its clock hands out a given number of ticks and then waits to be cancelled.

import Foundation
import CivilTime
import Collector
import Drivers
import HAL
import Logging
import Synchronization
import TestSupport
import Testing
@testable import StationRuntime

/// What happened, in order, across tasks.
final class Events: Sendable {
    private let list = Mutex<[String]>([])
    func record(_ event: String) { list.withLock { $0.append(event) } }
    var all: [String] { list.withLock { $0 } }
    func contains(_ event: String) -> Bool { all.contains(event) }
}

/// A wall clock whose first `ticks` sleeps return at once (time jumps to the wake-up); after
/// that a sleep waits until it is cancelled, recording `<name> stopped`.
final class ScriptedClock: WallClock {
    private let state: Mutex<(now: Int64, ticks: Int, waiting: Bool)>
    let name: String
    let events: Events

    init(start: Int64, ticks: Int, name: String, events: Events) {
        state = Mutex((start, ticks, false))
        self.name = name
        self.events = events
    }

    func nowMillis() -> Int64 { state.withLock { $0.now } }
    var waiting: Bool { state.withLock { $0.waiting } }

    func sleep(untilMillis millis: Int64) async throws {
        let tick = state.withLock { s -> Bool in
            guard s.ticks > 0 else { s.waiting = true; return false }
            s.ticks -= 1
            s.now = max(s.now, millis)
            return true
        }
        if tick { return }
        do {
            try await Task.sleep(for: .seconds(3600))
        } catch {
            events.record("\(name) stopped")
            throw error
        }
    }
}

/// A gate that ignores cancellation: what a hung store looks like to the runtime.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let open = state.withLock { s -> Bool in
                if !s.open { s.waiters.append(c) }
                return s.open
            }
            if open { c.resume() }
        }
    }
    func open() {
        let waiters = state.withLock { s in s.open = true; defer { s.waiters = [] }; return s.waiters }
        for w in waiters { w.resume() }
    }
}

/// Auto-sync: a scheduled sync that may be under way when the stop comes, and a last sync that
/// may hang.
struct FakeSync: SyncSchedule {
    let events: Events
    var scheduledSyncRuns = false
    var finalSyncHangs: Gate?

    func runScheduled() async {
        if scheduledSyncRuns { events.record("scheduled sync started") }
        // An upload under way, or the wait for the next boundary: both end by cancellation.
        try? await Task.sleep(for: .seconds(3600))
        events.record("scheduled syncs stopped")
    }

    func syncAll() async {
        events.record("final sync started")
        if let gate = finalSyncHangs { await gate.wait() }
        events.record("final sync done")
    }
}

/// The real collector, and a note when it has returned (its open batch written by then).
struct RecordingCollector: StationCollector {
    let inner: Collector
    let events: Events
    func run(stopAt: Int64?) async {
        await inner.run(stopAt: stopAt)
        events.record("collector stopped: \(await inner.filesWritten.count) files")
    }
}

/// An outlet that counts the readings it was given and notes when it stops, with that count: a
/// last reading taken during the collector's shutdown must still reach it.
final class RecordingOutlet: ReadingOutlet {
    let events: Events
    /// When set, the outlet's last message hangs until the gate opens, cancellation or not.
    let lastMessageHangs: Gate?
    private let taken = Mutex(0)
    init(events: Events, lastMessageHangs: Gate? = nil) {
        self.events = events
        self.lastMessageHangs = lastMessageHangs
    }
    var name: String { "recording" }
    var readings: Int { taken.withLock { $0 } }
    func readingTaken(_ reading: Reading) { taken.withLock { $0 += 1 } }
    func run() async {
        try? await Task.sleep(for: .seconds(3600))
        if let lastMessageHangs { await lastMessageHangs.wait() }
        events.record("outlet stopped: \(readings) readings")
    }
}

@Suite struct StationSupervisorTests {
    static let start: Int64 = 1_748_736_001_000  // 2025-06-01T00:00:01Z
    static let station = "0190a0b0-0000-7000-8000-000000000001"

    /// The events of a full shutdown, in the plan's order; the file count is the open batch.
    static let fullOrder = [
        "collector stopped: 1 files", "board shut down", "outlet stopped", "retention stopped",
        "scheduled syncs stopped", "final sync started", "final sync done", "stores shut down",
    ]
    static let shutdownEvents: Set<String> = Set(fullOrder)

    func tempDir() throws -> String { try makeTemporaryFolder("runtime") }

    func settings(_ dir: String) -> CollectorSettings {
        var s = CollectorSettings(station: Self.station, outputDirectory: dir)
        s.warmupReadings = 0
        s.compensationFactor = nil
        return s
    }

    /// Parquet files under `dir`.
    func batchFiles(_ dir: String) -> [String] {
        let e = FileManager.default.enumerator(atPath: dir)
        var found: [String] = []
        while let p = e?.nextObject() as? String { if p.hasSuffix(".parquet") { found.append(p) } }
        return found
    }

    /// Waits (polling; generous for a busy machine) until `condition` holds.
    func eventually(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !condition() {
            guard ContinuousClock.now < deadline else { throw SupportError("timed out waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    struct Station {
        let supervisor: StationSupervisor
        let collector: Collector
        let collectorClock: ScriptedClock
    }

    func station(
        _ dir: String, events: Events, ticks: Int, stopAt: Int64? = nil, sync: FakeSync?,
        logger: Logger = quiet, limit: Duration = .seconds(30), outlet hangs: Gate? = nil, outletsLimit: Duration = .seconds(10)
    ) throws -> Station {
        let clock = ScriptedClock(start: Self.start, ticks: ticks, name: "collector", events: events)
        let outlet = RecordingOutlet(events: events, lastMessageHangs: hangs)
        let collector = try Collector(board: FixedBoard(), clock: clock, settings: settings(dir), logger: quiet, monitor: outlet)
        let retentionClock = ScriptedClock(start: Self.start, ticks: 0, name: "retention", events: events)
        let supervisor = StationSupervisor(
            collector: .init(collector: RecordingCollector(inner: collector, events: events), stopAt: stopAt,
                             afterStop: { events.record("board shut down") }),
            outlets: [outlet],
            autoSync: sync,
            hourlyPasses: [{ events.record("retention pass") }],
            storeShutdowns: [{ events.record("stores shut down") }],
            clock: retentionClock, logger: logger, finalSyncLimit: limit, outletsLimit: outletsLimit, stopSignals: [])
        return Station(supervisor: supervisor, collector: collector, collectorClock: clock)
    }

    /// The shutdown events in order; an outlet's count is checked on its own.
    func shutdownOrder(_ events: Events) -> [String] {
        events.all.map { $0.hasPrefix("outlet stopped") ? "outlet stopped" : $0 }.filter(Self.shutdownEvents.contains)
    }

    @Test func thePlanStopsTheCollectorFirstAndTheStoresLast() {
        #expect(ShutdownPlan(outlets: true, hourlyPasses: true, autoSync: true, stores: true, finalSyncLimit: .seconds(30)).steps
            == [.stopCollector, .stopOutlets(limit: .seconds(10)), .stopHourlyPasses, .stopAutoSync(limit: .seconds(30)), .shutDownStores])
        #expect(ShutdownPlan(hourlyPasses: false, autoSync: false, stores: false).steps == [.stopCollector])
        #expect(ShutdownPlan(hourlyPasses: false, autoSync: true, stores: true).steps
            == [.stopCollector, .stopAutoSync(limit: .seconds(30)), .shutDownStores])
    }

    @Test func aStopWhileCollectingWritesTheOpenBatchThenStopsTheRestInOrder() async throws {
        let dir = try tempDir()
        let events = Events()
        let log = CapturedLog()
        let s = try station(dir, events: events, ticks: 3, sync: FakeSync(events: events), logger: log.logger)
        async let run: Void = s.supervisor.run()
        try await eventually("three readings") { s.collectorClock.waiting }
        #expect(batchFiles(dir).isEmpty, "the batch is still open")
        await s.supervisor.requestStop()
        try await run
        #expect(shutdownOrder(events) == Self.fullOrder)
        #expect(await s.collector.readingsCollected == 3)
        #expect(events.contains("outlet stopped: 3 readings"), "the outlet stops after the collector, with every reading")
        #expect(batchFiles(dir).count == 1)
        #expect(log.all.contains { $0.hasPrefix("notice: stopping: writing the open batch") })
    }

    @Test func stopAfterEndsTheSameWay() async throws {
        let dir = try tempDir()
        let events = Events()
        let log = CapturedLog()
        // Readings at :05 and :10; the next (:15) is past the stop.
        let s = try station(dir, events: events, ticks: 10, stopAt: Self.start + 12_000, sync: FakeSync(events: events),
                            logger: log.logger)
        try await s.supervisor.run()
        #expect(shutdownOrder(events) == Self.fullOrder)
        #expect(await s.collector.readingsCollected == 2)
        #expect(batchFiles(dir).count == 1)
        #expect(!log.all.contains { $0.contains("stopping: writing the open batch") }, "no signal, no stop message")
    }

    @Test func aStopBeforeTheFirstReadingStillFilesWhatTheJournalHolds() async throws {
        let dir = try tempDir()
        // A previous run journaled two readings and died before filing them.
        do {
            let crashed = try Collector(board: FixedBoard(), clock: VirtualWallClock(start: Self.start), settings: settings(dir), logger: quiet)
            for t in [Self.start + 4_000, Self.start + 9_000] {
                var c: CPUHeatCompensator?
                await crashed.collect(Reading(await FixedBoard().read(at: Timestamp(millisecondsSinceEpoch: t)), compensator: &c))
            }
        }
        #expect(batchFiles(dir).isEmpty)
        let events = Events()
        let s = try station(dir, events: events, ticks: 0, sync: FakeSync(events: events))
        await s.supervisor.requestStop()
        try await s.supervisor.run()
        #expect(await s.collector.readingsCollected == 0)
        #expect(batchFiles(dir).count == 1, "the journal's readings are filed")
        #expect(shutdownOrder(events) == Self.fullOrder)
    }

    @Test func aStopDuringAScheduledSyncWaitsForTheCollectorFirst() async throws {
        let dir = try tempDir()
        let events = Events()
        let s = try station(dir, events: events, ticks: 2, sync: FakeSync(events: events, scheduledSyncRuns: true))
        async let run: Void = s.supervisor.run()
        try await eventually("a sync under way") { events.contains("scheduled sync started") && s.collectorClock.waiting }
        await s.supervisor.requestStop()
        try await run
        #expect(shutdownOrder(events) == Self.fullOrder)
        #expect(batchFiles(dir).count == 1)
    }

    // The time limit turns a shutdown that waits for the hung sync into a failure, not a hang.
    @Test(.timeLimit(.minutes(1))) func aHungLastSyncIsAbandonedAtItsLimitAndASecondStopChangesNothing() async throws {
        let dir = try tempDir()
        let events = Events()
        let log = CapturedLog()
        let gate = Gate()
        defer { gate.open() }
        let limit: Duration = .milliseconds(300)
        let s = try station(dir, events: events, ticks: 2, sync: FakeSync(events: events, finalSyncHangs: gate),
                            logger: log.logger, limit: limit)
        async let run: Void = s.supervisor.run()
        try await eventually("two readings") { s.collectorClock.waiting }
        let stoppedAt = ContinuousClock.now
        await s.supervisor.requestStop()
        try await eventually("the last sync") { events.contains("final sync started") }
        await s.supervisor.requestStop()  // a second signal
        try await run
        let took = ContinuousClock.now - stoppedAt
        #expect(shutdownOrder(events) == Self.fullOrder.filter { $0 != "final sync done" })
        #expect(batchFiles(dir).count == 1, "the batch was written before the last sync began")
        #expect(took >= limit)
        #expect(took < .seconds(20), "bounded by the limit (0.3 s), with room for a busy machine")
        #expect(log.all.contains { $0.hasPrefix("warning: the last sync did not finish in time") })
    }

    @Test(.timeLimit(.minutes(1))) func anOutletHangingAtItsLastMessageIsLeftAtItsLimitAndTheRestStillStop() async throws {
        let dir = try tempDir()
        let events = Events()
        let log = CapturedLog()
        let gate = Gate()
        defer { gate.open() }
        let limit: Duration = .milliseconds(300)
        let s = try station(dir, events: events, ticks: 1, sync: FakeSync(events: events), logger: log.logger,
                            outlet: gate, outletsLimit: limit)
        async let run: Void = s.supervisor.run()
        try await eventually("a reading") { s.collectorClock.waiting }
        let stoppedAt = ContinuousClock.now
        await s.supervisor.requestStop()
        try await run
        let took = ContinuousClock.now - stoppedAt
        #expect(shutdownOrder(events) == Self.fullOrder.filter { $0 != "outlet stopped" })
        #expect(batchFiles(dir).count == 1)
        #expect(took >= limit)
        #expect(took < .seconds(20), "bounded by the limit (0.3 s), with room for a busy machine")
        #expect(log.all.contains { $0.hasPrefix("warning: the outlets did not stop in time") })
    }

    @Test func withoutAutoSyncTheStoresStillCloseLast() async throws {
        let dir = try tempDir()
        let events = Events()
        let s = try station(dir, events: events, ticks: 1, sync: nil)
        #expect(s.supervisor.plan.steps == [.stopCollector, .stopOutlets(limit: .seconds(10)), .stopHourlyPasses, .shutDownStores])
        async let run: Void = s.supervisor.run()
        try await eventually("a reading") { s.collectorClock.waiting }
        await s.supervisor.requestStop()
        try await run
        #expect(shutdownOrder(events) == ["collector stopped: 1 files", "board shut down", "outlet stopped", "retention stopped", "stores shut down"])
    }
}
