import Testing
@testable import Dashboard

@Suite struct HTMLTests {
    @Test func escapesTheFiveCharacters() {
        #expect(HTML.escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;")
        #expect(HTML.escape("&amp;") == "&amp;amp;")
        #expect(HTML.escape("µg/m³ · °C — kΩ") == "µg/m³ · °C — kΩ")
        #expect(HTML.escape("") == "")
    }

    @Test func controlCharactersCannotBreakXML() throws {
        let s = HTML.escape("a\u{0}b\u{1B}c\td\n")
        #expect(s == "a b c\td\n")
        _ = try ChartXML.parse("<x a=\"" + s + "\">" + s + "</x>")
    }

    @Test func theTestParserRejectsBrokenMarkup() {
        for bad in ["<a><b></a></b>", "<a>", "<a x=1/>", "<a>&</a>", "<a x=\"<\"/>", "<a/><b/>", "<a x=\"1\" x=\"2\"/>", "<a>&bogus;</a>"] {
            #expect(throws: ChartXMLError.self, "\(bad)") { try ChartXML.parse(bad) }
        }
    }
}
