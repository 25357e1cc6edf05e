// At most a few lake reads at once. Each read holds its files' bytes and its partial sums in
// memory, and a burst of requests (a script, a crawler, many tabs) would otherwise start them
// all together on as many threads: 300 one-day requests took the server from 24 to 91 MB.
// Requests beyond the waiting room are refused at once with 503 rather than queued without end.

import Synchronization

/// A counting semaphore for async callers with a bounded queue.
public final class ReadLimiter: Sendable {
    public let slots: Int
    public let maxWaiting: Int

    struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    /// `slots` reads at once; `maxWaiting` more may wait for one.
    public init(slots: Int, maxWaiting: Int) {
        self.slots = max(1, slots)
        self.maxWaiting = max(0, maxWaiting)
    }

    /// Reads running now (for tests and logs).
    public var running: Int { state.withLock { $0.running } }

    enum Admission { case now, wait, refuse }

    /// Runs `work` once a slot is free; nil, without running it, when the waiting room is full.
    public func run<T: Sendable>(_ work: @Sendable () async -> T) async -> T? {
        let admission: Admission = state.withLock { s in
            if s.running < slots {
                s.running += 1
                return .now
            }
            return s.waiting.count < maxWaiting ? .wait : .refuse
        }
        switch admission {
        case .refuse: return nil
        case .now: break
        case .wait:
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                // A slot may have been freed between the check above and now.
                let resumeNow: Bool = state.withLock { s in
                    if s.running < slots {
                        s.running += 1
                        return true
                    }
                    s.waiting.append(c)
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
        let result = await work()
        // The slot passes straight to the first waiter, so `running` stays put.
        let next: CheckedContinuation<Void, Never>? = state.withLock { s in
            if s.waiting.isEmpty {
                s.running -= 1
                return nil
            }
            return s.waiting.removeFirst()
        }
        next?.resume()
        return result
    }
}
