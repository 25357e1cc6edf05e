#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Testing
@testable import DurableFiles

@Suite struct FreeSpaceTests {
    @Test func statvfsMeasuresTheNearestExistingFolder() throws {
        var template = Array("/tmp/statvfs-XXXXXX".utf8CString)
        let root = String(cString: try #require(mkdtemp(&template)))
        defer { unlink(root + "/f.parquet"); rmdir(root) }
        let disk = StatvfsFreeSpace()
        let here = try disk.availableBytes(at: root)
        #expect(here > 0)
        #expect(try disk.availableBytes(at: root + "/not/yet/made") > 0)
        #expect(StatvfsFreeSpace.parent(of: "a/b/") == "a")
        #expect(StatvfsFreeSpace.parent(of: "/a") == "/")
        #expect(StatvfsFreeSpace.parent(of: "a") == ".")
        #expect(StatvfsFreeSpace.parent(of: "/") == nil)
        // A path under a file is not a folder that might appear: the error names it.
        let file = "f.parquet"
        close(open(root + "/" + file, O_CREAT | O_WRONLY, 0o644))
        #expect(throws: FreeSpaceError.self) { try disk.availableBytes(at: root + "/" + file + "/x") }
    }
}
