import AWSSigV4
import CivilTime
import HTTP1Client
public import ObjectStore

#if canImport(FoundationEssentials)
    public import FoundationEssentials
#else
    public import Foundation
#endif

/// An ``ObjectStore`` over the S3 REST API: put (single and multipart, every body checked by
/// the server with Content-MD5 and a signed SHA-256), head, get with ranges, ListObjectsV2 with
/// continuation tokens, delete — signed with SigV4, retried with ``RetryConfig``.
///
/// Works with AWS and the S3-compatible providers of ``S3Provider``. Call ``shutdown()`` when
/// done. Credentials never appear in descriptions or errors.
public final class S3ObjectStore: ObjectStore {
    /// The configuration (its description redacts the secret).
    public let configuration: S3Configuration
    let transport: any S3Transport
    /// Nil for a store without credentials: its requests go unsigned (public buckets).
    let signer: AWSSigner?
    let retrier: Retrier
    let now: @Sendable () -> Date

    /// A store talking to the configured endpoint over ``HTTP1Transport``.
    public convenience init(configuration: S3Configuration) {
        self.init(
            configuration: configuration,
            transport: HTTP1Transport(
                connectTimeout: configuration.connectTimeout, readTimeout: configuration.readTimeout,
                requestTimeout: configuration.requestTimeout, maxConnectionsPerHost: configuration.maxConnections))
    }

    /// A store with an injected transport, clock, jitter source and wall clock (for tests).
    public init(
        configuration: S3Configuration, transport: any S3Transport, clock: any RetryClock = SystemRetryClock(),
        random: any RandomSource = SystemRandomSource(), now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.transport = transport
        self.signer = configuration.credentials.map { AWSSigner(credentials: $0, region: configuration.region, service: "s3") }
        self.retrier = Retrier(config: configuration.retry, clock: clock, random: random)
        self.now = now
    }

    /// Closes connections.
    public func shutdown() async throws { try await transport.shutdown() }

    public var description: String { "s3://\(configuration.bucket) at \(configuration.endpoint)" }

    // MARK: - ObjectStore

