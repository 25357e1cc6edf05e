// The system facts the `service` and `fix-permissions` commands act on: accounts, groups,
// device nodes, boot files; and the atomic write that installs a unit or a udev rule. Kept
// apart from the pure plan and unit so those stay testable without a Raspberry Pi.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
public import Config
import DurableFiles

/// A user account from the password database.
public struct UserAccount: Sendable, Equatable {
    public var name: String
    public var uid: UInt32
    public var gid: UInt32
    /// The primary group's name (nil: a gid with no name).
    public var primaryGroup: String?
    /// The home directory (what systemd sets HOME to for `User=`).
    public var home: String

    /// The account named `name`, or nil when there is none.
    public static func lookup(_ name: String) -> UserAccount? {
        guard let pw = getpwnam(name) else { return nil }
        let gid = pw.pointee.pw_gid
        let home = pw.pointee.pw_dir.map { String(cString: $0) } ?? "/"
        return UserAccount(name: name, uid: pw.pointee.pw_uid, gid: gid, primaryGroup: groupName(gid), home: home)
    }

    /// The account of a user id, or nil.
    public static func lookup(uid: UInt32) -> UserAccount? {
        guard let pw = getpwuid(uid), let name = pw.pointee.pw_name else { return nil }
        return lookup(String(cString: name))
    }

    /// A group's name by gid.
    public static func groupName(_ gid: UInt32) -> String? {
        guard let gr = getgrgid(gid), let name = gr.pointee.gr_name else { return nil }
        return String(cString: name)
    }

    /// Whether a group of that name exists.
    public static func groupExists(_ name: String) -> Bool {
        getgrnam(name) != nil
    }
}

extension PermissionFacts {
    /// The first file of `paths` that exists, with its text.
    static func firstBootFile(_ paths: [String]) -> BootFile? {
        for path in paths where FileIO.exists(path) {
            if let text = try? FileIO.readText(path) { return BootFile(path: path, text: text) }
        }
        return nil
    }

    /// A device node as `stat` sees it (symlinks followed), or nil when absent. What it is and
    /// where it resolves are facts for the plan to judge; nothing is trusted here.
    static func deviceNode(_ path: String) -> DeviceNode? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        var resolvedPath = path
        if let resolved = realpath(path, nil) {
            resolvedPath = String(cString: resolved)
            free(resolved)
        }
        return DeviceNode(
            path: path, resolvedPath: resolvedPath, kernelName: String(resolvedPath.split(separator: "/").last ?? ""),
            group: UserAccount.groupName(st.st_gid), mode: UInt32(st.st_mode) & 0o7777,
            isCharacterDevice: (st.st_mode & S_IFMT) == S_IFCHR)
    }

    /// The facts of this system for `user`: /etc/group, the Raspberry Pi boot files
    /// (Bookworm's /boot/firmware first, then the older /boot), and the device nodes.
    public static func current(user: String, serialDevice: String, screen: Bool) -> PermissionFacts {
        var nodes: [DeviceNode] = []
        for path in ["/dev/i2c-1", serialDevice] + (screen ? [ServiceUnit.screenDevice] : []) {
            if let node = deviceNode(path) { nodes.append(node) }
        }
        for chip in FileIO.names(in: "/dev") where chip.hasPrefix("gpiochip") {
            if let node = deviceNode("/dev/" + chip) { nodes.append(node) }
        }
        return PermissionFacts(
            user: user,
            primaryGroup: UserAccount.lookup(user)?.primaryGroup,
            groupFile: (try? FileIO.readText("/etc/group")) ?? "",
            bootConfig: firstBootFile(["/boot/firmware/config.txt", "/boot/config.txt"]),
            kernelCommandLine: firstBootFile(["/boot/firmware/cmdline.txt", "/boot/cmdline.txt"]),
            serialDevice: serialDevice,
            devices: nodes, screen: screen)
    }
}

/// Installing system files.
public enum SystemFiles {
    /// Replaces `path` with `text` atomically (temporary file, fsync, rename, fsync of the
    /// folder), leaving it with `mode`: a crash never leaves a half-written unit or rule.
    public static func writeAtomically(_ text: String, to path: String, mode: UInt32) throws(ConfigError) {
        try FileIO.writeAtomically(text, to: path, mode: mode_t(mode))
    }
}

