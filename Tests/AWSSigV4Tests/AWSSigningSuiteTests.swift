import AWSSigV4
import Foundation
import Testing

/// Cases of the aws-c-auth SigV4 test suite (`tests/aws-signing-test-suite/v4/`): credentials
/// AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service `service`, unsigned body hashed as
/// empty, no `x-amz-content-sha256` header. The `*-unnormalized` cases (`normalize: false`)
/// follow S3's path rules: no dot-segment removal, no slash merging, single encoding. The other
/// cases chosen here have paths that normalisation leaves unchanged.
/// Each case: the raw request, the header-signing signature and the query-signing signature.
struct SuiteCase: CustomTestStringConvertible, Sendable {
    let name: String
    let method: String
    let path: String
    let query: [(name: String, value: String)]
    let headers: [(name: String, value: String)]
    let sessionToken: String?
    let headerSignature: String
    let querySignature: String
    var testDescription: String { name }
}

let suiteCases: [SuiteCase] = [
    SuiteCase(
        name: "get-relative-relative-unnormalized", method: "GET", path: "/example1/example2/../..", query: [],
        headers: [], sessionToken: nil,
        headerSignature: "dc33e0856fd4baca4d7aa2146c38958283844764f38c74252a333df5e613003b",
        querySignature: "b45db0bfd1cf15003493b733e33aa208dd981bd0e63037a6ed953f71d2118a16"),
    SuiteCase(
        name: "get-relative-unnormalized", method: "GET", path: "/example/..", query: [], headers: [],
        sessionToken: nil,
        headerSignature: "eca7ead57bb5aa5c8e28007acd4ff04e1ff9a0ff3b237ec1554a184887ff9282",
        querySignature: "cbcb213b928a077e43275df47b500f1dfaa864ab3f5a18f6b95f4ff0938167ee"),
    SuiteCase(
        name: "get-slash-dot-slash-unnormalized", method: "GET", path: "/./", query: [], headers: [],
        sessionToken: nil,
        headerSignature: "68714168e6557f8f2de0ef956fc24dc2593a4bd2961f8df51898d8a134695145",
        querySignature: "a9b13e8f3484d9505bf1a6f347219f8f35b0fe8f128ceea597efc146a3dfe90c"),
    SuiteCase(
        name: "get-slash-pointless-dot-unnormalized", method: "GET", path: "/./example", query: [], headers: [],
        sessionToken: nil,
        headerSignature: "beb03f223f7deae4146464f06e29eebbee9c8afbe15c290cf07aa8b119e14cff",
        querySignature: "72b11f16d9530b18204bfb71f2d6ab085894c0ed8d352730a6e76234c58b5e10"),
    SuiteCase(
        name: "get-slash-unnormalized", method: "GET", path: "//", query: [], headers: [], sessionToken: nil,
        headerSignature: "c88bcd3d312d75078c0cd961d6deae3f4c754924b01669efcfcb439fd5e5b76e",
        querySignature: "b2a9542809db687769200f56a844a03f2bd0291d6eb90232d5101c6a579446cd"),
    SuiteCase(
        name: "get-slashes-unnormalized", method: "GET", path: "//example//", query: [], headers: [],
        sessionToken: nil,
        headerSignature: "87cca117541a147f6df867677d98a7d80dff226d2bfca9e4ffa899665623c7e5",
        querySignature: "822a5a9ba28072c5ab2bb4a6307d0c88276d40e49fec6b724c03fb4d4ba60fc2"),
    SuiteCase(
        name: "get-space-unnormalized", method: "GET", path: "/example space/", query: [], headers: [],
        sessionToken: nil,
        headerSignature: "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
        querySignature: "7a1f416954786484c9824d93c1f26ef64acb9b1b6c9154d08c9f07d0e394abf6"),
    SuiteCase(
        name: "get-utf8", method: "GET", path: "/\u{1234}", query: [], headers: [], sessionToken: nil,
        headerSignature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
        querySignature: "10eae3f14a260bd3911cc6d008d3c576d143b05b62f09782a7a4b37f52178e44"),
    SuiteCase(
        name: "get-unreserved", method: "GET",
        path: "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", query: [], headers: [],
        sessionToken: nil,
        headerSignature: "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
        querySignature: "95968482db1b9e0fadef6efc1bd24689f77c77d9ef56919c96a28cc92e0d6005"),
    SuiteCase(
        name: "get-vanilla-query-order-encoded", method: "GET", path: "/",
        query: [("Param-3", "Value3"), ("Param", "Value2"), ("\u{1234}", "Value1")], headers: [],
        sessionToken: nil,
        headerSignature: "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac",
        querySignature: "c5f1848ceec943ac2ca68ee720460c23aaae30a2300586597ada94c4a65e4787"),
    SuiteCase(
        name: "get-vanilla-query-unreserved", method: "GET", path: "/",
        query: [
            (
                "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
            )
        ], headers: [], sessionToken: nil,
        headerSignature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
        querySignature: "8e76a88a7433637b12778d5592799b29ad21ecd6cf6325051c21d86f0acda2bf"),
    SuiteCase(
        name: "get-vanilla-with-session-token", method: "GET", path: "/", query: [], headers: [],
        sessionToken: "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267",
        headerSignature: "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
        querySignature: "7ff2b50b376cb4d151970630573d6291dc128cc5c2a12ffb237f73cc53f67b6c"),
    SuiteCase(
        name: "post-header-key-sort", method: "POST", path: "/", query: [], headers: [("My-Header1", "value1")],
        sessionToken: nil,
        headerSignature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
        querySignature: "c09d07e0d55871f10f2a6d350d994acf6825a3cae70673d7def55616e6119dd7"),
    SuiteCase(
        name: "get-header-value-trim", method: "GET", path: "/", query: [],
        headers: [("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")], sessionToken: nil,
        headerSignature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        querySignature: "e7bb0fd515e125e1aec2ecc4c0c17484fb06f6846b927c35e46005dd3df3acd4"),
]

