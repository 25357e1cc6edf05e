import DurableFiles
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A fresh folder under /tmp, removed (with what the test left in it) by `remove()`.
struct Scratch {
    let path: String

    init() throws {
        var template = Array("/tmp/durable-files-XXXXXX".utf8CString)
        path = String(cString: try #require(mkdtemp(&template)))
    }

    func remove() {
        var stack = [path], folders: [String] = []
        while let dir = stack.popLast() {
            folders.append(dir)
            for e in (try? FileIO.entries(in: dir, hidden: true)) ?? [] {
                if e.kind == .folder { stack.append(dir + "/" + e.name) } else { unlink(dir + "/" + e.name) }
            }
        }
        for dir in folders.reversed() { rmdir(dir) }
    }

    /// Every name in the folder, hidden ones (temporary files) included.
    var allNames: [String] { ((try? FileIO.entries(in: path, hidden: true)) ?? []).map(\.name) }

    func make(_ name: String, _ bytes: [UInt8] = []) {
        let fd = open(path + "/" + name, O_CREAT | O_WRONLY | O_TRUNC, 0o644)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
}

@Suite struct FolderListingTests {
    @Test func namesAreInByteOrderWithoutHiddenOnes() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        for n in ["b", "a", "B", ".hidden", "é", "z"] { dir.make(n) }
        #expect(FileIO.names(in: dir.path) == ["B", "a", "b", "z", "é"])
        #expect(FileIO.names(in: dir.path + "/missing") == [])
    }

    @Test func namesThatAreNotUTF8AreLeftOut() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        dir.make("ok")
        // 0xFF can never appear in UTF-8.
        let bad: [CChar] = (Array((dir.path + "/x").utf8) + [0xFF, 0]).map { CChar(bitPattern: $0) }
        close(open(bad, O_CREAT | O_WRONLY, 0o644))
        defer { unlink(bad) }
        #expect(FileIO.names(in: dir.path) == ["ok"])
    }

    @Test func entriesSayWhatEachNameIs() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        dir.make("file")
        mkdir(dir.path + "/folder", 0o755)
        symlink("file", dir.path + "/link")
        dir.make(".hidden")
        #expect(try FileIO.entries(in: dir.path) == [
            .init(name: "file", kind: .file), .init(name: "folder", kind: .folder), .init(name: "link", kind: .symbolicLink),
        ])
        #expect(try FileIO.entries(in: dir.path, hidden: true).map(\.name) == [".hidden", "file", "folder", "link"])
        // A missing folder is an error naming it (names(in:) alone says "nothing there").
        let error = try #require(throws: FileError.self) { try FileIO.entries(in: dir.path + "/missing") }
        #expect(error.kind == .notFound && error.path == dir.path + "/missing")
    }
}

@Suite struct AtomicWriteTests {
    @Test func createOnlyRefusesATakenNameAndLeavesTheFileAsItWas() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let path = dir.path + "/data_0015.parquet"
        try FileIO.write([1, 2, 3], to: path, mode: .createOnly)
        let error = try #require(throws: FileError.self) { try FileIO.write([9, 9], to: path, mode: .createOnly) }
        #expect(error.kind == .alreadyExists)
        #expect(error.path == path)
        #expect(try FileIO.readWholeFile(path) == [1, 2, 3])
        // No temporary file is left behind.
        #expect(dir.allNames == ["data_0015.parquet"])
    }

    @Test func replaceReplacesWithExactPermissions() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let path = dir.path + "/.env"
        try FileIO.write(Array("A=1\n".utf8), to: path, mode: .replace, permissions: 0o600)
        try FileIO.write(Array("A=2\n".utf8), to: path, mode: .replace, permissions: 0o600)
        #expect(try FileIO.readWholeFile(path) == Array("A=2\n".utf8))
        var st = stat()
        #expect(stat(path, &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect(dir.allNames == [".env"])
    }

    @Test func aSinkWritesInPiecesAndAFailedOneLeavesNothing() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let path = dir.path + "/journal"
        try FileIO.write(to: path, mode: .replace) { sink throws(FileError) in
            try sink.write([1, 2])
            try sink.write([3])
        }
        #expect(try FileIO.readWholeFile(path) == [1, 2, 3])
        let refusal = FileError(operation: "encode", path: path, errno: EIO)
        #expect(throws: refusal) {
            try FileIO.write(to: dir.path + "/other", mode: .createOnly) { sink throws(FileError) in
                try sink.write([7])
                throw refusal
            }
        }
        #expect(dir.allNames == ["journal"])
    }

    @Test func aWriteIntoAMissingFolderNamesItAndLeavesNoTemporary() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let error = try #require(throws: FileError.self) { try FileIO.write([1], to: dir.path + "/no/such/file", mode: .replace) }
        #expect(error.kind == .notFound)
        // The text names the call, the path (the folder that is missing is on it) and errno.
        #expect("\(error)".hasPrefix("create \(dir.path)/no/such/"))
        #expect("\(error)".hasSuffix("No such file or directory (errno \(ENOENT))"))
        #expect(dir.allNames == [])
    }

    @Test func aFailedRenameRemovesTheTemporary() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        // rename() of a file over a folder fails (EISDIR) after the temporary file is written.
        mkdir(dir.path + "/taken", 0o755)
        let error = try #require(throws: FileError.self) { try FileIO.write([1], to: dir.path + "/taken", mode: .replace) }
        #expect(error.errno == EISDIR && error.operation == "rename")
        #expect(dir.allNames == ["taken"])
    }

    @Test(arguments: FileIO.NoReplace.allCases)
    func eachWayTakesAFreeNameAndRefusesATakenOne(way: FileIO.NoReplace) throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let temp = dir.path + "/.tmp-a", final = dir.path + "/data_0015.parquet"
        dir.make(".tmp-a", [1, 2, 3])
        try FileIO.publishWithoutReplacing(temp, as: final, ways: [way])
        #expect(try FileIO.readWholeFile(final) == [1, 2, 3])
        #expect(!FileIO.exists(temp))
        // A second file for the same name: refused, both left as they were.
        dir.make(".tmp-a", [9])
        let error = try #require(throws: FileError.self) { try FileIO.publishWithoutReplacing(temp, as: final, ways: [way]) }
        #expect(error.kind == .alreadyExists)
        #expect(try FileIO.readWholeFile(final) == [1, 2, 3])
        #expect(try FileIO.readWholeFile(temp) == [9])
    }

    @Test func aWayTheFileSystemRefusesFallsThroughToTheNext() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        // link() of a folder fails with EPERM on Linux, as link() of anything does on FAT: the
        // next way is tried, and renameat2 moves the folder.
        let temp = dir.path + "/.tmp-dir", final = dir.path + "/moved"
        mkdir(temp, 0o755)
        try FileIO.publishWithoutReplacing(temp, as: final, ways: [.link, .renameNoReplace])
        #expect(try FileIO.entries(in: dir.path, hidden: true) == [.init(name: "moved", kind: .folder)])
        // With no way left, the error names what was refused.
        mkdir(temp, 0o755)
        let error = try #require(throws: FileError.self) { try FileIO.publishWithoutReplacing(temp, as: dir.path + "/other", ways: [.link]) }
        #expect("\(error)".contains("refuses every way") && "\(error)".contains("link"))
    }

    @Test func makeFoldersMakesThePathAndRefusesAFileOnIt() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        try FileIO.makeFolders(dir.path + "/a/b/c")
        try FileIO.makeFolders(dir.path + "/a/b/c")
        #expect(try FileIO.entries(in: dir.path + "/a/b") == [.init(name: "c", kind: .folder)])
        dir.make("f")
        let error = try #require(throws: FileError.self) { try FileIO.makeFolders(dir.path + "/f/g") }
        #expect(error.errno == ENOTDIR && error.path == dir.path + "/f")
    }
}

