// What `sudo opensensor service setup` does to the directories the unit makes writable (output,
// health, logs), decided from facts it is given. Pure: the command gathers the facts
// (`DirectoryFacts.current`) and `ServiceDirectories.apply` carries the plan out.
//
// Run as root, setup used to create each directory and then chown it, following symlinks, even
// when it already existed: a configured `/etc` (or a link to it) was handed to the user. Now a
// directory that exists is never touched, only the directories setup creates are given to the
// user, and system directories are refused outright, whether named or reached through a link.

import Config
import DurableFiles

/// A file's identity (device and inode), to notice that a path changed between the facts and
/// the action.
public struct FileIdentity: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64

    public init(device: UInt64, inode: UInt64) {
        self.device = device
        self.inode = inode
    }
}

/// What the system shows of one configured directory.
public struct DirectoryFacts: Sendable, Equatable {
    /// What the leading part of the path that exists is.
    public enum Kind: Sendable, Equatable {
        case directory
        /// A file, device or socket: nothing can be created under it.
        case notDirectory
    }

    /// The configured directory: absolute and normalised (no `.`, `..`, `//`).
    public var path: String
    /// The longest leading part of `path` that exists (symlinks followed); `path` itself when
    /// the directory exists.
    public var existingPrefix: String
    /// `existingPrefix` with every symlink resolved (realpath).
    public var resolvedPrefix: String
    public var kind: Kind
    /// The owner of `existingPrefix`.
    public var ownerUID: UInt32
    public var identity: FileIdentity
    /// The first missing part is a symlink to nothing (mkdir would fail on it).
    public var danglingLink: Bool

    public init(
        path: String, existingPrefix: String, resolvedPrefix: String, kind: Kind = .directory, ownerUID: UInt32,
        identity: FileIdentity, danglingLink: Bool = false
    ) {
        self.path = path
        self.existingPrefix = existingPrefix
        self.resolvedPrefix = resolvedPrefix
        self.kind = kind
        self.ownerUID = ownerUID
        self.identity = identity
        self.danglingLink = danglingLink
    }

    /// The parts of `path` after `existingPrefix`, which do not exist yet.
    public var missing: [String] {
        let rest = path.dropFirst(existingPrefix == "/" ? 1 : existingPrefix.count)
        return rest.split(separator: "/").map(String.init)
    }
}

/// One directory to create: `name` in `parent`, a real path (no symlinks) that either existed
/// with `parentIdentity` or is created by an earlier step.
public struct DirectoryCreation: Sendable, Equatable {
    public var parent: String
    public var name: String
    /// nil when the parent is itself created by the plan.
    public var parentIdentity: FileIdentity?

    public init(parent: String, name: String, parentIdentity: FileIdentity?) {
        self.parent = parent
        self.name = name
        self.parentIdentity = parentIdentity
    }

    public var path: String { (parent == "/" ? "" : parent) + "/" + name }
}

/// The directories `service setup` creates and gives to the service's user, and what it refuses.
public struct ServiceDirectoriesPlan: Sendable, Equatable {
    /// Directories a service must never be given or write into: `/` and the top-level system
    /// directories themselves, and anything under those that hold the system, its kernel
    /// interfaces and root's home.
    public static let systemDirectories: Set<String> = [
        "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/libx32", "/media", "/mnt", "/opt",
        "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/var", "/var/cache", "/var/lib", "/var/local",
        "/var/log", "/var/mail", "/var/opt", "/var/spool", "/var/tmp",
    ]
    public static let systemTrees = ["/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/root", "/run", "/sbin", "/sys", "/usr"]

    public var user: String
    public var uid: UInt32
    /// In order: a parent before its children; each path once.
    public private(set) var creations: [DirectoryCreation] = []
    /// Directories that exist and stay as they are.
    public private(set) var existing: [String] = []
    /// Why a directory cannot be used; the command stops before changing anything.
    public private(set) var refusals: [String] = []
    /// Warnings (an existing directory that belongs to someone else).
    public private(set) var notes: [String] = []

    /// Decides the plan for the directories of `facts`, to be owned by `user` (`uid`).
    public init(facts: [DirectoryFacts], user: String, uid: UInt32) {
        self.user = user
        self.uid = uid
        for f in facts {
            let real = Self.join(f.resolvedPrefix, f.missing)
            if let system = Self.systemPath(f.path) ?? Self.systemPath(real) {
                let via = real == f.path ? "" : " (it resolves to \(real))"
                refusals.append("\(f.path)\(via): \(system) is a system directory; give the service a directory of its own, e.g. /var/lib/opensensor or one in the user's home")
                continue
            }
            guard f.kind == .directory else {
                refusals.append("\(f.path): \(f.existingPrefix) exists and is not a directory")
                continue
            }
            let missing = f.missing
            if missing.isEmpty {
                if !existing.contains(f.path) { existing.append(f.path) }
                if f.ownerUID != uid {
                    notes.append("\(f.path) exists and belongs to uid \(f.ownerUID), not to \(user); setup leaves existing directories as they are, so make sure \(user) can write there")
                }
                continue
            }
            if f.danglingLink {
                refusals.append("\(Self.join(f.existingPrefix, [missing[0]])): a symlink to nothing; remove it or point it at a directory")
                continue
            }
            var parent = f.resolvedPrefix
            var identity: FileIdentity? = f.identity
            for name in missing {
                let step = DirectoryCreation(parent: parent, name: name, parentIdentity: identity)
                if !creations.contains(where: { $0.path == step.path }) { creations.append(step) }
                parent = step.path
                identity = nil
            }
        }
    }

    /// `path` or the system directory it lies in, or nil when it is neither.
    static func systemPath(_ path: String) -> String? {
        if systemDirectories.contains(path) { return path }
        return systemTrees.first { path.hasPrefix($0 + "/") }
    }

    static func join(_ base: String, _ parts: [String]) -> String {
        parts.reduce(base) { ($0 == "/" ? "" : $0) + "/" + $1 }
    }

    /// The plan as lines for the terminal.
    public func render() -> String {
        var out = ""
        for c in creations { out += "  create \(c.path), owned by \(user)\n" }
        for e in existing { out += "  \(e): exists, left as it is\n" }
        for n in notes { out += "  note: \(n)\n" }
        for r in refusals { out += "  refused: \(r)\n" }
        return out
    }
}
