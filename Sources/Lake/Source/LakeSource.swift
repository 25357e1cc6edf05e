// What a lake is read from: a folder on this machine or a prefix of a bucket. The lake walker
// (LakeWalker.swift) descends either through this one protocol, so a folder and a bucket are
// walked, pruned and validated alike; the query engine reads files through it.
//
// Paths are relative to the lake's root and `/`-separated; "" is the root itself.

/// One name in a folder of a lake.
public struct LakeEntry: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case folder, file }
    public var name: String
    public var kind: Kind
    /// Bytes, for a file.
    public var size: Int64
    /// Modification time, ns since 1970 (a bucket: the object's Last-Modified; a folder of a
    /// bucket has none, 0).
    public var mtimeNanos: Int64
    /// What tells one version of a file from another beside its size: an object's ETag; nil
    /// for a file on disk.
    public var tag: String?

    public init(name: String, kind: Kind, size: Int64 = 0, mtimeNanos: Int64 = 0, tag: String? = nil) {
        self.name = name
        self.kind = kind
        self.size = size
        self.mtimeNanos = mtimeNanos
        self.tag = tag
    }
}

/// Why a file of a lake could not be read, in words naming what was wrong.
public struct LakeSourceError: Error, Sendable, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A file to read, as a walk listed it.
public struct LakeFileRef: Sendable, Equatable {
    public var path: String
    public var size: Int64
    public var tag: String?

    public init(path: String, size: Int64, tag: String? = nil) {
        self.path = path
        self.size = size
        self.tag = tag
    }
}

/// A lake's folders and files, wherever they are.
public protocol LakeSource: Sendable {
    /// Where the lake is, for messages: a folder's path, or `s3://bucket/prefix`.
    var location: String { get }

    /// The folders and files directly in folder `path` whose names `accept` admits, in byte
    /// order of their names. Hidden names (a leading `.`) are never listed; anything that is
    /// neither a folder nor a regular file is left out. A folder that cannot be listed is
    /// empty (a remote source also keeps the reason for ``takeListingFailure()``).
    func entries(in path: String, accepting accept: (String) -> Bool) -> [LakeEntry]

    /// The whole file, which the walk listed with `file.size` bytes.
    func contents(of file: LakeFileRef) throws(LakeSourceError) -> [UInt8]

    /// The caller is about to list these folders one after another: a remote source lists them
    /// now, several at a time (many of one parent in one listing of it). A folder source does
    /// nothing.
    func prepareListings(_ paths: [String])

    /// The caller is about to read these files (on several threads): a remote source fetches
    /// them now, several at a time, so that no reading thread waits on the network.
    func prepareContents(_ files: [LakeFileRef])

    /// Why a listing since the last call failed (a bucket that is missing, denies access or
    /// cannot be reached); nil when none did. Cleared by the call.
    func takeListingFailure() -> String?

    /// Checks that the root exists and is a folder (a folder source); a remote source finds
    /// out with its first listing.
    func checkRoot() throws(LakeSourceError)
}

extension LakeSource {
    public func prepareListings(_ paths: [String]) {}
    public func prepareContents(_ files: [LakeFileRef]) {}
    public func takeListingFailure() -> String? { nil }
    public func checkRoot() throws(LakeSourceError) {}
}
