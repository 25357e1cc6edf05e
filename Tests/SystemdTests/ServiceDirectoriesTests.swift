// `sudo opensensor service setup` and the directories it prepares: the plan from given facts,
// then the executor on a real file system. Only what setup creates is given to the user.

import CivilTime
import Config
import DurableFiles
import TestSupport
import Testing
@testable import Systemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite("ServiceDirectoriesPlan: what setup creates, leaves alone and refuses")
struct ServiceDirectoriesPlanTests {
    static let id = FileIdentity(device: 1, inode: 2)

    static func facts(_ path: String, existing: String, resolved: String? = nil, owner: UInt32 = 1000, kind: DirectoryFacts.Kind = .directory, dangling: Bool = false) -> DirectoryFacts {
        DirectoryFacts(path: path, existingPrefix: existing, resolvedPrefix: resolved ?? existing, kind: kind, ownerUID: owner, identity: id, danglingLink: dangling)
    }

    static func plan(_ facts: DirectoryFacts...) -> ServiceDirectoriesPlan {
        ServiceDirectoriesPlan(facts: facts, user: "pi", uid: 1000)
    }

    @Test func anExistingDirectoryIsNeverGivenAway() {
        // The review's case: a directory that exists, whoever owns it, stays as it is.
        let plan = Self.plan(Self.facts("/srv/station/output", existing: "/srv/station/output", owner: 0))
        #expect(plan.creations.isEmpty)
        #expect(plan.existing == ["/srv/station/output"])
        #expect(plan.refusals.isEmpty)
        #expect(plan.notes.count == 1)
        #expect(plan.notes.first?.contains("belongs to uid 0, not to pi") == true)
        let own = Self.plan(Self.facts("/home/pi/station/output", existing: "/home/pi/station/output"))
        #expect(own.creations.isEmpty && own.notes.isEmpty)
    }

    @Test func onlyTheMissingPartsAreCreatedOnceEach() {
        let plan = Self.plan(
            Self.facts("/var/lib/opensensor/output", existing: "/var/lib"),
            Self.facts("/var/lib/opensensor/output-health", existing: "/var/lib"),
            Self.facts("/var/lib/opensensor/logs", existing: "/var/lib"))
        #expect(plan.refusals.isEmpty)
        #expect(plan.creations.map(\.path) == [
            "/var/lib/opensensor", "/var/lib/opensensor/output", "/var/lib/opensensor/output-health", "/var/lib/opensensor/logs",
        ])
        // The existing parent is checked to be the one the facts saw; created ones need not be.
        #expect(plan.creations.map(\.parentIdentity) == [Self.id, nil, nil, nil])
        #expect(plan.render().contains("create /var/lib/opensensor/output, owned by pi"))
    }

    @Test(arguments: ["/", "/etc", "/home", "/var", "/usr", "/root", "/boot", "/var/lib", "/srv", "/lib64", "/tmp",
                      "/etc/opensensor", "/usr/local/opensensor", "/proc/1", "/sys/class", "/dev/shm/x", "/root/station", "/run/opensensor"])
    func systemDirectoriesAreRefused(path: String) {
        let plan = Self.plan(Self.facts(path, existing: path, owner: 0))
        #expect(plan.refusals.count == 1, "\(path)")
        #expect(plan.refusals.first?.contains("is a system directory") == true)
        #expect(plan.creations.isEmpty && plan.existing.isEmpty)
        let missing = Self.plan(Self.facts(path == "/" ? "/" : path + "/output", existing: path, owner: 0))
        if path != "/" && !["/home", "/var", "/var/lib", "/srv", "/tmp"].contains(path) {
            #expect(missing.refusals.count == 1, "\(path)/output")
            #expect(missing.creations.isEmpty)
        }
    }

    @Test func aLinkIntoTheSystemIsRefused() {
        // output -> /etc; and a missing folder under a link to /etc.
        let link = Self.plan(Self.facts("/home/pi/station/output", existing: "/home/pi/station/output", resolved: "/etc", owner: 0))
        #expect(link.refusals == ["/home/pi/station/output (it resolves to /etc): /etc is a system directory; give the service a directory of its own, e.g. /var/lib/opensensor or one in the user's home"])
        let under = Self.plan(Self.facts("/home/pi/station/etc/output", existing: "/home/pi/station/etc", resolved: "/etc", owner: 0))
        #expect(under.refusals.first?.hasPrefix("/home/pi/station/etc/output (it resolves to /etc/output): /etc is") == true)
        #expect(under.creations.isEmpty)
    }

    @Test func aLinkToADataDiskIsFollowedButNotChanged() {
        let plan = Self.plan(Self.facts("/home/pi/station/output/x", existing: "/home/pi/station/output", resolved: "/mnt/usb/data"))
        #expect(plan.refusals.isEmpty)
        #expect(plan.creations == [DirectoryCreation(parent: "/mnt/usb/data", name: "x", parentIdentity: Self.id)])
    }

    @Test func aFileOrADanglingLinkIsRefused() {
        #expect(Self.plan(Self.facts("/srv/st/output/x", existing: "/srv/st/output", kind: .notDirectory)).refusals
            == ["/srv/st/output/x: /srv/st/output exists and is not a directory"])
        #expect(Self.plan(Self.facts("/srv/st/output", existing: "/srv/st", dangling: true)).refusals.first?
            .hasPrefix("/srv/st/output: a symlink to nothing") == true)
    }
}

