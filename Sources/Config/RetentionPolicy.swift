// What retention may delete, decided from the configuration (Sources/LakeSync/Retention.swift
// carries it out).

/// What retention may delete, for one lake.
public struct RetentionPolicy: Sendable, Equatable {
    /// Keep today and this many whole days before it; nil keeps files forever.
    public var retentionDays: Int?
    /// Free-space floor in bytes; 0 turns the floor off.
    public var minFreeBytes: Int64
    /// Whether this lake is synced: then only files its ledger shows uploaded may go.
    public var syncEnabled: Bool
    /// The user's explicit permission to delete files never uploaded; honoured only with sync off.
    public var deleteUnsynced: Bool

    public init(retentionDays: Int? = nil, minFreeBytes: Int64 = 256 << 20, syncEnabled: Bool, deleteUnsynced: Bool = false) {
        self.retentionDays = retentionDays
        self.minFreeBytes = max(0, minFreeBytes)
        self.syncEnabled = syncEnabled
        self.deleteUnsynced = deleteUnsynced
    }

    /// Whether a pass can delete anything at all.
    public var isActive: Bool { retentionDays != nil || minFreeBytes > 0 }

    /// Files the ledger does not show uploaded may go: never while sync is on.
    public var mayDeleteUnsynced: Bool { !syncEnabled && deleteUnsynced }
}
