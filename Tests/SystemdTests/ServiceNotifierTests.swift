// sd_notify on a real datagram socket the test opens, the heartbeat policy with times passed
// in, and the watchdog the collector calls.

import Foundation
import Logging
import Synchronization
import CivilTime
import Config
import DurableFiles
import TestSupport
import Testing
@testable import Systemd

/// Whether a send succeeded (`Result<Void, _>` is not Equatable).
func sent(_ result: Result<Void, ServiceNotifyError>) -> Bool {
    if case .success = result { true } else { false }
}

@Suite("sd_notify: ServiceNotifier on a real datagram socket")
struct ServiceNotifierTests {
    @Test(arguments: [false, true])
    func sendsEachNotificationAsOneDatagram(abstract: Bool) throws {
        let receiver = try NotifyReceiver(abstract: abstract)
        let notifier = try #require(ServiceNotifier(environment: ["NOTIFY_SOCKET": receiver.name]))
        #expect(sent(notifier.ready(status: "collecting\nnow")))
        #expect(sent(notifier.watchdog()))
        #expect(sent(notifier.status("batch data_1445.parquet")))
        #expect(sent(notifier.stopping()))
        #expect(sent(notifier.send("EXTEND_TIMEOUT_USEC=5000000")))
        #expect(receiver.drain() == [
            "READY=1\nSTATUS=collecting now",
            "WATCHDOG=1",
            "STATUS=batch data_1445.parquet",
            "STOPPING=1",
            "EXTEND_TIMEOUT_USEC=5000000",
        ])
    }

    @Test func noSocketMeansNoNotifier() throws {
        #expect(ServiceNotifier(environment: [:]) == nil)
        #expect(try ServiceNotifier.open(environment: ["WATCHDOG_USEC": "1000000"]) == nil)
    }

    @Test(arguments: ["relative/socket", "", "@", "/" + String(repeating: "x", count: 120)])
    func malformedSocketNamesAreRefusedWithAReason(name: String) {
        #expect(ServiceNotifier(environment: ["NOTIFY_SOCKET": name]) == nil)
        #expect(throws: ServiceNotifyError.self) { try ServiceNotifier.open(environment: ["NOTIFY_SOCKET": name]) }
        do {
            _ = try ServiceNotifier.open(environment: ["NOTIFY_SOCKET": name])
        } catch {
            #expect(error.operation == "NOTIFY_SOCKET")
            #expect(error.description.contains("NOTIFY_SOCKET"))
        }
    }

    @Test func watchdogIntervalComesFromWatchdogUSecForThisProcessOnly() throws {
        let receiver = try NotifyReceiver(abstract: true)
        let base = ["NOTIFY_SOCKET": receiver.name, "WATCHDOG_USEC": "30000000"]
        #expect(ServiceNotifier(environment: base)?.watchdogInterval == .seconds(30))
        #expect(ServiceNotifier(environment: base.merging(["WATCHDOG_PID": "4242"]) { $1 }, processID: 4242)?.watchdogInterval == .seconds(30))
        // Meant for another process (e.g. our parent): not ours to keep alive.
        let other = try #require(ServiceNotifier(environment: base.merging(["WATCHDOG_PID": "4243"]) { $1 }, processID: 4242))
        #expect(other.watchdogInterval == nil)
        #expect(ServiceNotifier(environment: ["NOTIFY_SOCKET": receiver.name])?.watchdogInterval == nil)
        for bad in ["0", "-5", "soon", ""] {
            #expect(throws: ServiceNotifyError.self) {
                try ServiceNotifier.open(environment: ["NOTIFY_SOCKET": receiver.name, "WATCHDOG_USEC": bad])
            }
        }
    }

    @Test func aVanishedManagerIsAnErrorNotACrash() throws {
        var notifier: ServiceNotifier?
        do {
            let receiver = try NotifyReceiver(abstract: false)
            notifier = ServiceNotifier(environment: ["NOTIFY_SOCKET": receiver.name])
        }  // the receiver closes and its socket file is removed
        let result = try #require(notifier).watchdog()
        guard case .failure(let error) = result else {
            Issue.record("sending to a removed socket succeeded")
            return
        }
        #expect(error.operation == "sendto")
        #expect(error.code != 0)
    }

    @Test func aFullQueueDropsTheNotificationInsteadOfBlocking() throws {
        let receiver = try NotifyReceiver(abstract: true)
        let notifier = try #require(ServiceNotifier(environment: ["NOTIFY_SOCKET": receiver.name]))
        // Nobody reads: the kernel's queue (net.unix.max_dgram_qlen, 10 by default) fills up.
        // A blocking send would hang this test; a non-blocking one reports EAGAIN.
        var failure: ServiceNotifyError?
        for _ in 0..<100_000 {
            if case .failure(let e) = notifier.watchdog() {
                failure = e
                break
            }
        }
        let error = try #require(failure)
        #expect(error.wouldBlock)
        #expect(!receiver.drain().isEmpty)
        #expect(sent(notifier.watchdog()))
    }
}

