/// Credentials that sign requests: an access key ID, its secret, and an optional session token.
///
/// The secret and the token never appear in `description`, `debugDescription` or a dump made
/// through `CustomReflectable`: printing or logging a value shows the key ID and `<redacted>`.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    /// The access key ID (not a secret; it names the key and appears in every signed request).
    public let accessKeyID: String
    /// The secret access key. Only the signer reads it.
    public let secretAccessKey: String
    /// The session token of temporary credentials (STS), sent as `x-amz-security-token`.
    public let sessionToken: String?

    /// Creates credentials from values already read from the configuration.
    public init(accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
    }

    public var description: String {
        "AWSCredentials(accessKeyID: \(accessKeyID), secretAccessKey: <redacted>"
            + (sessionToken == nil ? ")" : ", sessionToken: <redacted>)")
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "accessKeyID": accessKeyID,
                "secretAccessKey": "<redacted>",
                "sessionToken": sessionToken == nil ? "nil" : "<redacted>",
            ])
    }
}
