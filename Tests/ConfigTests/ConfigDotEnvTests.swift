// `.env` parsing against python-dotenv 1.2's behaviour. The expected values of the syntax
// sample were produced by python-dotenv's `dotenv_values` on the same text.

import Testing
@testable import Config

@Suite("Config: .env syntax")
struct ConfigDotEnvTests {
    static let sample = """
        # comment
         \n\
        export OPENSENSOR_A=alpha
        OPENSENSOR_B = beta   # trailing
        OPENSENSOR_C=c#notcomment
        OPENSENSOR_D= #only comment
        OPENSENSOR_E='single \\n $HOME # x \\' q'
        OPENSENSOR_F="dq \\n nl \\"q\\" \\\\ back \\t tab"
        OPENSENSOR_G="multi
        line"  # after
        OPENSENSOR_H=
        OPENSENSOR_I
        OPENSENSOR_J=${OPENSENSOR_A}-${NOPE:-dflt}-${OPENSENSOR_I}
        'OPENSENSOR_K'=quoted key
        OPENSENSOR_L=a b  c\t# tab comment
        OPENSENSOR_M=crlf\r
        OPENSENSOR_N=x\r

        """

    func values(_ text: String, environment: [String: String] = [:]) throws -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in try DotEnv.values(text, path: "t.env", environment: environment) { out[key] = value }
        return out
    }

    @Test func everySyntaxCaseReadsAsPythonDotenvReadsIt() throws {
        let v = try values(Self.sample)
        #expect(v["OPENSENSOR_A"] == "alpha")  // export
        #expect(v["OPENSENSOR_B"] == "beta")  // whitespace around =, inline comment
        #expect(v["OPENSENSOR_C"] == "c#notcomment")  // # without a blank before it is data
        #expect(v["OPENSENSOR_D"] == "")  // blank then # is an empty value
        #expect(v["OPENSENSOR_E"] == "single \\n $HOME # x ' q")  // single quotes: literal but \'
        #expect(v["OPENSENSOR_F"] == "dq \n nl \"q\" \\ back \t tab")  // double-quote escapes
        #expect(v["OPENSENSOR_G"] == "multi\nline")  // a quoted value spanning lines
        #expect(v["OPENSENSOR_H"] == "")
        #expect(v["OPENSENSOR_I"] == nil)  // a bare key sets nothing
        #expect(v["OPENSENSOR_J"] == "alpha-dflt-")  // ${VAR}, ${VAR:-default}, a bare key expands empty
        #expect(v["OPENSENSOR_K"] == "quoted key")
        #expect(v["OPENSENSOR_L"] == "a b  c")
        #expect(v["OPENSENSOR_M"] == "crlf")  // CRLF line ends
        #expect(v["OPENSENSOR_N"] == "x")
        #expect(v.count == 13)
    }

    @Test func statementsRecordTheLinesTheySpan() throws {
        let entries = try DotEnv.parse(Self.sample, path: "t.env")
        let g = try #require(entries.first { $0.key == "OPENSENSOR_G" })
        #expect(g.lines == 9...10)
        let a = try #require(entries.first { $0.key == "OPENSENSOR_A" })
        #expect(a.lines == 3...3)
    }

    @Test func interpolationPrefersEarlierLinesThenTheEnvironment() throws {
        let text = "X=file\nA=${X}/${HOME}/${MISSING}\nB='${X}'\nC=$X\n"
        let v = try values(text, environment: ["HOME": "/home/pi", "X": "env"])
        #expect(v["A"] == "file//home/pi/")
        #expect(v["B"] == "file")  // python-dotenv 1.2 expands inside single quotes too
        #expect(v["C"] == "$X")  // only the braced form expands
    }

    @Test func laterDefinitionsWinAndABOMIsIgnored() throws {
        let v = try values("\u{FEFF}K=1\nK=2\n")
        #expect(v["K"] == "2")
    }

    @Test(arguments: [
        ("A=1\nB=2\nKEY VALUE\n", 3, "`=` after the key KEY"),
        ("A=1\n\n  B=\"never closed\nC=3\n", 3, "closing \""),
        ("A='open\n", 1, "closing '"),
        ("# c\n=value\n", 2, "a key before `=`"),
        ("A=\"x\" junk\n", 1, "end of the line"),
        ("'unterminated key=1\n", 1, "single quotes"),
    ])
    func aMalformedLineIsNamedWithWhatWasExpected(text: String, line: Int, expected: String) {
        do {
            _ = try DotEnv.parse(text, path: "/etc/opensensor/.env")
            Issue.record("parsed \(text.debugDescription) without an error")
        } catch {
            guard case .malformedEnvFile(let path, let got, let message) = error else {
                Issue.record("unexpected error \(error)"); return
            }
            #expect(path == "/etc/opensensor/.env")
            #expect(got == line)
            #expect(message.contains(expected))
            #expect(error.description.hasPrefix("/etc/opensensor/.env:\(line):"))
        }
    }

    @Test func garbageNeverCrashes() {
        var rng = ConfigTestRandom(seed: 7)
        let alphabet = Array("AB=#'\"\\ \t\n\r$ {}:-x".unicodeScalars)
        for _ in 0..<2000 {
            let length = Int(rng.next() % 40)
            var s = String.UnicodeScalarView()
            for _ in 0..<length { s.append(alphabet[Int(rng.next() % UInt64(alphabet.count))]) }
            _ = try? DotEnv.values(String(s), path: "fuzz", environment: [:])
        }
    }
}

/// A deterministic random source for tests.
struct ConfigTestRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
