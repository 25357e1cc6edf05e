// A lake in a folder of this machine: listed by the durable-file layer, each accepted name
// stat'ed (following symbolic links or not, as the walker asks), files read whole.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import DurableFiles
import Parquet

public struct FolderLakeSource: LakeSource {
    public let root: String
    /// Whether a folder or file reached through a symbolic link counts (retention: no).
    public let followsLinks: Bool
    /// Lists a folder: hidden and non-UTF-8 names left out, in byte order; empty when
    /// unreadable. Injected so tests can count the folders a walk lists.
    private let list: @Sendable (String) -> [String]

    public init(root: String, followsLinks: Bool = true, list: (@Sendable (String) -> [String])? = nil) {
        self.root = root
        self.followsLinks = followsLinks
        self.list = list ?? { FileIO.names(in: $0) }
    }

    public var location: String { root }

    public func entries(in path: String, accepting accept: (String) -> Bool) -> [LakeEntry] {
        let base = path.isEmpty ? root : root + "/" + path
        // A name is checked before it is stat'ed: most of a lake's names are its own.
        return list(base).compactMap { name in
            guard accept(name) else { return nil }
            var st = stat()
            guard (followsLinks ? stat(base + "/" + name, &st) : lstat(base + "/" + name, &st)) == 0 else { return nil }
            let mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
            switch st.st_mode & S_IFMT {
            case S_IFDIR: return LakeEntry(name: name, kind: .folder, mtimeNanos: mtime)
            case S_IFREG: return LakeEntry(name: name, kind: .file, size: Int64(st.st_size), mtimeNanos: mtime)
            default: return nil
            }
        }
    }

    public func contents(of file: LakeFileRef) throws(LakeSourceError) -> [UInt8] {
        do {
            return try ParquetFile.readAll(root + "/" + file.path)
        } catch {
            throw LakeSourceError(error.message)
        }
    }

    public func checkRoot() throws(LakeSourceError) {
        var st = stat()
        guard stat(root, &st) == 0 else { throw LakeSourceError("\(root): \(String(cString: strerror(errno)))") }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw LakeSourceError("\(root): not a directory") }
    }
}