@Suite struct ReadAndAppendTests {
    @Test func readWholeFileReadsPastAZeroSizeAndKeepsToTheLimit() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        // /proc files report a size of 0 yet have text.
        #expect(try !FileIO.readWholeFile("/proc/self/status").isEmpty)
        let big = (0..<40_000).map { UInt8(truncatingIfNeeded: $0) }
        dir.make("big", big)
        dir.make("empty")
        #expect(try FileIO.readWholeFile(dir.path + "/big") == big)
        #expect(try FileIO.readWholeFile(dir.path + "/big", limit: 40_000) == big)
        #expect(try FileIO.readWholeFile(dir.path + "/empty") == [])
        let error = try #require(throws: FileError.self) { try FileIO.readWholeFile(dir.path + "/big", limit: 39_999) }
        #expect(error.errno == EFBIG && "\(error)".contains("39999-byte limit"))
        #expect(try #require(throws: FileError.self) { try FileIO.readWholeFile(dir.path + "/none") }.kind == .notFound)
    }

    @Test func appendFileGrowsSyncsAndCutsBack() throws {
        let dir = try Scratch()
        defer { dir.remove() }
        let path = dir.path + "/ledger"
        #expect(throws: FileError.self) { try AppendFile(path: path) }
        let file = try AppendFile(path: path, create: 0o644)
        try file.append([1, 2, 3])
        try file.append([4])
        try file.sync()
        #expect(file.size == 4)
        try file.truncate(to: 2)
        try file.append([5])
        #expect(try FileIO.readWholeFile(path) == [1, 2, 5])
        // Reopened, it knows its size and keeps appending at the end.
        let again = try AppendFile(path: path)
        #expect(again.size == 3 && again.inode == file.inode)
        try again.append([6])
        #expect(try FileIO.readWholeFile(path) == [1, 2, 5, 6])
    }
}

@Suite struct RetryTests {
    @Test func eintrIsRetriedAndOtherErrorsAreNot() throws {
        var calls = 0
        let result = try FileIO.retrying("read", "/x") { () -> Int in
            calls += 1
            if calls <= 2 { errno = EINTR; return -1 }
            return 5
        }
        #expect(result == 5 && calls == 3)

        calls = 0
        let error = try #require(throws: FileError.self) {
            try FileIO.retrying("write", "/data/x") { () -> Int32 in
                calls += 1
                errno = calls == 1 ? EINTR : ENOSPC
                return -1
            }
        }
        #expect(calls == 2)
        #expect(error == FileError(operation: "write", path: "/data/x", errno: ENOSPC))
        #expect(error.kind == .noSpace)
        #expect("\(error)" == "write /data/x: No space left on device (errno \(ENOSPC))")
    }

    @Test func kindsComeFromErrno() {
        let kinds = [EEXIST, ENOENT, ENOTDIR, EACCES, EROFS, ENOSPC, EDQUOT, EIO].map { FileError(operation: "o", path: "p", errno: $0).kind }
        #expect(kinds == [.alreadyExists, .notFound, .notFound, .permissionDenied, .permissionDenied, .noSpace, .noSpace, .other])
    }
}
