public import AWSSigV4
public import ObjectStore

/// Where requests go: scheme, host and port of an S3 endpoint.
public struct S3Endpoint: Sendable, Equatable, CustomStringConvertible {
    /// `https` or `http`.
    public var scheme: String
    /// Host name or IP literal (IPv6 without brackets).
    public var host: String
    /// The port, when not the scheme's default.
    public var port: Int?

    /// Parses `https://host[:port]` (a trailing `/` is allowed; a path is not).
    /// - Throws: ``ObjectStoreError`` (configuration) naming what was wrong.
    public init(parsing text: String) throws(ObjectStoreError) {
        var rest = Substring(text.trimming(" \t"))
        let scheme: String
        if rest.lowercased().hasPrefix("https://") {
            scheme = "https"
            rest = rest.dropFirst(8)
        } else if rest.lowercased().hasPrefix("http://") {
            scheme = "http"
            rest = rest.dropFirst(7)
        } else {
            throw ObjectStoreError(
                .configuration, "endpoint \"\(displayedEndpoint(text))\" must start with https:// (or http:// for a local server)")
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains("/"), !rest.contains("?"), !rest.contains("@"), !rest.contains(" ") else {
            throw ObjectStoreError(
                .configuration, "endpoint \"\(displayedEndpoint(text))\" must be scheme://host[:port] with no path, query or user")
        }
        var host = String(rest)
        var port: Int?
        if host.hasPrefix("[") {  // [IPv6]:port
            guard let close = host.firstIndex(of: "]") else {
                throw ObjectStoreError(.configuration, "endpoint \"\(displayedEndpoint(text))\" has an unclosed [IPv6] literal")
            }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else {
                    throw ObjectStoreError(.configuration, "endpoint \"\(displayedEndpoint(text))\" has an invalid port")
                }
                port = p
            } else if !after.isEmpty {
                throw ObjectStoreError(.configuration, "endpoint \"\(displayedEndpoint(text))\" is malformed after the IPv6 literal")
            }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]), (1...65535).contains(p) else {
                throw ObjectStoreError(.configuration, "endpoint \"\(displayedEndpoint(text))\" has an invalid port")
            }
            port = p
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { throw ObjectStoreError(.configuration, "endpoint \"\(displayedEndpoint(text))\" has no host") }
        if port == (scheme == "https" ? 443 : 80) { port = nil }
        self.init(scheme: scheme, host: host.lowercased(), port: port)
    }

    /// An endpoint from its parts.
    public init(scheme: String, host: String, port: Int? = nil) {
        self.scheme = scheme
        self.host = host
        self.port = port
    }

    /// `host` or `host:port`, as the `Host` header carries it.
    public var authority: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port.map { "\(h):\($0)" } ?? h
    }

    public var description: String { "\(scheme)://\(authority)" }

    /// Whether the host is a loopback or private-network address (RFC 1918, RFC 4193,
    /// link-local) or `localhost` — the only places plain http is allowed.
    public var isLoopbackOrPrivate: Bool {
        if host == "localhost" || host.hasSuffix(".localhost") || host == "::1" { return true }
        let lower = host.lowercased()
        if lower.hasPrefix("fc") || lower.hasPrefix("fd") || lower.hasPrefix("fe80:") { return lower.contains(":") }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 4, parts.allSatisfy({ $0 != nil && (0...255).contains($0!) }) else { return false }
        let a = parts[0]!, b = parts[1]!
        return a == 127 || a == 10 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168)
            || (a == 169 && b == 254)
    }
}

/// Path-style (`https://host/bucket/key`) or virtual-hosted (`https://bucket.host/key`)
/// addressing.
public enum S3Addressing: String, Sendable, Equatable {
    case pathStyle, virtualHosted
}

/// The storage providers the Python collector knows (`OPENSENSOR_STORAGE_PROVIDER`), plus
/// Source Cooperative.
public enum S3Provider: String, Sendable, CaseIterable, CustomStringConvertible {
    case s3, r2, gcs, azure, minio, wasabi, backblaze, hetzner, sourcecoop

