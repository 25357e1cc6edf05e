/// Clock-aligned batch boundaries: multiples of the batch duration since midnight UTC
/// (docs/ARCHITECTURE.md §2). A duration that does not divide a day has a short last batch that closes
/// at midnight, so no batch ever spans two dates.

import CivilTime
import Config
import DurableFiles
public struct BatchClock: Sendable, Equatable {
    public let durationMillis: Int64

    public init(durationSeconds: Int) {
        precondition(durationSeconds > 0)
        durationMillis = Int64(durationSeconds) * 1000
    }

    static let dayMillis: Int64 = 86_400_000

    /// The boundary that closes the batch containing `t`: the first boundary strictly after it.
    public func boundary(after t: Int64) -> Int64 {
        let dayStart = t.floorDiv(Self.dayMillis) * Self.dayMillis
        let next = dayStart + ((t - dayStart) / durationMillis + 1) * durationMillis
        return min(next, dayStart + Self.dayMillis)
    }
}