/// The system tools a root command runs (systemctl, journalctl, groupadd, usermod, udevadm).
public enum SystemTools {
    /// Where they are looked up: the distribution's own directories, which only root can
    /// write. Never the caller's PATH — under `sudo -E` or `su` it is the user's, and a root
    /// command must not run whatever `systemctl` comes first in it — and not /usr/local, which
    /// Debian lets the `staff` group write.
    public static let directories = ["/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// The absolute path of tool `name` in `directories`, or nil. A name with a `/` is refused.
    public static func locate(_ name: String, in directories: [String] = directories) -> String? {
        guard !name.isEmpty, !name.contains("/") else { return nil }
        return directories.lazy.map { $0 + "/" + name }.first { access($0, X_OK) == 0 }
    }

    /// The environment a tool runs with: the caller's, with PATH set to `directories` (the
    /// tools start helpers of their own) and the dynamic loader's variables removed.
    public static func environment(from caller: [String: String]) -> [String: String] {
        var env = caller.filter { !$0.key.hasPrefix("LD_") }
        env["PATH"] = directories.joined(separator: ":")
        return env
    }
}

extension DirectoryFacts {
    /// The facts of directory `path` (absolute) on this system.
    public static func current(_ path: String) -> DirectoryFacts {
        let parts = path.split(separator: "/").filter { $0 != "." }.map(String.init)
        var st = stat()
        var count = parts.count
        var prefix = "/"
        while true {
            prefix = "/" + parts[0..<count].joined(separator: "/")
            if stat(prefix, &st) == 0 || count == 0 { break }
            count -= 1
        }
        var resolved = prefix
        if let r = realpath(prefix, nil) {
            resolved = String(cString: r)
            free(r)
        }
        var link = stat()
        let dangling = count < parts.count && lstat((prefix == "/" ? "" : prefix) + "/" + parts[count], &link) == 0
        return DirectoryFacts(
            path: "/" + parts.joined(separator: "/"), existingPrefix: prefix, resolvedPrefix: resolved,
            kind: (st.st_mode & S_IFMT) == S_IFDIR ? .directory : .notDirectory, ownerUID: st.st_uid,
            identity: FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)), danglingLink: dangling)
    }
}

/// Carries out a `ServiceDirectoriesPlan`.
public enum ServiceDirectories {
    /// Creates the plan's directories and gives them to `uid`:`gid`; returns their paths.
    ///
    /// Each parent is opened one component at a time without following symlinks, and an
    /// existing parent must still be the directory the facts saw. Every directory is created
    /// (mode 0755, root's until the end, so nobody can swap what is under it), opened without
    /// following a link, and only then given away with fchown on that descriptor: whatever
    /// happens to the names meanwhile, only directories this call created change owner.
    public static func apply(_ plan: ServiceDirectoriesPlan, gid: UInt32) throws(ConfigError) -> [String] {
        guard plan.refusals.isEmpty else {
            throw .io(path: "the service's directories", operation: "set up", reason: plan.refusals.joined(separator: "; "))
        }
        var created: [(path: String, fd: Int32)] = []
        defer { for c in created { close(c.fd) } }
        for step in plan.creations {
            // A parent this call created is used through the descriptor it already holds.
            let parent: Int32
            if let held = created.first(where: { $0.path == step.parent }) {
                parent = dup(held.fd)
                guard parent >= 0 else { throw .io(path: step.parent, operation: "reuse", reason: reason()) }
            } else {
                parent = try openDirectory(step.parent)
            }
            defer { close(parent) }
            if let expected = step.parentIdentity {
                var st = stat()
                guard fstat(parent, &st) == 0, FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)) == expected else {
                    throw .io(path: step.parent, operation: "create a directory in", reason: "it changed since setup looked at it; run setup again")
                }
            }
            guard mkdirat(parent, step.name, 0o755) == 0 else {
                throw .io(path: step.path, operation: "create", reason: errno == EEXIST ? "it appeared since setup looked; left as it is, run setup again" : reason())
            }
            let fd = openat(parent, step.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw .io(path: step.path, operation: "open the new directory", reason: reason()) }
            created.append((step.path, fd))
        }
        for c in created.reversed() {
            guard fchown(c.fd, plan.uid, gid) == 0 else {
                throw .io(path: c.path, operation: "give \(plan.user)", reason: reason())
            }
        }
        return created.map(\.path)
    }

    /// Opens directory `path` (a real path) component by component with O_NOFOLLOW.
    static func openDirectory(_ path: String) throws(ConfigError) -> Int32 {
        var fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .io(path: "/", operation: "open", reason: reason()) }
        for part in path.split(separator: "/") {
            let next = openat(fd, String(part), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let error = errno
            close(fd)
            guard next >= 0 else {
                throw .io(path: path, operation: "open", reason: error == ELOOP || error == ENOTDIR ? "a part of it is a symlink or not a directory (it changed since setup looked)" : String(cString: strerror(error)))
            }
            fd = next
        }
        return fd
    }

    private static func reason() -> String { String(cString: strerror(errno)) }
}