    public var description: String { rawValue }
}

/// Settings as the configuration layer read them (`OPENSENSOR_STORAGE_*`, `OPENSENSOR_AWS_*`);
/// nil means "not set". Turned into an ``S3Configuration`` by ``S3Configuration/init(settings:)``.
public struct S3Settings: Sendable, CustomStringConvertible {
    /// `OPENSENSOR_STORAGE_PROVIDER` (default `s3`).
    public var provider: String
    /// `OPENSENSOR_STORAGE_BUCKET`.
    public var bucket: String?
    /// `OPENSENSOR_STORAGE_REGION`.
    public var region: String?
    /// `OPENSENSOR_STORAGE_ENDPOINT`.
    public var endpoint: String?
    /// `OPENSENSOR_STORAGE_PREFIX`.
    public var prefix: String?
    /// `OPENSENSOR_AWS_ACCESS_KEY_ID`.
    public var accessKeyID: String?
    /// `OPENSENSOR_AWS_SECRET_ACCESS_KEY` (redacted in `description`).
    public var secretAccessKey: String?
    /// A session token for temporary credentials (redacted in `description`).
    public var sessionToken: String?
    /// `OPENSENSOR_GCS_SERVICE_ACCOUNT_PATH`: set means the user wants native GCS auth, which
    /// we refuse until it is implemented.
    public var gcsServiceAccountPath: String?

    /// Settings; every field defaults to unset.
    public init(
        provider: String = "s3", bucket: String? = nil, region: String? = nil, endpoint: String? = nil,
        prefix: String? = nil, accessKeyID: String? = nil, secretAccessKey: String? = nil, sessionToken: String? = nil,
        gcsServiceAccountPath: String? = nil
    ) {
        self.provider = provider
        self.bucket = bucket
        self.region = region
        self.endpoint = endpoint
        self.prefix = prefix
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.gcsServiceAccountPath = gcsServiceAccountPath
    }

    public var description: String {
        "S3Settings(provider: \(provider), bucket: \(bucket ?? "nil"), region: \(region ?? "nil"), endpoint: \(endpoint.map(displayedEndpoint) ?? "nil"), prefix: \(prefix ?? "nil"), accessKeyID: \(accessKeyID ?? "nil"), secretAccessKey: \(secretAccessKey == nil ? "nil" : "<redacted>"), sessionToken: \(sessionToken == nil ? "nil" : "<redacted>"))"
    }
}