    @discardableResult
    public func put(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult {
        if bytes.count >= configuration.multipartThreshold {
            return try await putMultipart(path, bytes: bytes, mode: mode)
        }
        let md5 = MD5.hash(bytes)
        let md5Hex = hex(md5)
        var headers: [(name: String, value: String)] = [("Content-MD5", Data(md5).base64EncodedString())]
        headers += conditionalHeaders(mode)
        let payload = AWSSigner.PayloadHash.of(bytes)
        var answerLost = false
        return try await retrier.run { attempt in
            // Without a condition the server would store a resent body a second time. When the
            // last attempt got no answer (a reset, a timeout), it may have been stored: one HEAD
            // looks first, so an upload is written once. (Conditional puts learn it from the
            // server's refusal, below; an answered failure stored nothing.)
            if answerLost, mode == .overwrite, try await ourEarlierAttemptLanded(path, eTag: md5Hex) {
                return PutResult(eTag: md5Hex)
            }
            answerLost = true
            let response = try await send(
                "PUT", key: path.rawValue, headers: headers, body: bytes, payload: payload, operation: "PUT")
            answerLost = false
            if response.status == 200 {
                let eTag = unquote(response.header("ETag"))
                if let eTag, isPlainMD5(eTag), eTag != md5Hex {
                    throw ObjectStoreError(
                        .transient, "the server stored bytes with MD5 \(eTag), but \(md5Hex) was sent",
                        path: path.rawValue, operation: "PUT")
                }
                return PutResult(eTag: eTag ?? md5Hex)
            }
            let error = mappedError(response, operation: "PUT", path: path, conditional: mode == .create)
            if attempt > 0, error.kind == .alreadyExists || error.kind == .preconditionFailed,
                try await ourEarlierAttemptLanded(path, eTag: md5Hex)
            {
                // An earlier attempt stored these bytes and only its answer was lost.
                return PutResult(eTag: md5Hex)
            }
            throw error
        }
    }

    public func head(_ path: ObjectPath) async throws -> ObjectMeta {
        try await retrier.run { _ in try await headOnce(path) }
    }

    public func get(_ path: ObjectPath, range: ByteRange?) async throws -> GetResult {
        let headers: [(name: String, value: String)] = range.map { [("Range", $0.httpValue)] } ?? []
        return try await retrier.run { _ in
            let response = try await send(
                "GET", key: path.rawValue, headers: headers, operation: "GET",
                maxBodyBytes: configuration.maxObjectSize)
            let eTag = unquote(response.header("ETag"))
            let modified = response.header("Last-Modified").flatMap(lastModified(httpDate:))
            switch response.status {
            case 200:
                let size = response.body.count
                if let declared = response.header("Content-Length").flatMap(Int.init), declared != size {
                    throw ObjectStoreError(
                        .transient, "received \(size) of \(declared) bytes", path: path.rawValue, operation: "GET")
                }
                if let eTag, isPlainMD5(eTag), hex(MD5.hash(response.body)) != eTag {
                    throw ObjectStoreError(
                        .transient, "the bytes received do not match the object's MD5 \(eTag)", path: path.rawValue,
                        operation: "GET")
                }
                let meta = ObjectMeta(path: path, size: size, eTag: eTag, lastModified: modified)
                // A server that ignores Range sends the whole object: cut the range out ourselves.
                let selected = try range.map { r throws(ObjectStoreError) in
                    guard let resolved = r.resolve(size: size) else {
                        throw ObjectStoreError(
                            .rejected, "range \(r) selects no byte of a \(size)-byte object", path: path.rawValue,
                            operation: "GET")
                    }
                    return resolved
                } ?? 0..<size
                return GetResult(bytes: Array(response.body[selected]), meta: meta, range: selected)
            case 206:
                guard let (range, total) = response.header("Content-Range").flatMap(parseContentRange),
                    range.count == response.body.count
                else {
                    throw ObjectStoreError(
                        .transient,
                        "partial response with Content-Range \(response.header("Content-Range") ?? "missing") "
                            + "does not match its \(response.body.count) bytes",
                        path: path.rawValue, operation: "GET")
                }
                let meta = ObjectMeta(path: path, size: total, eTag: eTag, lastModified: modified)
                return GetResult(bytes: response.body, meta: meta, range: range)
            default:
                throw mappedError(response, operation: "GET", path: path)
            }
        }
    }

    public func list(prefix: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        try await list(prefix: prefix, delimiter: nil, continuation: continuation, maxKeys: maxKeys)
    }

    public func list(prefix: String, delimiter: String, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        try await list(prefix: prefix, delimiter: Optional(delimiter), continuation: continuation, maxKeys: maxKeys)
    }

    func list(prefix: String, delimiter: String?, continuation: String?, maxKeys: Int) async throws -> ObjectListPage {
        var query: [(name: String, value: String)] = [("list-type", "2"), ("max-keys", String(max(1, min(maxKeys, 1000))))]
        if !prefix.isEmpty { query.append(("prefix", prefix)) }
        if let delimiter, !delimiter.isEmpty { query.append(("delimiter", delimiter)) }
        if let continuation { query.append(("continuation-token", continuation)) }
        return try await retrier.run { _ in
            let response = try await send("GET", key: nil, query: query, operation: "LIST")
            guard response.status == 200 else { throw mappedError(response, operation: "LIST", path: nil) }
            return try parseListing(response.body)
        }
    }

    public func delete(_ path: ObjectPath) async throws {
        try await retrier.run { _ in
            let response = try await send("DELETE", key: path.rawValue, operation: "DELETE")
            if response.status == 204 || response.status == 200 { return }
            let error = mappedError(response, operation: "DELETE", path: path)
            if error.kind == .notFound { return }  // already gone: deleting is idempotent
            throw error
        }
    }

    // MARK: - Beyond the protocol

    /// Creates the bucket; succeeds if it already exists and is ours.
    public func createBucket() async throws {
        try await retrier.run { _ in
            let response = try await send("PUT", key: nil, body: [], payload: .empty, operation: "CreateBucket")
            if response.status == 200 { return }
            let error = mappedError(response, operation: "CreateBucket", path: nil)
            if error.provider?.code == "BucketAlreadyOwnedByYou" { return }
            throw error
        }
    }

    /// Keys of multipart uploads started under `prefix` and neither completed nor aborted.
    public func pendingMultipartUploads(prefix: String = "") async throws -> [String] {
        try await multipartUploads(prefix: prefix).map(\.key)
    }

    /// Key and upload ID of each unfinished multipart upload under `prefix`.
    func multipartUploads(prefix: String) async throws -> [(key: String, uploadID: String)] {
        var query: [(name: String, value: String)] = [("uploads", "")]
        if !prefix.isEmpty { query.append(("prefix", prefix)) }
        return try await retrier.run { _ in
            let response = try await send("GET", key: nil, query: query, operation: "ListMultipartUploads")
            guard response.status == 200 else { throw mappedError(response, operation: "ListMultipartUploads", path: nil) }
            do {
                let root = try XMLParser.parse(response.body)
                return root.all("Upload").compactMap { u in
                    guard let key = u.text(of: "Key"), let id = u.text(of: "UploadId") else { return nil }
                    return (key, id)
                }
            } catch {
                throw ObjectStoreError(.rejected, "unreadable ListMultipartUploads answer: \(error)", operation: "ListMultipartUploads")
            }
        }
    }

    /// A presigned URL for `method` on `path`, valid for `expires` seconds from now.
    public func presignedURL(_ path: ObjectPath, method: String = "GET", expires: Int = 3600) -> String {
        let (host, rawPath) = target(key: path.rawValue)
        guard let signer else { return "\(configuration.endpoint.scheme)://\(host)\(URIEncoding.encodePath(rawPath))" }
        let signed = signer.presign(.init(method: method, host: host, path: rawPath), expires: expires, date: now())
        return "\(configuration.endpoint.scheme)://\(host)\(signed.pathAndQuery)"
    }

    // MARK: - Multipart

    func putMultipart(_ path: ObjectPath, bytes: [UInt8], mode: PutMode) async throws -> PutResult {
        let key = path.rawValue
        var retried = false
        let uploadID: String = try await retrier.run { attempt in
            retried = attempt > 0
            let response = try await send(
                "POST", key: key, query: [("uploads", "")], body: [], payload: .empty,
                operation: "CreateMultipartUpload")
            guard response.status == 200 else {
                throw mappedError(response, operation: "CreateMultipartUpload", path: path)
            }
            // A malformed answer will not heal by asking again: rejected, like the other XML readers.
            let root: XMLElement
            do { root = try XMLParser.parse(response.body) } catch {
                throw ObjectStoreError(
                    .rejected, "unreadable CreateMultipartUpload answer: \(error)", path: key,
                    operation: "CreateMultipartUpload")
            }
            guard let id = root.text(of: "UploadId"), !id.isEmpty else {
                throw ObjectStoreError(
                    .transient, "the CreateMultipartUpload answer has no UploadId", path: key,
                    operation: "CreateMultipartUpload")
            }
            return id
        }
        if retried {
            // An attempt whose answer was lost may have started an upload nobody would finish
            // (our keys are never uploaded twice at once, so any other upload of it is ours).
            for orphan in (try? await multipartUploads(prefix: key)) ?? [] where orphan.key == key && orphan.uploadID != uploadID {
                await abortMultipart(key: key, uploadID: orphan.uploadID)
            }
        }
        do {
            let partSize = max(configuration.partSize, 5 << 20)
            var partETags: [String] = []
            var md5s: [UInt8] = []
            for (index, start) in stride(from: 0, to: bytes.count, by: partSize).enumerated() {
                let part = Array(bytes[start..<min(start + partSize, bytes.count)])
                let md5 = MD5.hash(part)
                md5s += md5
                let md5Hex = hex(md5)
                let headers: [(name: String, value: String)] = [("Content-MD5", Data(md5).base64EncodedString())]
                let payload = AWSSigner.PayloadHash.of(part)
                let eTag: String = try await retrier.run { _ in
                    let response = try await send(
                        "PUT", key: key, query: [("partNumber", String(index + 1)), ("uploadId", uploadID)],
                        headers: headers, body: part, payload: payload, operation: "UploadPart")
                    guard response.status == 200 else { throw mappedError(response, operation: "UploadPart", path: path) }
                    let eTag = unquote(response.header("ETag")) ?? md5Hex
                    if isPlainMD5(eTag) && eTag != md5Hex {
                        throw ObjectStoreError(
                            .transient, "part \(index + 1) stored with MD5 \(eTag), but \(md5Hex) was sent", path: key,
                            operation: "UploadPart")
                    }
                    return eTag
                }
                partETags.append(eTag)
            }
            var xml = "<CompleteMultipartUpload>"
            for (i, eTag) in partETags.enumerated() {
                xml += "<Part><PartNumber>\(i + 1)</PartNumber><ETag>\"\(xmlEscape(eTag))\"</ETag></Part>"
            }
            xml += "</CompleteMultipartUpload>"
            let body = Array(xml.utf8)
            // S3's ETag of a multipart object: MD5 of the parts' MD5s, dash, part count.
            let expectedETag = hex(MD5.hash(md5s)) + "-\(partETags.count)"
            let headers = [("Content-MD5", Data(MD5.hash(body)).base64EncodedString())]
                + conditionalHeaders(mode)
            let payload = AWSSigner.PayloadHash.of(body)
            return try await retrier.run { attempt in
                let response = try await send(
                    "POST", key: key, query: [("uploadId", uploadID)], headers: headers, body: body, payload: payload,
                    operation: "CompleteMultipartUpload")
                if response.status == 200 {
                    // S3 can answer 200 and still report an error in the body.
                    let root: XMLElement
                    do { root = try XMLParser.parse(response.body) } catch {
                        throw ObjectStoreError(
                            .rejected, "unreadable CompleteMultipartUpload answer: \(error)", path: key,
                            operation: "CompleteMultipartUpload")
                    }
                    if root.name == "Error" {
                        var error = S3ErrorMapping.error(
                            status: 200, body: response.body, requestID: nil, operation: "CompleteMultipartUpload",
                            path: key, context: context)
                        if error.provider?.code == nil { error.kind = .transient }
                        throw error
                    }
                    return PutResult(eTag: unquote(root.text(of: "ETag")) ?? expectedETag)
                }
                let error = mappedError(
                    response, operation: "CompleteMultipartUpload", path: path, conditional: mode == .create)
                if attempt > 0, [.notFound, .alreadyExists, .preconditionFailed].contains(error.kind),
                    try await ourEarlierAttemptLanded(path, eTag: expectedETag)
                {
                    return PutResult(eTag: expectedETag)
                }
                throw error
            }
        } catch {
            await abortMultipart(key: key, uploadID: uploadID)
            throw error
        }
    }

    /// Aborts an upload so its parts stop costing storage; best effort, and it runs even when
    /// the calling task was cancelled.
    func abortMultipart(key: String, uploadID: String) async {
        let task = Task.detached { [self] in
            for _ in 0..<3 {
                if let response = try? await send(
                    "DELETE", key: key, query: [("uploadId", uploadID)], operation: "AbortMultipartUpload"),
                    response.status == 204 || response.status == 200 || response.status == 404
                {
                    return
                }
            }
        }
        await task.value
    }

    // MARK: - Requests

    var context: String { "s3://\(configuration.bucket) at \(configuration.endpoint)" }

    /// The `Host` value and raw path for a key (nil: the bucket itself).
    func target(key: String?) -> (host: String, path: String) {
        switch configuration.addressing {
        case .pathStyle:
            return (configuration.endpoint.authority, "/\(configuration.bucket)" + (key.map { "/" + $0 } ?? ""))
        case .virtualHosted:
            return ("\(configuration.bucket).\(configuration.endpoint.authority)", "/" + (key ?? ""))
        }
    }

    /// One signed attempt. Failures below HTTP become transient errors naming the endpoint.
    func send(
        _ method: String, key: String?, query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [], body: [UInt8] = [], payload: AWSSigner.PayloadHash = .empty,
        operation: String, maxBodyBytes: Int = 16 << 20
    ) async throws -> HTTP1Response {
        let (host, path) = target(key: key)
        let pathAndQuery: String, sentHeaders: [(name: String, value: String)]
        if let signer {
            let signed = signer.sign(
                .init(method: method, host: host, path: path, query: query, headers: headers), payload: payload, date: now())
            (pathAndQuery, sentHeaders) = (signed.pathAndQuery, signed.headers)
        } else {
            let encodedQuery = query.map { URIEncoding.encodeQueryComponent($0.name) + "=" + URIEncoding.encodeQueryComponent($0.value) }
                .joined(separator: "&")
            pathAndQuery = URIEncoding.encodePath(path) + (encodedQuery.isEmpty ? "" : "?" + encodedQuery)
            sentHeaders = headers
        }
        let request = HTTP1Request(
            method: method, url: "\(configuration.endpoint.scheme)://\(host)\(pathAndQuery)",
            headers: sentHeaders, body: body)
        do {
            return try await transport.send(request, maxBodyBytes: maxBodyBytes)
        } catch let error as ObjectStoreError {
            throw error
        } catch {
            if Task.isCancelled || error is CancellationError { throw CancellationError() }
            if let error = error as? HTTPClientError, error.kind == .responseTooLarge {
                // The same answer would come back: retrying cannot help.
                throw ObjectStoreError(
                    .rejected, "\(error.message) (S3Configuration.maxObjectSize)", path: key, operation: operation,
                    underlying: error)
            }
            throw ObjectStoreError(
                .transient, "no answer from \(configuration.endpoint) (\(error))", path: key, operation: operation,
                underlying: error)
        }
    }

    func mappedError(
        _ response: HTTP1Response, operation: String, path: ObjectPath?, conditional: Bool = false
    ) -> ObjectStoreError {
        S3ErrorMapping.error(
            status: response.status, body: response.body,
            requestID: response.header("x-amz-request-id") ?? response.header("x-openstack-request-id"),
            operation: operation, path: path?.rawValue, context: context, conditional: conditional)
    }

    func conditionalHeaders(_ mode: PutMode) -> [(name: String, value: String)] {
        switch mode {
        case .overwrite: []
        case .create: [("If-None-Match", "*")]
        case .update(let eTag): [("If-Match", "\"\(eTag)\"")]
        }
    }

    func headOnce(_ path: ObjectPath) async throws -> ObjectMeta {
        let response = try await send("HEAD", key: path.rawValue, operation: "HEAD")
        guard response.status == 200 else { throw mappedError(response, operation: "HEAD", path: path) }
        guard let size = response.header("Content-Length").flatMap(Int.init) else {
            throw ObjectStoreError(.transient, "HEAD answer without Content-Length", path: path.rawValue, operation: "HEAD")
        }
        return ObjectMeta(
            path: path, size: size, eTag: unquote(response.header("ETag")),
            lastModified: response.header("Last-Modified").flatMap(lastModified(httpDate:)))
    }

    func ourEarlierAttemptLanded(_ path: ObjectPath, eTag: String) async throws -> Bool {
        // The check itself may meet a transient failure: retry it like any request.
        guard let meta = try? await retrier.run({ _ in try await headOnce(path) }) else { return false }
        return meta.eTag == eTag
    }

    func parseListing(_ body: [UInt8]) throws(ObjectStoreError) -> ObjectListPage {
        let root: XMLElement
        do { root = try XMLParser.parse(body) } catch {
            throw ObjectStoreError(.rejected, "unreadable ListObjectsV2 answer: \(error)", operation: "LIST")
        }
        guard root.name == "ListBucketResult" else {
            throw ObjectStoreError(.rejected, "ListObjectsV2 answered <\(root.name)>, expected <ListBucketResult>", operation: "LIST")
        }
        var objects: [ObjectMeta] = []
        for entry in root.all("Contents") {
            // Keys we cannot address (folder markers ending in "/") are not objects to us.
            guard let key = entry.text(of: "Key"), let path = try? ObjectPath(key) else { continue }
            guard let size = entry.text(of: "Size").flatMap(Int.init) else {
                throw ObjectStoreError(.rejected, "listing entry \(key) has no valid <Size>", operation: "LIST")
            }
            objects.append(
                ObjectMeta(
                    path: path, size: size, eTag: unquote(entry.text(of: "ETag")),
                    lastModified: entry.text(of: "LastModified").flatMap(lastModified(iso8601:))))
        }
        let prefixes = root.all("CommonPrefixes").compactMap { $0.text(of: "Prefix") }
        let truncated = root.text(of: "IsTruncated") == "true"
        let token = root.text(of: "NextContinuationToken")
        if truncated && (token ?? "").isEmpty {
            throw ObjectStoreError(.rejected, "ListObjectsV2 page is truncated but has no NextContinuationToken", operation: "LIST")
        }
        return ObjectListPage(objects: objects, nextToken: truncated ? token : nil, commonPrefixes: prefixes)
    }
}

/// `bytes a-b/total` → (a ..< b+1, total).
func parseContentRange(_ value: String) -> (Range<Int>, Int)? {
    guard value.hasPrefix("bytes ") else { return nil }
    let rest = value.dropFirst(6).split(separator: "/")
    guard rest.count == 2, let total = Int(rest[1]) else { return nil }
    let bounds = rest[0].split(separator: "-")
    guard bounds.count == 2, let a = Int(bounds[0]), let b = Int(bounds[1]), a <= b, b < total else { return nil }
    return (a..<(b + 1), total)
}

/// `Last-Modified`, an HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`), as a Date; nil for any other form.
func lastModified(httpDate text: String) -> Date? {
    HTTPDate.parseSeconds(text).map { Date(timeIntervalSince1970: Double($0)) }
}

/// A listing's `<LastModified>`, ISO 8601 (`2009-10-12T17:50:30.000Z`), as a Date.
func lastModified(iso8601 text: String) -> Date? {
    ISO8601.parse(text).map { Date(timeIntervalSince1970: Double($0.secondsSince1970) + Double($0.nanosecond) / 1e9) }
}

func unquote(_ eTag: String?) -> String? {
    guard var e = eTag else { return nil }
    if e.hasPrefix("W/") { e.removeFirst(2) }
    if e.count >= 2 && e.hasPrefix("\"") && e.hasSuffix("\"") { e = String(e.dropFirst().dropLast()) }
    return e.isEmpty ? nil : e
}

/// Whether an ETag is a bare MD5 (32 hex digits), as S3 gives for single-part uploads.
func isPlainMD5(_ eTag: String) -> Bool {
    eTag.utf8.count == 32 && eTag.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
}

func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
}
