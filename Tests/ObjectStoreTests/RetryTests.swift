import ObjectStore
import Synchronization
import Testing

/// A virtual clock: sleeping advances time instantly and records the waits.
final class VirtualClock: RetryClock {
    let state = Mutex<(now: Duration, sleeps: [Duration])>((.zero, []))
    func now() -> Duration { state.withLock { $0.now } }
    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        state.withLock {
            $0.now += duration
            $0.sleeps.append(duration)
        }
    }
    func advance(_ d: Duration) { state.withLock { $0.now += d } }
    var sleeps: [Duration] { state.withLock { $0.sleeps } }
}

/// Returns scripted values in turn.
final class ScriptedRandom: RandomSource {
    let values: Mutex<[Double]>
    init(_ values: [Double]) { self.values = Mutex(values) }
    func nextUnit() -> Double { values.withLock { $0.isEmpty ? 0.5 : $0.removeFirst() } }
}

@Suite struct RetryTests {
    let transient = ObjectStoreError(.transient, "503 SlowDown")

    @Test func ceilingGrowsExponentiallyUpToTheMaximum() {
        let config = RetryConfig(initialBackoff: .milliseconds(100), maxBackoff: .seconds(1), multiplier: 2)
        #expect((1...6).map { config.ceiling(forRetry: $0) } == [
            .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800), .seconds(1), .seconds(1),
        ])
    }

    @Test func fullJitterScalesTheCeiling() {
        let config = RetryConfig(initialBackoff: .milliseconds(100), maxBackoff: .seconds(10), multiplier: 2)
        #expect(config.delay(forRetry: 3, unitRandom: 0) == .zero)
        #expect(config.delay(forRetry: 3, unitRandom: 0.25) == .milliseconds(100))
        #expect(config.delay(forRetry: 3, unitRandom: 0.999) < .milliseconds(400))
    }

    @Test func retriesTransientErrorsWithJitteredWaits() async throws {
        let clock = VirtualClock()
        let retrier = Retrier(
            config: RetryConfig(maxRetries: 5, initialBackoff: .seconds(1), maxBackoff: .seconds(60)), clock: clock,
            random: ScriptedRandom([0.5, 0.25, 1.0]))
        let attempts = Mutex(0)
        let result = try await retrier.run { attempt -> String in
            attempts.withLock { $0 += 1 }
            if attempt < 3 { throw transient }
            return "ok after \(attempt)"
        }
        #expect(result == "ok after 3")
        #expect(attempts.withLock { $0 } == 4)
        #expect(clock.sleeps == [.milliseconds(500), .milliseconds(500), .seconds(4)])
    }

    @Test func givesUpAfterMaxRetriesKeepingTheError() async {
        let clock = VirtualClock()
        let retrier = Retrier(config: RetryConfig(maxRetries: 2), clock: clock, random: ScriptedRandom([]))
        await #expect {
            try await retrier.run { _ in throw transient }
        } throws: { error in
            let e = error as? ObjectStoreError
            return e?.kind == .transient && e?.attempts == 3 && e?.message.contains("503 SlowDown") == true
        }
        #expect(clock.sleeps.count == 2)
    }

    @Test func stopsWhenTheTotalTimeoutWouldBeExceeded() async {
        let clock = VirtualClock()
        let retrier = Retrier(
            config: RetryConfig(maxRetries: 100, totalTimeout: .seconds(10), initialBackoff: .seconds(4), maxBackoff: .seconds(4)),
            clock: clock, random: ScriptedRandom(Array(repeating: 0.99, count: 100)))
        await #expect {
            try await retrier.run { _ in
                clock.advance(.seconds(1))  // each attempt takes a second
                throw transient
            }
        } throws: { error in
            (error as? ObjectStoreError)?.message.contains("budget") == true
        }
        // Attempt 1 ends at 1 s, waits ~3.96 s; attempt 2 ends at ~5.96 s, waits; attempt 3 ends at ~10.9 s: stop.
        #expect(clock.sleeps.count == 2)
        #expect(clock.now() <= .seconds(12))
    }

    @Test(arguments: [ObjectStoreError.Kind.credentials, .configuration, .notFound, .preconditionFailed, .rejected])
    func doesNotRetryOtherKinds(_ kind: ObjectStoreError.Kind) async {
        let clock = VirtualClock()
        let attempts = Mutex(0)
        await #expect(throws: ObjectStoreError.self) {
            try await Retrier(config: .default, clock: clock).run { _ in
                attempts.withLock { $0 += 1 }
                throw ObjectStoreError(kind, "no")
            }
        }
        #expect(attempts.withLock { $0 } == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test func errorDescriptionKeepsProviderDetail() {
        let error = ObjectStoreError(
            .configuration, "bucket does not exist", path: "a/b", operation: "PUT",
            provider: .init(status: 404, code: "NoSuchBucket", message: "The specified bucket does not exist"),
            attempts: 1)
        #expect(
            error.description
                == "configuration (PUT a/b): bucket does not exist [HTTP 404 NoSuchBucket \"The specified bucket does not exist\"]")
        #expect(ObjectStoreError.Kind.credentials.needsUserAction && !ObjectStoreError.Kind.transient.needsUserAction)
        #expect(ObjectStoreError.Kind.transient.isRetryable && !ObjectStoreError.Kind.notFound.isRetryable)
    }
}