/// Everything an ``S3ObjectStore`` needs: endpoint, addressing, region, bucket, prefix,
/// credentials, and the transfer tuning. `description` never shows the secret.
public struct S3Configuration: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The provider it was derived from.
    public var provider: S3Provider
    /// Where requests go.
    public var endpoint: S3Endpoint
    /// How the bucket is addressed.
    public var addressing: S3Addressing
    /// The signing region.
    public var region: String
    /// The bucket.
    public var bucket: String
    /// The key prefix of synced files (no leading or trailing `/`; empty for none).
    public var prefix: String
    /// The credentials (redacted in descriptions); nil: requests go unsigned, as a public
    /// bucket is read.
    public var credentials: AWSCredentials?
    /// Objects of at least this many bytes are uploaded in parts.
    public var multipartThreshold: Int = 16 << 20
    /// The size of each part but the last (S3's minimum is 5 MiB; we use 8 MiB).
    public var partSize: Int = 8 << 20
    /// Retry policy for transient failures.
    public var retry: RetryConfig = .default
    /// Time allowed to open a connection.
    public var connectTimeout: Duration = .seconds(10)
    /// Time allowed without receiving a byte before a request is abandoned (a stall).
    public var readTimeout: Duration = .seconds(30)
    /// Time allowed for one whole request (per attempt).
    public var requestTimeout: Duration = .seconds(300)
    /// The largest object body a get will accept.
    public var maxObjectSize: Int = 1 << 30
    /// Connections to the endpoint at once: requests beyond it wait for one. Sync uploads a few
    /// files at a time; a reader of a lake fetches many small objects and wants more.
    public var maxConnections: Int = 4

    /// A configuration from explicit parts.
    public init(
        provider: S3Provider = .s3, endpoint: S3Endpoint, addressing: S3Addressing, region: String, bucket: String,
        prefix: String = "", credentials: AWSCredentials?
    ) {
        self.provider = provider
        self.endpoint = endpoint
        self.addressing = addressing
        self.region = region
        self.bucket = bucket
        self.prefix = prefix
        self.credentials = credentials
    }

    /// Derives endpoint, addressing and region from the user's settings the way the Python
    /// collector does (docs/ARCHITECTURE.md §2): wasabi `https://s3.{region}.wasabisys.com`, backblaze
    /// `https://s3.{region}.backblazeb2.com`, hetzner `https://{region}.your-objectstorage.com`,
    /// gcs `https://storage.googleapis.com` (HMAC keys), sourcecoop `https://data.source.coop`
    /// (Source Cooperative's data proxy), s3 `https://s3.{region}.amazonaws.com`; r2 and minio
    /// need an endpoint. A set endpoint always wins. Every provider but AWS uses path-style
    /// addressing (as does AWS for a custom endpoint or a bucket name with dots). Plain http is
    /// accepted only for loopback and private-network endpoints.
    /// `anonymousAllowed`: with neither key set, requests go unsigned (a reader of a public
    /// bucket); one key without the other is still an error.
    /// - Throws: ``ObjectStoreError`` (configuration) with a message saying what to set.
    public init(settings: S3Settings, anonymousAllowed: Bool = false) throws(ObjectStoreError) {
        let name = settings.provider.trimming(" \t").lowercased()
        guard let provider = S3Provider(rawValue: name.isEmpty ? "s3" : name) else {
            throw ObjectStoreError(
                .configuration,
                "unknown storage provider \"\(settings.provider)\" (expected one of: "
                    + S3Provider.allCases.map(\.rawValue).joined(separator: ", ") + ")")
        }
        switch provider {
        case .azure:
            throw ObjectStoreError(
                .configuration,
                "storage provider azure is not supported yet (planned: Azure Blob REST with a Shared Key or SAS); "
                    + "use an S3-compatible provider instead")
        case .gcs where nonEmpty(settings.gcsServiceAccountPath) != nil:
            throw ObjectStoreError(
                .configuration,
                "gcs with a service-account JSON (OPENSENSOR_GCS_SERVICE_ACCOUNT_PATH) is not supported yet; create "
                    + "HMAC keys for Cloud Storage's interoperability API, set them as OPENSENSOR_AWS_ACCESS_KEY_ID / "
                    + "OPENSENSOR_AWS_SECRET_ACCESS_KEY and unset the service-account path")
        default:
            break
        }
        guard let bucket = nonEmpty(settings.bucket) else {
            throw ObjectStoreError(.configuration, "no bucket is set (OPENSENSOR_STORAGE_BUCKET)")
        }
        guard !bucket.contains("/"), !bucket.contains(" "), !bucket.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F })
        else {
            throw ObjectStoreError(
                .configuration, "bucket name \"\(bucket)\" may not contain \"/\", spaces or control characters")
        }
        let accessKeyID = nonEmpty(settings.accessKeyID), secret = nonEmpty(settings.secretAccessKey)
        let anonymous = anonymousAllowed && accessKeyID == nil && secret == nil
        guard anonymous || (accessKeyID != nil && secret != nil) else {
            throw ObjectStoreError(
                .configuration,
                "storage credentials are missing (OPENSENSOR_AWS_ACCESS_KEY_ID and OPENSENSOR_AWS_SECRET_ACCESS_KEY)")
        }
        let region = nonEmpty(settings.region)
        let endpoint: S3Endpoint
        var addressing = S3Addressing.pathStyle
        if let custom = nonEmpty(settings.endpoint) {
            endpoint = try S3Endpoint(parsing: custom)
        } else {
            let text: String
            switch provider {
            case .s3:
                text = "https://s3.\(region ?? "us-west-2").amazonaws.com"
                // Bucket names with dots do not match the wildcard TLS certificate.
                addressing = bucket.contains(".") ? .pathStyle : .virtualHosted
            case .wasabi: text = "https://s3.\(region ?? "us-east-1").wasabisys.com"
            case .backblaze:
                guard let region else {
                    throw ObjectStoreError(
                        .configuration, "backblaze needs its region (OPENSENSOR_STORAGE_REGION, e.g. us-west-004)")
                }
                text = "https://s3.\(region).backblazeb2.com"
            case .hetzner:
                guard let region else {
                    throw ObjectStoreError(
                        .configuration, "hetzner needs its location as region (OPENSENSOR_STORAGE_REGION, e.g. fsn1)")
                }
                text = "https://\(region).your-objectstorage.com"
            case .gcs: text = "https://storage.googleapis.com"
            case .sourcecoop: text = "https://data.source.coop"
            case .r2, .minio:
                throw ObjectStoreError(
                    .configuration,
                    "storage provider \(provider) needs an endpoint (OPENSENSOR_STORAGE_ENDPOINT"
                        + (provider == .r2 ? ", e.g. https://<account-id>.r2.cloudflarestorage.com)" : ", e.g. https://minio.example.org:9000)"))
            case .azure:
                throw ObjectStoreError(.configuration, "storage provider azure is not supported yet")
            }
            endpoint = try S3Endpoint(parsing: text)
        }
        if endpoint.scheme == "http" && !endpoint.isLoopbackOrPrivate {
            throw ObjectStoreError(
                .configuration,
                "endpoint \(endpoint) uses plain http, which is allowed only for loopback or private-network "
                    + "addresses; use https")
        }
        let signingRegion: String
        switch provider {
        case .r2, .gcs: signingRegion = region ?? "auto"  // both accept "auto" as the SigV4 region
        case .minio: signingRegion = region ?? "us-east-1"
        default: signingRegion = region ?? "us-west-2"
        }
        self.init(
            provider: provider, endpoint: endpoint, addressing: addressing, region: signingRegion, bucket: bucket,
            prefix: Self.trimmedPrefix(settings.prefix),
            credentials: anonymous ? nil : AWSCredentials(
                accessKeyID: accessKeyID!, secretAccessKey: secret!, sessionToken: nonEmpty(settings.sessionToken)))
    }

    /// The object key of a file: `<prefix>/<relativePath>`, or the relative path when there is
    /// no prefix (the Python collector's rule).
    public func objectKey(forRelativePath relativePath: String) throws(ObjectStoreError) -> ObjectPath {
        try ObjectPath(prefix: prefix, relativePath: relativePath)
    }

    public var description: String {
        "S3Configuration(provider: \(provider), endpoint: \(endpoint), addressing: \(addressing.rawValue), region: \(region), bucket: \(bucket), prefix: \(prefix.isEmpty ? "none" : prefix), \(credentials.map { "\($0)" } ?? "unsigned"))"
    }

    public var debugDescription: String { description }

    static func trimmedPrefix(_ prefix: String?) -> String {
        var p = Substring(prefix ?? "")
        while p.hasPrefix("/") { p = p.dropFirst() }
        while p.hasSuffix("/") { p = p.dropLast() }
        return String(p)
    }
}

func nonEmpty(_ value: String?) -> String? {
    guard let trimmed = value?.trimming(" \t\r\n"), !trimmed.isEmpty else { return nil }
    return trimmed
}

extension String {
    func trimming(_ set: String) -> String {
        let chars = Set(set)
        var s = Substring(self)
        while let f = s.first, chars.contains(f) { s = s.dropFirst() }
        while let l = s.last, chars.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
