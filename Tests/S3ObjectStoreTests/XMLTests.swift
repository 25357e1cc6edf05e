@testable import S3ObjectStore
import Foundation
import Testing

@Suite struct XMLTests {
    @Test func readsElementsEntitiesAndCDATA() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- a comment -->
            <R a="1" b='x>y'><K>a &amp; b &lt;&gt; &#65;&#x42; &quot;q&quot; &apos;</K><E/><C><![CDATA[<raw&>]]></C></R>
            """
        let root = try XMLParser.parse(Array(xml.utf8))
        #expect(root.name == "R")
        #expect(root.text(of: "K") == "a & b <> AB \"q\" '")
        #expect(root.child("E") != nil && root.text(of: "E") == "")
        #expect(root.text(of: "C") == "<raw&>")
        #expect(root.text(of: "missing") == nil)
    }

    @Test(arguments: [
        "", "<a>", "<a></b>", "<a><b></a></b>", "<a>&bogus;</a>", "<a>&amp</a>", "<a></a><b></b>", "text",
        "<a b=1></a>", "<a><!DOCTYPE x></a>", "<a>&#xFFFFFFFF;</a>",
        String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40),
    ])
    func rejectsMalformedInput(_ xml: String) {
        #expect(throws: XMLError.self) { try XMLParser.parse(Array(xml.utf8)) }
    }

    @Test func aHostileAnswerOfMillionsOfElementsIsRefusedByCount() {
        // 4 bytes an element: a 16 MiB answer (the most the store reads) would be ~4 million.
        let xml = "<ListBucketResult>" + String(repeating: "<a/>", count: 4 << 20) + "</ListBucketResult>"
        #expect(xml.utf8.count > 16 << 20)
        #expect {
            _ = try XMLParser.parse(Array(xml.utf8))  // not returned: a failure would print millions
        } throws: { error in
            let e = error as? XMLError
            return e?.description.contains("more than \(XMLParser.maxElements) elements") == true
        }
    }

    @Test func aFullListingPageIsWellWithinTheElementCap() throws {
        // 1,000 entries, as S3 sends at most per page, with every field a provider may add.
        let entry = "<Contents><Key>k</Key><LastModified>2025-01-01T00:00:00.000Z</LastModified><ETag>\"e\"</ETag>"
            + "<ChecksumAlgorithm>CRC32</ChecksumAlgorithm><Size>1</Size><StorageClass>STANDARD</StorageClass>"
            + "<Owner><ID>i</ID><DisplayName>d</DisplayName></Owner><RestoreStatus><IsRestoreInProgress>false"
            + "</IsRestoreInProgress></RestoreStatus></Contents>"
        let xml = "<ListBucketResult>" + String(repeating: entry, count: 1000) + "</ListBucketResult>"
        #expect(try XMLParser.parse(Array(xml.utf8)).all("Contents").count == 1000)
    }

    @Test func garbageNeverCrashes() {
        var state: UInt64 = 42
        for _ in 0..<500 {
            var bytes: [UInt8] = []
            for _ in 0..<64 {
                state = state &* 6_364_136_223_846_793_005 &+ 1
                bytes.append(Array("<>/&;#x!-[]=\"' abc".utf8)[Int(state >> 59) % 18])
            }
            _ = try? XMLParser.parse(bytes)
        }
    }

    @Test func escapesForRequestBodies() {
        #expect(xmlEscape("a&b<c>\"'") == "a&amp;b&lt;c&gt;&quot;&apos;")
    }

    @Test func datesParse() {
        #expect(lastModified(httpDate: "Sun, 06 Nov 1994 08:49:37 GMT")?.timeIntervalSince1970 == 784_111_777)
        #expect(lastModified(iso8601: "2009-10-12T17:50:30.000Z")?.timeIntervalSince1970 == 1_255_369_830)
        #expect(lastModified(httpDate: "Sunday, 06-Nov-94 08:49:37 GMT") == nil)
        #expect(lastModified(iso8601: "2009-13-12T17:50:30Z") == nil)
    }

    @Test func contentRangeParses() {
        #expect(parseContentRange("bytes 0-9/100")! == (0..<10, 100))
        #expect(parseContentRange("bytes 9-0/100") == nil)
        #expect(parseContentRange("bytes 0-100/100") == nil)
        #expect(parseContentRange("items 0-1/2") == nil)
    }
}