@Suite struct AWSSigningSuiteTests {
    let date = Date(timeIntervalSince1970: 1_440_938_160)  // 20150830T123600Z

    func signer(_ token: String?) -> AWSSigner {
        AWSSigner(
            credentials: AWSCredentials(
                accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                sessionToken: token),
            region: "us-east-1", service: "service")
    }

    func request(_ c: SuiteCase) -> AWSSigner.Request {
        .init(method: c.method, host: "example.amazonaws.com", path: c.path, query: c.query, headers: c.headers)
    }

    @Test(arguments: suiteCases) func headerSignature(_ c: SuiteCase) {
        let signed = signer(c.sessionToken).sign(request(c), payload: .empty, date: date, contentSHA256Header: false)
        #expect(signed.signature == c.headerSignature)
    }

    @Test(arguments: suiteCases) func querySignature(_ c: SuiteCase) {
        let signed = signer(c.sessionToken).presign(request(c), expires: 3600, date: date, payload: .empty)
        #expect(signed.signature == c.querySignature)
        #expect(signed.encodedQuery.hasSuffix("&X-Amz-Signature=" + c.querySignature))
    }

    @Test func unnormalizedPathIsSignedAsIs() {
        let c = suiteCases[0]
        let signed = signer(nil).sign(request(c), payload: .empty, date: date, contentSHA256Header: false)
        #expect(
            signed.canonicalRequest
                == "GET\n/example1/example2/../..\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                + "host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(signed.encodedPath == "/example1/example2/../..")
    }

    @Test func sessionTokenIsSentAndSigned() {
        let signed = signer("TOKEN").sign(.init(method: "GET", host: "h", path: "/"), payload: .empty, date: date)
        #expect(signed.headers.contains { $0.name == "x-amz-security-token" && $0.value == "TOKEN" })
        #expect(signed.canonicalRequest.contains("\nhost;x-amz-content-sha256;x-amz-date;x-amz-security-token\n"))
        let presigned = signer("TOKEN").presign(.init(method: "GET", host: "h", path: "/"), expires: 60, date: date)
        #expect(presigned.encodedQuery.contains("&X-Amz-Security-Token=TOKEN&"))
    }
}
