public import ObjectStore

/// The one place where S3 answers become ``ObjectStoreError`` kinds.
///
/// The S3 error code decides when there is one (it is more precise than the status); the HTTP
/// status decides otherwise (HEAD responses have no body). Codes from the S3 API reference's
/// "List of error codes"; messages say what the user should change.
public enum S3ErrorMapping {
    /// The kind, and a message of our own, for an S3 error response.
    public static func classify(status: Int, code: String?) -> (ObjectStoreError.Kind, String) {
        switch code {
        case "NoSuchKey": return (.notFound, "no object at this key")
        case "NoSuchUpload": return (.notFound, "the multipart upload no longer exists")
        case "NoSuchBucket": return (.configuration, "the bucket does not exist (create it, or fix the bucket name)")
        case "InvalidAccessKeyId":
            return (.credentials, "the access key ID is not known to this endpoint (check the access key and endpoint)")
        case "SignatureDoesNotMatch":
            return (.credentials, "the signature does not match: the secret access key (or the region) is wrong")
        case "AccessDenied", "AllAccessDisabled", "AccountProblem", "InvalidSecurity":
            return (.credentials, "access denied: the credentials lack permission for this bucket or key")
        case "ExpiredToken", "InvalidToken", "TokenRefreshRequired":
            return (.credentials, "the session token is expired or invalid; renew the temporary credentials")
        case "RequestTimeTooSkewed":
            return (
                .configuration,
                "this machine's clock differs from the server's by more than 15 minutes; synchronise the clock (NTP)"
            )
        case "AuthorizationHeaderMalformed", "AuthorizationQueryParametersError":
            return (.configuration, "the server rejected the signing scope: the region setting is probably wrong")
        case "PermanentRedirect", "TemporaryRedirect", "IllegalLocationConstraintException":
            return (.configuration, "the bucket lives at another endpoint or region; fix the endpoint or region")
        case "InvalidBucketName": return (.configuration, "the bucket name is invalid")
        case "PreconditionFailed": return (.preconditionFailed, "the object changed (its ETag no longer matches)")
        case "ConditionalRequestConflict", "OperationAborted", "SlowDown", "InternalError", "ServiceUnavailable",
            "RequestTimeout", "Busy", "RequestTimeoutException", "ThrottlingException", "BadDigest",
            "XAmzContentSHA256Mismatch", "IncompleteBody":
            // BadDigest / SHA-256 mismatch: the bytes were damaged in transit; sending them again is the fix.
            return (.transient, "the server asked to retry")
        case "NotImplemented": return (.unsupported, "the server does not implement this request")
        case "InvalidRange": return (.rejected, "the range selects no byte of the object")
        case "EntityTooLarge", "EntityTooSmall", "InvalidPart", "InvalidPartOrder", "InvalidDigest", "MalformedXML",
            "InvalidArgument", "InvalidRequest", "KeyTooLongError", "MissingContentLength":
            return (.rejected, "the server rejected the request")
        default: break
        }
        switch status {
        case 301, 307, 308:
            return (.configuration, "the server redirected: the bucket lives at another endpoint or region")
        case 401, 403: return (.credentials, "access denied: check the access key, secret and permissions")
        case 404: return (.notFound, "not found")
        case 409: return (.alreadyExists, "an object already exists at this key")
        case 412: return (.preconditionFailed, "the precondition did not hold")
        case 416: return (.rejected, "the range selects no byte of the object")
        case 408, 429: return (.transient, "the server asked to retry")
        case 501: return (.unsupported, "the server does not implement this request")
        case 500...599: return (.transient, "the server failed (HTTP \(status))")
        default: return (.rejected, "unexpected HTTP \(status)")
        }
    }

    /// The error for a non-success response, with the provider's code, message and request ID.
    static func error(
        status: Int, body: [UInt8], requestID: String?, operation: String, path: String?, context: String,
        conditional: Bool = false
    ) -> ObjectStoreError {
        var code: String?
        var message: String?
        var requestID = requestID
        if let root = try? XMLParser.parse(body), root.name == "Error" {
            code = root.text(of: "Code")
            message = root.text(of: "Message")
            requestID = root.text(of: "RequestId") ?? requestID
        }
        var (kind, text) = classify(status: status, code: code)
        // A create-only put (If-None-Match: *) that finds an object answers 412.
        if conditional && status == 412 && (code == nil || code == "PreconditionFailed") {
            (kind, text) = (.alreadyExists, "an object already exists at this key")
        }
        return ObjectStoreError(
            kind, "\(text) (\(context))", path: path, operation: operation,
            provider: .init(status: status, code: code, message: message, requestID: requestID))
    }
}
