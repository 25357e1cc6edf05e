// The collector's side of the free-space floor (Sources/LakeSync/Retention.swift is the other).

public import DurableFiles
public import Logging
import CivilTime
import Config

/// The collector's side of the floor: it never deletes anything (retention does, beside it);
/// it says loudly, once while it lasts, that the disk is below the floor.
public struct DiskGuard: Sendable {
    public let path: String
    public let floorBytes: Int64
    public let freeSpace: any FreeSpace
    public private(set) var belowFloor = false
    private var measureFailed = false

    public init(path: String, floorBytes: Int64, freeSpace: any FreeSpace = StatvfsFreeSpace()) {
        self.path = path
        self.floorBytes = floorBytes
        self.freeSpace = freeSpace
    }

    /// Measures the free space; logs an error when it falls below the floor and a notice when
    /// it is back above.
    public mutating func check(logger: Logger) {
        guard floorBytes > 0 else { return }
        let free: Int64
        do {
            free = try freeSpace.availableBytes(at: path)
            measureFailed = false
        } catch {
            if !measureFailed { logger.warning("cannot check the free disk space", metadata: ["error": "\(error)"]) }
            measureFailed = true
            return
        }
        let metadata: Logger.Metadata = ["path": "\(path)", "free_mb": "\(free >> 20)", "floor_mb": "\(floorBytes >> 20)"]
        if free < floorBytes && !belowFloor {
            belowFloor = true
            logger.error(
                "free disk space is below OPENSENSOR_MIN_FREE_MB: collection goes on, batches are written while they fit and readings stay in the journal when they do not; retention deletes only synced files",
                metadata: metadata)
        } else if free >= floorBytes && belowFloor {
            belowFloor = false
            logger.notice("free disk space is above OPENSENSOR_MIN_FREE_MB again", metadata: metadata)
        }
    }
}
