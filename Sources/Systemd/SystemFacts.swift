// The facts of the running system the `service` and `fix-permissions` commands check before
// acting (systemd, root, the installed unit, this binary, the account to act for), the process
// environment, and the system tools they run. Child processes are fine here: only those commands
// use them, never the collector.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import DurableFiles

/// A fact of the system that stops a command, with what to do instead.
public struct SystemError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public enum ProcessEnvironment {
    /// The process environment as a dictionary.
    public static func all() -> [String: String] {
        var out: [String: String] = [:]
        var p = environ
        while let entry = p.pointee {
            let s = String(cString: entry)
            if let eq = s.firstIndex(of: "=") { out[String(s[..<eq])] = String(s[s.index(after: eq)...]) }
            p += 1
        }
        return out
    }
}

public enum SystemFacts {
    /// systemd is the running init (sd_booted(3) checks this directory).
    public static var hasSystemd: Bool { access("/run/systemd/system", F_OK) == 0 }

    public static var isRoot: Bool { geteuid() == 0 }

    /// Fails with what to do instead when systemd is not running; `instead` continues
    /// "This system is not running systemd (…), ".
    public static func requireSystemd(_ instead: String) throws {
        guard hasSystemd else {
            throw SystemError("this system is not running systemd (/run/systemd/system does not exist), \(instead)")
        }
    }

    /// Fails with the exact command to run when not root.
    public static func requireRoot(_ what: String, run command: String) throws {
        guard isRoot else {
            throw SystemError("this \(what) and needs root. Run:\n  \(command)")
        }
    }

    public static func requireInstalled() throws {
        guard access(ServiceUnit.installPath, F_OK) == 0 else {
            throw SystemError("the opensensor service is not installed (\(ServiceUnit.installPath) does not exist). Install it with:\n  sudo \(shellQuoted(executable())) service setup")
        }
    }

    /// This binary's absolute path (/proc/self/exe: symlinks resolved, as systemd will need it).
    public static func executable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return CommandLine.arguments.first ?? "opensensor" }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func currentDirectory() throws -> String {
        guard let p = getcwd(nil, 0) else { throw SystemError("cannot read the current directory: \(String(cString: strerror(errno)))") }
        defer { free(p) }
        return String(cString: p)
    }

    /// `path` made absolute against `directory` ("~" is already expanded by the config).
    public static func absolute(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : (directory == "/" ? "/" : directory + "/") + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    /// The account to act for: `--user`, else the user who ran sudo, else the current user.
    public static func serviceUser(explicit: String?) throws -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        let environment = ProcessEnvironment.all()
        if let sudoUser = environment["SUDO_USER"], !sudoUser.isEmpty, sudoUser != "root" { return sudoUser }
        if let me = UserAccount.lookup(uid: geteuid()), me.name != "root" { return me.name }
        throw SystemError("cannot tell which account the collector runs as (running as root, not through sudo); pass --user NAME")
    }

    /// A word a POSIX shell reads back unchanged.
    public static func shellQuoted(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "/._-+,:@=%".unicodeScalars.contains($0)
        }
        return plain ? s : "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}

/// Runs system tools (systemctl, journalctl, usermod, udevadm) with this process's stdio, from
/// the system's own directories (`SystemTools`), never from the caller's PATH.
public enum ChildProcess {
    /// Runs `argv` and returns its exit status (128 + signal when killed).
    public static func run(_ argv: [String]) throws -> Int32 {
        guard let tool = SystemTools.locate(argv[0]) else {
            throw SystemError("\(argv[0]) not found in \(SystemTools.directories.joined(separator: ", ")) (the PATH is not searched: these tools run as root)")
        }
        var pid = pid_t()
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        var cenv: [UnsafeMutablePointer<CChar>?] = SystemTools.environment(from: ProcessEnvironment.all())
            .sorted { $0.key < $1.key }.map { strdup($0.key + "=" + $0.value) } + [nil]
        defer { for p in cargs + cenv { free(p) } }
        let rc = posix_spawn(&pid, tool, nil, nil, &cargs, &cenv)
        guard rc == 0 else { throw SystemError("cannot run \(tool): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        guard FileIO.retryingInterrupted({ waitpid(pid, &status, 0) }) >= 0 else {
            throw SystemError("waiting for \(tool): \(String(cString: strerror(errno)))")
        }
        // WIFEXITED / WEXITSTATUS / WTERMSIG (wait(2)), which Swift does not import as macros.
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// Runs `argv`, echoing it, and fails naming the command when it exits non-zero.
    public static func check(_ argv: [String]) throws {
        Swift.print("  $ \(argv.map(SystemFacts.shellQuoted).joined(separator: " "))")
        let code = try run(argv)
        guard code == 0 else { throw SystemError("\(argv.joined(separator: " ")) failed (exit status \(code))") }
    }
}
