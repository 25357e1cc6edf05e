// The system facts the `service` and `fix-permissions` commands act on: accounts, groups,
// device nodes, boot files; and the atomic write that installs a unit or a udev rule. Kept
// apart from the pure plan and unit so those stay testable without a Raspberry Pi.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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

    /// A device node as `stat` sees it (symlinks followed), or nil when absent.
    static func deviceNode(_ path: String) -> DeviceNode? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        var kernelName = String(path.split(separator: "/").last ?? "")
        if let resolved = realpath(path, nil) {
            kernelName = String(String(cString: resolved).split(separator: "/").last ?? "")
            free(resolved)
        }
        return DeviceNode(path: path, kernelName: kernelName, group: UserAccount.groupName(st.st_gid), mode: UInt32(st.st_mode) & 0o7777)
    }

    /// The facts of this system for `user`: /etc/group, the Raspberry Pi boot files
    /// (Bookworm's /boot/firmware first, then the older /boot), and the device nodes.
    public static func current(user: String, serialDevice: String) -> PermissionFacts {
        var nodes: [DeviceNode] = []
        for path in ["/dev/i2c-1", serialDevice] {
            if let node = deviceNode(path) { nodes.append(node) }
        }
        if let dir = opendir("/dev") {
            var chips: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name.hasPrefix("gpiochip") { chips.append(name) }
            }
            closedir(dir)
            for chip in chips.sorted() { if let node = deviceNode("/dev/" + chip) { nodes.append(node) } }
        }
        return PermissionFacts(
            user: user,
            primaryGroup: UserAccount.lookup(user)?.primaryGroup,
            groupFile: (try? FileIO.readText("/etc/group")) ?? "",
            bootConfig: firstBootFile(["/boot/firmware/config.txt", "/boot/config.txt"]),
            kernelCommandLine: firstBootFile(["/boot/firmware/cmdline.txt", "/boot/cmdline.txt"]),
            serialDevice: serialDevice,
            devices: nodes)
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