@Suite("ServiceDirectories: carrying the plan out on a real file system")
struct ServiceDirectoriesApplyTests {
    /// A scratch directory (not under a symlink: realpath of mkdtemp's answer).
    static func scratch() throws -> String {
        var template = Array("/tmp/opensensor-dirs-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw ServiceUnitError(field: "scratch", message: "mkdtemp") }
        let path = String(cString: made)
        guard let real = realpath(path, nil) else { throw ServiceUnitError(field: "scratch", message: "realpath") }
        defer { free(real) }
        return String(cString: real)
    }

    /// Removes `path` and what is under it, never following a symlink.
    static func remove(_ path: String) {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }
        if (st.st_mode & S_IFMT) == S_IFDIR, let dir = opendir(path) {
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(dir)
            for name in names { remove(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }

    static func owner(_ path: String) -> UInt32? {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_uid : nil
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    @Test func createsWhatIsMissingAndGivesItAway() throws {
        let base = try Self.scratch()
        defer { Self.remove(base) }
        let plan = ServiceDirectoriesPlan(
            facts: [DirectoryFacts.current(base + "/a/b"), DirectoryFacts.current(base + "/a/c")], user: "me", uid: getuid())
        #expect(plan.creations.map(\.path) == [base + "/a", base + "/a/b", base + "/a/c"])
        let created = try ServiceDirectories.apply(plan, gid: getgid())
        #expect(created == [base + "/a", base + "/a/b", base + "/a/c"])
        #expect(Self.isDirectory(base + "/a/b") && Self.isDirectory(base + "/a/c"))
        #expect(Self.owner(base + "/a/b") == getuid())
        // Run again: everything exists, nothing is created.
        let again = ServiceDirectoriesPlan(facts: [DirectoryFacts.current(base + "/a/b")], user: "me", uid: getuid())
        #expect(again.creations.isEmpty && again.existing == [base + "/a/b"])
    }

    @Test(.enabled(if: geteuid() == 0, "giving a directory to another account needs root"))
    func existingDirectoriesAndLinkTargetsKeepTheirOwner() throws {
        let base = try Self.scratch()
        defer { Self.remove(base) }
        // victim: root's, reached through a link the way `output -> /etc` was.
        #expect(mkdir(base + "/victim", 0o755) == 0)
        #expect(symlink(base + "/victim", base + "/link") == 0)
        let nobody: UInt32 = 65534
        let facts = [DirectoryFacts.current(base + "/link"), DirectoryFacts.current(base + "/victim"), DirectoryFacts.current(base + "/link/new")]
        let plan = ServiceDirectoriesPlan(facts: facts, user: "nobody", uid: nobody)
        #expect(plan.existing == [base + "/link", base + "/victim"])
        #expect(plan.creations == [DirectoryCreation(parent: base + "/victim", name: "new", parentIdentity: facts[0].identity)])
        _ = try ServiceDirectories.apply(plan, gid: nobody)
        #expect(Self.owner(base + "/victim") == 0)
        #expect(Self.owner(base + "/link") == 0)
        #expect(Self.owner(base + "/victim/new") == nobody)
    }

    @Test func aParentSwappedAfterTheFactsIsNotUsed() throws {
        let base = try Self.scratch()
        defer { Self.remove(base) }
        #expect(mkdir(base + "/station", 0o755) == 0)
        let plan = ServiceDirectoriesPlan(facts: [DirectoryFacts.current(base + "/station/output")], user: "me", uid: getuid())
        // Another directory under the same name…
        #expect(rename(base + "/station", base + "/old") == 0)
        #expect(mkdir(base + "/station", 0o755) == 0)
        #expect(throws: ConfigError.self) { try ServiceDirectories.apply(plan, gid: getgid()) }
        #expect(!Self.isDirectory(base + "/station/output"))
        // …or a symlink to elsewhere.
        #expect(rmdir(base + "/station") == 0)
        #expect(mkdir(base + "/elsewhere", 0o755) == 0)
        #expect(symlink(base + "/elsewhere", base + "/station") == 0)
        #expect(throws: ConfigError.self) { try ServiceDirectories.apply(plan, gid: getgid()) }
        #expect(!Self.isDirectory(base + "/elsewhere/output"))
    }

    @Test func aRefusedPlanChangesNothing() throws {
        let plan = ServiceDirectoriesPlan(facts: [DirectoryFacts.current("/etc/opensensor-test-\(getpid())")], user: "me", uid: getuid())
        #expect(plan.refusals.count == 1)
        #expect(throws: ConfigError.self) { try ServiceDirectories.apply(plan, gid: getgid()) }
        #expect(access("/etc/opensensor-test-\(getpid())", F_OK) != 0)
    }
}

@Suite("SystemTools: root's tools come from the system's directories")
struct ServiceSystemToolsTests {
    @Test func theCallersPathIsNotSearched() throws {
        // A "systemctl" of the caller's, first in PATH: never the one a root command runs.
        let base = try ServiceDirectoriesApplyTests.scratch()
        defer { ServiceDirectoriesApplyTests.remove(base) }
        let name = "opensensor-test-tool-\(getpid())"
        let tool = base + "/" + name
        let fd = open(tool, O_WRONLY | O_CREAT | O_EXCL, 0o755)
        #expect(fd >= 0)
        close(fd)
        // Replacing an existing variable is safe while other tests read the environment: glibc
        // swaps one pointer and keeps the old string.
        let saved = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        setenv("PATH", base + ":" + saved, 1)
        defer { setenv("PATH", saved, 1) }
        #expect(access(tool, X_OK) == 0)
        #expect(SystemTools.locate(name) == nil)
        #expect(SystemTools.locate(tool) == nil)
        #expect(SystemTools.locate("../" + name) == nil)
        let sh = try #require(SystemTools.locate("sh"))
        #expect(SystemTools.directories.contains { sh == $0 + "/sh" })
    }

    @Test func theToolsGetTheSystemsPath() {
        let env = SystemTools.environment(from: ["PATH": "/home/pi/bin:/usr/bin", "LD_PRELOAD": "/home/pi/evil.so", "LD_LIBRARY_PATH": "/x", "TERM": "xterm"])
        #expect(env == ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TERM": "xterm"])
    }
}
