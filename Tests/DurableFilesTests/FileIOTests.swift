import DurableFiles
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite struct FolderListingTests {
    @Test func namesAreInByteOrderWithoutHiddenOnes() throws {
        var template = Array("/tmp/durable-files-XXXXXX".utf8CString)
        let dir = String(cString: try #require(mkdtemp(&template)))
        defer { for n in ["b", "a", "B", ".hidden"] { unlink(dir + "/" + n) }; rmdir(dir) }
        for n in ["b", "a", "B", ".hidden"] { close(open(dir + "/" + n, O_CREAT | O_WRONLY, 0o644)) }
        #expect(FileIO.names(in: dir) == ["B", "a", "b"])
        #expect(FileIO.names(in: dir + "/missing") == [])
    }
}
