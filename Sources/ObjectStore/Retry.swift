/// How a store retries transient failures: exponential backoff with full jitter, bounded both
/// in count and in total time.
///
/// Retry `n` (1-based) waits a uniformly random time in `0 ..< min(maxBackoff, initialBackoff ×
/// multiplier^(n-1))` ("full jitter", which spreads a fleet of stations that went offline
/// together). A retry is not started when it could not begin before `totalTimeout` has passed
/// since the first attempt; keep `totalTimeout` well under a presigned URL's or temporary
/// credential's lifetime.
public struct RetryConfig: Sendable, Equatable, CustomStringConvertible {
    /// Retries after the first attempt (0 disables retrying).
    public var maxRetries: Int
    /// Total time budget from the first attempt on, waits included.
    public var totalTimeout: Duration
    /// Ceiling of the first wait.
    public var initialBackoff: Duration
    /// Largest ceiling of any wait.
    public var maxBackoff: Duration
    /// Growth of the ceiling per retry.
    public var multiplier: Double

    /// A retry policy.
    public init(
        maxRetries: Int = 8, totalTimeout: Duration = .seconds(180), initialBackoff: Duration = .milliseconds(200),
        maxBackoff: Duration = .seconds(20), multiplier: Double = 2
    ) {
        self.maxRetries = max(0, maxRetries)
        self.totalTimeout = totalTimeout
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = max(1, multiplier)
    }

    /// Eight retries within three minutes, waits from 200 ms growing to 20 s.
    public static let `default` = RetryConfig()
    /// No retries.
    public static let never = RetryConfig(maxRetries: 0)

    /// The ceiling of the wait before retry `n` (1-based).
    public func ceiling(forRetry n: Int) -> Duration {
        let initial = Self.seconds(initialBackoff)
        let grown = initial * pow(multiplier, Double(max(0, n - 1)))
        return Self.duration(min(grown, Self.seconds(maxBackoff)))
    }

    /// The wait before retry `n`, given a uniform random value in `0 ..< 1`.
    public func delay(forRetry n: Int, unitRandom: Double) -> Duration {
        Self.duration(Self.seconds(ceiling(forRetry: n)) * min(max(unitRandom, 0), 1))
    }

    public var description: String {
        "RetryConfig(maxRetries: \(maxRetries), totalTimeout: \(totalTimeout), backoff: \(initialBackoff)…\(maxBackoff) ×\(multiplier), full jitter)"
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    static func duration(_ seconds: Double) -> Duration { .nanoseconds(Int64((seconds * 1e9).rounded())) }

    private func pow(_ base: Double, _ exponent: Double) -> Double {
        var result = 1.0
        var i = 0.0
        while i < exponent && result < 1e12 {
            result *= base
            i += 1
        }
        return result
    }
}

/// A monotonic clock that can sleep; injected so retry tests run instantly.
public protocol RetryClock: Sendable {
    /// Time since an arbitrary fixed origin.
    func now() -> Duration
    /// Sleeps; throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock (`ContinuousClock`).
public struct SystemRetryClock: RetryClock {
    private let origin = ContinuousClock.now
    /// The real clock.
    public init() {}
    public func now() -> Duration { ContinuousClock.now - origin }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// A source of uniform random numbers in `0 ..< 1`; injected so jitter is reproducible in tests.
public protocol RandomSource: Sendable {
    /// The next value in `0 ..< 1`.
    func nextUnit() -> Double
}

/// The system's random generator.
public struct SystemRandomSource: RandomSource {
    /// The system's random generator.
    public init() {}
    public func nextUnit() -> Double { Double.random(in: 0..<1) }
}

/// Runs an operation, retrying it on ``ObjectStoreError/Kind-swift.struct/transient`` errors as
/// a ``RetryConfig`` says.
public struct Retrier: Sendable {
    /// The policy.
    public var config: RetryConfig
    /// The clock that measures the budget and sleeps.
    public var clock: any RetryClock
    /// The jitter source.
    public var random: any RandomSource

    /// A retrier; the defaults use the real clock and the system random generator.
    public init(
        config: RetryConfig = .default, clock: any RetryClock = SystemRetryClock(),
        random: any RandomSource = SystemRandomSource()
    ) {
        self.config = config
        self.clock = clock
        self.random = random
    }

    /// Runs `body` (passed the 0-based attempt number) until it succeeds, fails with a
    /// non-transient error, or the policy is exhausted; the error thrown then records the
    /// number of attempts and why retrying stopped.
    public func run<T>(_ body: (Int) async throws -> T) async throws -> T {
        let start = clock.now()
        var attempt = 0
        while true {
            do {
                return try await body(attempt)
            } catch var error as ObjectStoreError where error.kind.isRetryable {
                error.attempts = attempt + 1
                if attempt >= config.maxRetries {
                    if config.maxRetries > 0 { error.message += " (gave up: \(config.maxRetries) retries used)" }
                    throw error
                }
                let wait = config.delay(forRetry: attempt + 1, unitRandom: random.nextUnit())
                let elapsed = clock.now() - start
                if elapsed + wait > config.totalTimeout {
                    error.message += " (gave up: retry budget of \(config.totalTimeout) spent)"
                    throw error
                }
                try await clock.sleep(for: wait)
                attempt += 1
            }
        }
    }
}