@Suite("Watchdog: the heartbeat is earned by readings")
struct WatchdogHeartbeatTests {
    /// 60 s watchdog, 5 s reads, 15 min batches.
    static let policy = WatchdogHeartbeat.Policy(watchdog: .seconds(60), readIntervalSeconds: 5)

    @Test func readingsOnScheduleEarnAHeartbeatAtMostEveryHalfInterval() {
        var h = WatchdogHeartbeat(policy: Self.policy)
        var sent: [Int64] = []
        for t in stride(from: Int64(1_000), through: 120_000, by: 5_000) where h.readingRecorded(atMonotonic: t) {
            sent.append(t)
        }
        // First reading beats at once; then the first reading at least 30 s after the last beat.
        #expect(sent == [1_000, 31_000, 61_000, 91_000])
        // The longest gap stays under the 60 s systemd waits.
        #expect(zip(sent, sent.dropFirst()).allSatisfy { $1 - $0 < 60_000 })
    }

    @Test func aHungReadStopsTheHeartbeat() {
        var h = WatchdogHeartbeat(policy: Self.policy)
        let first = h.readingRecorded(atMonotonic: 0)
        #expect(first)
        // The read loop hangs: nothing more is recorded, so past 3 read intervals the readings
        // are stale and even a late batch report earns no heartbeat.
        #expect(h.verdict(atMonotonic: 14_000) == .notYet)
        #expect(h.verdict(atMonotonic: 15_000) == .notYet)
        #expect(h.verdict(atMonotonic: 15_001) == .readingsStale(ageMillis: 15_001))
        let lateBatch = h.batchWritten(atMonotonic: 40_000)
        #expect(!lateBatch)
        #expect(h.lastHeartbeatAt == 0)
        // Readings resume: the heartbeat resumes with them.
        let resumed = h.readingRecorded(atMonotonic: 45_000)
        #expect(resumed)
    }

    @Test func failingBatchWritesNeitherStopNorForceTheHeartbeat() {
        var h = WatchdogHeartbeat(policy: Self.policy)
        let first = h.readingRecorded(atMonotonic: 0)
        #expect(first)
        // Batch writes fail from 100 s on, for an hour, while readings keep coming: a disk that
        // is full. The process is alive, so the heartbeat goes on, every 30 s as before.
        var beats: [Int64] = []
        var t: Int64 = 100_000
        while t <= 100_000 + 3_600_000 {
            if h.batchFailed(atMonotonic: t) { beats.append(t) }
            if h.readingRecorded(atMonotonic: t) { beats.append(t) }
            t += 5_000
        }
        #expect(h.batchesFailingSince == 100_000)  // the streak's start is kept, not moved
        #expect(zip(beats, beats.dropFirst()).allSatisfy { $1 - $0 >= 30_000 && $1 - $0 < 60_000 })
        #expect(beats.last! > 100_000 + 3_600_000 - 60_000)
        // A failure report alone is no sign of life: with the readings stale, no heartbeat.
        let stale = h.batchFailed(atMonotonic: t + 60_000)
        #expect(!stale)
        #expect(h.verdict(atMonotonic: t + 60_000) == .readingsStale(ageMillis: 65_000))
        // One success ends the streak.
        _ = h.batchWritten(atMonotonic: t + 60_001)
        #expect(h.batchesFailingSince == nil)
    }

    @Test func noWatchdogNoReadingAndRecommendedIntervals() {
        var off = WatchdogHeartbeat(policy: .init(watchdog: nil, readIntervalSeconds: 5))
        let anything = off.readingRecorded(atMonotonic: 0)
        #expect(!anything)
        #expect(off.verdict(atMonotonic: 0) == .disabled)
        let fresh = WatchdogHeartbeat(policy: Self.policy)
        #expect(fresh.verdict(atMonotonic: 0) == .noReading)
        #expect(WatchdogHeartbeat.Policy(watchdog: .microseconds(2_500_000), readIntervalSeconds: 5).watchdogMillis == 2_500)
        #expect(WatchdogHeartbeat.Policy.recommendedWatchdogSeconds(readIntervalSeconds: 5) == 60)
        #expect(WatchdogHeartbeat.Policy.recommendedWatchdogSeconds(readIntervalSeconds: 60) == 240)
    }

