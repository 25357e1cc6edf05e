import JSONText
import Testing

@Suite struct StringEscapingTests {
    @Test func quotesAndBackslashesAreEscaped() {
        #expect(JSON.quoted(#"say "hi" \ bye"#) == #""say \"hi\" \\ bye""#)
        #expect(JSON.quoted("") == #""""#)
        #expect(JSON.quoted("plain-station_1") == #""plain-station_1""#)
    }

    @Test func everyControlCharacterIsEscaped() {
        // \n, \r and \t by name; the rest of U+0000–U+001F as \u00xx with lowercase hex.
        let named: [UInt32: String] = [0x0A: #"\n"#, 0x0D: #"\r"#, 0x09: #"\t"#]
        for value in UInt32(0)..<0x20 {
            let scalar = Unicode.Scalar(value)!
            let hex = String(value, radix: 16)
            let expected = named[value] ?? "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            #expect(JSON.quoted("a\(Character(scalar))b") == "\"a\(expected)b\"", "U+\(hex)")
        }
        #expect(JSON.quoted("\u{08}\u{0C}\u{1F}") == #""\u0008\u000c\u001f""#)
    }

    @Test func nonASCIIAndDELAreWrittenAsThemselves() {
        // RFC 8259 requires only quote, backslash and U+0000–U+001F to be escaped; UTF-8 stays UTF-8.
        let text = "Zürich 21 °C \u{7F} \u{2028} 😀 東京"
        #expect(JSON.quoted(text) == "\"" + text + "\"")
        #expect(Array(JSON.quoted("é").utf8) == [0x22, 0xC3, 0xA9, 0x22])
    }

    @Test func escapesWorkInsideOtherwisePlainText() {
        // The whole-string fast path must not skip an escape late in the string.
        let long = String(repeating: "x", count: 1000) + "\"" + String(repeating: "é", count: 10) + "\n"
        #expect(JSON.quoted(long) == "\"" + String(repeating: "x", count: 1000) + "\\\"" + String(repeating: "é", count: 10) + "\\n\"")
    }

    @Test func appendingAddsToWhatIsThere() {
        var out = "{\"k\":"
        JSON.appendQuoted("v\t", to: &out)
        #expect(out == #"{"k":"v\t""#)
    }
}

@Suite struct NumberTests {
    @Test func doublesPrintTheirShortestText() {
        #expect(JSON.number(21.3) == "21.3")
        #expect(JSON.number(0.1 + 0.2) == "0.30000000000000004")
        #expect(JSON.number(100.0) == "100.0")
        #expect(JSON.number(-0.0) == "-0.0")
        #expect(JSON.number(1e-5) == "1e-05")
        #expect(JSON.number(1e16) == "1e+16")
        #expect(JSON.number(Double.leastNonzeroMagnitude) == "5e-324")
    }

    @Test func floatsPrintTheirOwnShortestTextNotTheWidenedDouble() {
        let f: Float = 21.3
        #expect(JSON.number(f) == "21.3")
        #expect(JSON.number(Double(f)) == "21.299999237060547")
    }

    @Test func nonFiniteValuesHaveNoJSONText() {
        #expect(JSON.number(Double.nan) == nil && JSON.number(Double.infinity) == nil && JSON.number(-Double.infinity) == nil)
        #expect(JSON.number(Float.nan) == nil && JSON.number(-Float.infinity) == nil)
    }

    @Test func theWriterPrintsNullForMissingAndNonFiniteNumbers() {
        let j = JSONWriter()
        j.array([Double?.none, .nan, .infinity, 2.5]) { j.number($0) }
        #expect(j.out == "[null,null,null,2.5]")
        let k = JSONWriter()
        k.array([Float?.none, .nan, 21.3]) { k.number($0) }
        #expect(k.out == "[null,null,21.3]")
    }

    @Test func integersPrintInDecimal() {
        let j = JSONWriter()
        j.array([Int.min, -1, 0, Int.max]) { j.number($0) }
        #expect(j.out == "[-9223372036854775808,-1,0,9223372036854775807]")
        let k = JSONWriter()
        k.array([Int64?.none, 42, .min]) { k.number($0) }
        #expect(k.out == "[null,42,-9223372036854775808]")
    }
}

@Suite struct WriterTests {
    @Test func objectsAndArraysNestWithCommasOnlyBetween() {
        let j = JSONWriter()
        j.object {
            j.field("name") { j.string("pi-1") }
            j.field("tags") { j.array(["a", "b"]) { j.string($0) } }
            j.field("empty_array") { j.array([Int]()) { j.number($0) } }
            j.field("empty_object") { j.object {} }
            j.field("nested") {
                j.object {
                    j.field("ok") { j.bool(true) }
                    j.field("failed") { j.bool(false) }
                    j.field("none") { j.null() }
                    j.field("missing") { j.string(nil) }
                    j.field("rows") { j.array([[1, 2], [3]]) { row in j.array(row) { j.number($0) } } }
                }
            }
        }
        #expect(
            j.out
                == #"{"name":"pi-1","tags":["a","b"],"empty_array":[],"empty_object":{},"nested":{"ok":true,"failed":false,"none":null,"missing":null,"rows":[[1,2],[3]]}}"#
        )
    }

    @Test func keysAreEscapedLikeStrings() {
        let j = JSONWriter()
        j.object { j.field("a\"b\\c\n") { j.number(1) } }
        #expect(j.out == #"{"a\"b\\c\n":1}"#)
    }}
