import Snappy
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Swift half of `Tests/Interop/run-snappy.sh`: the script has the Python peers
/// (python-snappy, cramjam) write `<name>.raw` inputs and `<name>.<peer>.snappy` blocks into a
/// folder; here we decompress theirs and write ours as `<name>.swift.snappy` for the script to
/// decompress with both peers.
@Suite("SnappyInterop")
struct SnappyInteropTests {
    static let folderVariable = "OPENSENSOR_SNAPPY_INTEROP_DIR"
    static let folder = ProcessInfo.processInfo.environment[folderVariable]

    @Test(
        "decompresses the peers' blocks and writes ours",
        .enabled(
            if: folder != nil,
            "needs \(folderVariable): run by Tests/Interop/run-snappy.sh, which fills it with the peers' files"))
    func exchange() throws {
        let folder = URL(fileURLWithPath: try #require(Self.folder))
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let raws = names.filter { $0.hasSuffix(".raw") }
        let peerBlocks = names.filter { $0.hasSuffix(".snappy") && !$0.hasSuffix(".swift.snappy") }
        // An empty folder means the Python side failed: that must fail here, not pass vacuously.
        #expect(!raws.isEmpty, "no *.raw files in \(folder.path)")
        #expect(!peerBlocks.isEmpty, "no peer *.snappy files in \(folder.path)")

        var passed = 0
        for block in peerBlocks {
            // "<case>.<peer>.snappy" decodes to "<case>.raw".
            let parts = block.split(separator: ".")
            let caseName = parts.dropLast(2).joined(separator: ".")
            let raw = try Data(contentsOf: folder.appendingPathComponent(caseName + ".raw"))
            let compressed = try Data(contentsOf: folder.appendingPathComponent(block))
            let decoded = try Snappy.decompress(compressed)
            #expect(decoded == Array(raw), "\(block) does not decode to \(caseName).raw")
            if decoded == Array(raw) { passed += 1 }
        }
        for raw in raws {
            let input = try Data(contentsOf: folder.appendingPathComponent(raw))
            let compressed = Snappy.compress(input)
            #expect(try Snappy.decompress(compressed) == Array(input))
            let name = String(raw.dropLast(".raw".count)) + ".swift.snappy"
            try Data(compressed).write(to: folder.appendingPathComponent(name))
        }
        print("SnappyInterop: decoded \(passed) of \(peerBlocks.count) peer blocks, wrote \(raws.count) blocks")
    }
}