    @Test(arguments: [1, 5, 15, 30, 60])
    func theRecommendedIntervalIsAlwaysMetByReadingsOnSchedule(readInterval: Int) {
        let w = WatchdogHeartbeat.Policy.recommendedWatchdogSeconds(readIntervalSeconds: readInterval)
        var h = WatchdogHeartbeat(policy: .init(watchdog: .seconds(w), readIntervalSeconds: readInterval))
        var last: Int64 = 0
        var worst: Int64 = 0
        // Each read finishes up to one read interval after its slot (a slow PMS5003 frame).
        for i in Int64(0)..<2_000 {
            let t = i * Int64(readInterval) * 1000 + (i % 3) * Int64(readInterval) * 500
            if h.readingRecorded(atMonotonic: t) {
                worst = max(worst, t - last)
                last = t
            }
        }
        #expect(worst > 0 && worst < Int64(w) * 1000)
    }
}

@Suite("Watchdog: what the collector calls")
struct ServiceWatchdogTests {
    @Test func readyHeartbeatsStatusAndStoppingReachTheSocket() throws {
        let receiver = try NotifyReceiver(abstract: true)
        let log = CapturedLog()
        let watchdog = ServiceWatchdog.fromEnvironment(
            ["NOTIFY_SOCKET": receiver.name, "WATCHDOG_USEC": "60000000"], readIntervalSeconds: 5, logger: log.logger)
        watchdog.ready()
        for t in stride(from: Int64(0), through: 40_000, by: 5_000) { watchdog.readingRecorded(atMonotonic: t) }
        watchdog.batchWritten(atMonotonic: 41_000, file: "data_1445.parquet")
        watchdog.batchFailed(atMonotonic: 46_000, error: "No space left on device")
        watchdog.batchFailed(atMonotonic: 51_000, error: "No space left on device")
        watchdog.stopping()
        #expect(receiver.drain() == [
            "READY=1\nSTATUS=collecting",
            "WATCHDOG=1",  // t = 0
            "WATCHDOG=1",  // t = 30 s
            "STATUS=collecting; last batch data_1445.parquet",
            "STATUS=batch write failing (readings kept in the journal): No space left on device",
            "STOPPING=1\nSTATUS=stopping: writing the open batch",
        ])
        #expect(log.all.contains { $0.contains("notifications on") })
    }

    @Test func withoutAManagerEverythingIsANoOp() {
        let log = CapturedLog()
        let watchdog = ServiceWatchdog.fromEnvironment([:], readIntervalSeconds: 5, logger: log.logger)
        watchdog.ready()
        watchdog.readingRecorded(atMonotonic: 0)
        watchdog.stopping()
        #expect(watchdog.notifier == nil)
        #expect(log.all.isEmpty)
    }

    @Test func aBrokenEnvironmentIsLoggedAndCollectionGoesOn() {
        let log = CapturedLog()
        let watchdog = ServiceWatchdog.fromEnvironment(
            ["NOTIFY_SOCKET": "notify.sock"], readIntervalSeconds: 5, logger: log.logger)
        watchdog.readingRecorded(atMonotonic: 0)
        #expect(watchdog.notifier == nil)
        #expect(log.all.count == 1 && log.all[0].contains("absolute socket path"))
    }

    @Test func sendFailuresAreLoggedOncePerStreak() throws {
        let log = CapturedLog()
        var watchdog: ServiceWatchdog?
        do {
            let receiver = try NotifyReceiver(abstract: false)
            watchdog = ServiceWatchdog.fromEnvironment(
                ["NOTIFY_SOCKET": receiver.name, "WATCHDOG_USEC": "10000000"], readIntervalSeconds: 1, logger: log.logger)
        }
        let w = try #require(watchdog)
        for t in stride(from: Int64(0), through: 60_000, by: 1_000) { w.readingRecorded(atMonotonic: t) }
        let warnings = log.all.filter { $0.hasPrefix("warning") }
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains("cannot notify") == true)
    }
}
