#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// Signs HTTP requests with AWS Signature Version 4 (`AWS4-HMAC-SHA256`), the way S3 expects.
///
/// The signer is a pure value: it reads no clock and no environment, so the same request, date
/// and credentials always give the same signature (the tests pin it with AWS's published
/// examples). Paths are encoded once and never normalised (S3's rules), and the encoded path and
/// query it returns are what the caller must put on the wire.
///
/// Reference: the SigV4 pages of the S3 API documentation ("Signature Calculations for the
/// Authorization Header", "Authenticating Requests: Using Query Parameters").
public struct AWSSigner: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Credentials used for every signature; redacted in `description`.
    public let credentials: AWSCredentials
    /// The region of the credential scope, e.g. `us-east-1`.
    public let region: String
    /// The service of the credential scope; `s3` for object storage.
    public let service: String

    /// A signer for one region and service.
    public init(credentials: AWSCredentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    public var description: String { "AWSSigner(region: \(region), service: \(service), \(credentials))" }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["credentials": credentials, "region": region, "service": service])
    }

    /// The hash of the body that goes into the canonical request (and `x-amz-content-sha256`).
    public enum PayloadHash: Sendable, Equatable {
        /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature.
        case unsigned
        /// The lowercase hex SHA-256 of the body.
        case sha256Hex(String)

        /// The SHA-256 of an empty body.
        public static let empty = PayloadHash.sha256Hex(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")

        /// The SHA-256 of `bytes`.
        public static func of<Bytes: DataProtocol>(_ bytes: Bytes) -> PayloadHash {
            var hash = SHA256()
            for region in bytes.regions { region.withUnsafeBytes { hash.update($0) } }
            return .sha256Hex(lowercaseHex(hash.finalize()))
        }

        /// The string written into the canonical request.
        public var value: String {
            switch self {
            case .unsigned: "UNSIGNED-PAYLOAD"
            case .sha256Hex(let hex): hex
            }
        }
    }

    /// A request to sign: the raw (not yet encoded) path, query parameters and headers.
    public struct Request: Sendable {
        /// `GET`, `PUT`, …
        public var method: String
        /// The `Host` header value exactly as the HTTP client sends it (`host` or `host:port`).
        public var host: String
        /// The raw path starting with `/`, e.g. `/bucket/station=1/data_1445.parquet`.
        public var path: String
        /// Raw query parameters (name, value); `?uploads` is `("uploads", "")`.
        public var query: [(name: String, value: String)]
        /// Headers to sign. Leave out hop-by-hop headers and `User-Agent`, which proxies rewrite.
        public var headers: [(name: String, value: String)]

        /// A request to sign.
        public init(
            method: String, host: String, path: String, query: [(name: String, value: String)] = [],
            headers: [(name: String, value: String)] = []
        ) {
            self.method = method
            self.host = host
            self.path = path
            self.query = query
            self.headers = headers
        }
    }

    /// A signed request: what to send, plus the intermediate strings (useful in tests and when
    /// a server answers `SignatureDoesNotMatch` with its own canonical request).
    public struct SignedRequest: Sendable {
        /// The method, unchanged.
        public let method: String
        /// The path as encoded for signing; send exactly this.
        public let encodedPath: String
        /// The query string as sent (canonical order; presigned requests end with the signature).
        public let encodedQuery: String
        /// Headers to send: the request's own, then `x-amz-*` and `Authorization` (header
        /// signing). `Host` is not included: the HTTP client writes it from the URL.
        public let headers: [(name: String, value: String)]
        /// The canonical request that was hashed.
        public let canonicalRequest: String
        /// The string that was signed.
        public let stringToSign: String
        /// The hex signature.
        public let signature: String

        /// `encodedPath` plus `?encodedQuery` when there is a query.
        public var pathAndQuery: String { encodedQuery.isEmpty ? encodedPath : encodedPath + "?" + encodedQuery }
    }

    /// Signs `request` with an `Authorization` header.
    ///
    /// Adds `x-amz-date`, `x-amz-content-sha256` (unless `contentSHA256Header` is false — S3
    /// requires it, the generic SigV4 test suite does not use it) and `x-amz-security-token` when
    /// the credentials have a session token; all of them are signed.
    public func sign(
        _ request: Request, payload: PayloadHash, date: Date, contentSHA256Header: Bool = true
    ) -> SignedRequest {
        let time = SigningDate(date)
        var headers = request.headers
        headers.append((name: "x-amz-date", value: time.timestamp))
        if contentSHA256Header { headers.append((name: "x-amz-content-sha256", value: payload.value)) }
        if let token = credentials.sessionToken { headers.append((name: "x-amz-security-token", value: token)) }

        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(host: request.host, headers: headers)
        let encodedPath = URIEncoding.encodePath(request.path)
        let encodedQuery = Self.canonicalQuery(request.query)
        let canonical = [
            request.method, encodedPath, encodedQuery, canonicalHeaders, signedHeaders, payload.value,
        ].joined(separator: "\n")
        let (stringToSign, signature) = sign(canonicalRequest: canonical, time: time)
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyID)/\(scope(time)),"
            + "SignedHeaders=\(signedHeaders),Signature=\(signature)"
        headers.append((name: "Authorization", value: authorization))
        return SignedRequest(
            method: request.method, encodedPath: encodedPath, encodedQuery: encodedQuery, headers: headers,
            canonicalRequest: canonical, stringToSign: stringToSign, signature: signature)
    }

    /// Presigns `request`: the signature travels in the query string and the URL is valid for
    /// `expires` seconds from `date` (S3 allows 1 second to 7 days).
    ///
    /// The request's headers are signed too, so whoever uses the URL must send them unchanged.
    /// S3 presigned URLs use `UNSIGNED-PAYLOAD`; the generic suite signs an empty body.
    public func presign(
        _ request: Request, expires: Int, date: Date, payload: PayloadHash = .unsigned
    ) -> SignedRequest {
        let time = SigningDate(date)
        let (canonicalHeaders, signedHeaders) = Self.canonicalHeaders(host: request.host, headers: request.headers)
        var query = request.query
        query.append((name: "X-Amz-Algorithm", value: "AWS4-HMAC-SHA256"))
        query.append((name: "X-Amz-Credential", value: "\(credentials.accessKeyID)/\(scope(time))"))
        query.append((name: "X-Amz-Date", value: time.timestamp))
        query.append((name: "X-Amz-Expires", value: String(min(max(expires, 1), 604_800))))
        if let token = credentials.sessionToken { query.append((name: "X-Amz-Security-Token", value: token)) }
        query.append((name: "X-Amz-SignedHeaders", value: signedHeaders))

        let encodedPath = URIEncoding.encodePath(request.path)
        let encodedQuery = Self.canonicalQuery(query)
        let canonical = [
            request.method, encodedPath, encodedQuery, canonicalHeaders, signedHeaders, payload.value,
        ].joined(separator: "\n")
        let (stringToSign, signature) = sign(canonicalRequest: canonical, time: time)
        return SignedRequest(
            method: request.method, encodedPath: encodedPath,
            encodedQuery: encodedQuery + "&X-Amz-Signature=" + signature, headers: request.headers,
            canonicalRequest: canonical, stringToSign: stringToSign, signature: signature)
    }

    // MARK: - The algorithm

    func scope(_ time: SigningDate) -> String { "\(time.day)/\(region)/\(service)/aws4_request" }

    func sign(canonicalRequest: String, time: SigningDate) -> (stringToSign: String, signature: String) {
        let stringToSign = [
            "AWS4-HMAC-SHA256", time.timestamp, scope(time),
            lowercaseHex(SHA256.hash(canonicalRequest.utf8)),
        ].joined(separator: "\n")
        var key = Array(("AWS4" + credentials.secretAccessKey).utf8)
        for part in [time.day, region, service, "aws4_request"] {
            key = HMACSHA256.authenticationCode(for: part.utf8, key: key)
        }
        let signature = HMACSHA256.authenticationCode(for: stringToSign.utf8, key: key)
        return (stringToSign, lowercaseHex(signature))
    }

    /// Canonical headers (lowercased names, sorted, values trimmed with inner runs of spaces
    /// collapsed, repeated names joined with commas in order) and the signed-headers list.
    static func canonicalHeaders(host: String, headers: [(name: String, value: String)]) -> (String, String) {
        var byName: [String: [String]] = [:]
        var sawHost = false
        for (name, value) in headers {
            let lower = name.lowercased()
            if lower == "host" { sawHost = true }
            byName[lower, default: []].append(trimmedValue(value))
        }
        if !sawHost { byName["host"] = [host] }
        let names = byName.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var canonical = ""
        for name in names { canonical += name + ":" + byName[name]!.joined(separator: ",") + "\n" }
        return (canonical, names.joined(separator: ";"))
    }

    static func trimmedValue(_ value: String) -> String {
        var out = ""
        var pendingSpace = false
        for ch in value {
            if ch == " " || ch == "\t" || ch == "\n" || ch == "\r" {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(ch)
            }
        }
        return out
    }

    /// Query parameters encoded and sorted by encoded name, then encoded value (byte order).
    static func canonicalQuery(_ query: [(name: String, value: String)]) -> String {
        let encoded = query.map { (URIEncoding.encodeQueryComponent($0.name), URIEncoding.encodeQueryComponent($0.value)) }
        let sorted = encoded.sorted { a, b in
            a.0 == b.0
                ? Array(a.1.utf8).lexicographicallyPrecedes(Array(b.1.utf8))
                : Array(a.0.utf8).lexicographicallyPrecedes(Array(b.0.utf8))
        }
        return sorted.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }
}
