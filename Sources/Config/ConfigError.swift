// Errors of the configuration layer. Each one names what was wrong and what was expected, so
// the message alone is enough to fix a `.env` file or a flag.

/// What went wrong reading, validating or writing the station's configuration.
public enum ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A `.env` line that python-dotenv's grammar does not accept.
    case malformedEnvFile(path: String, line: Int, expected: String)
    /// A value outside what its key allows. `value` is already masked for secret keys.
    case invalidValue(key: String, value: String, allowed: String)
    /// A file that could not be read or written; `reason` is the system's explanation.
    case io(path: String, operation: String, reason: String)

    public var description: String {
        switch self {
        case .malformedEnvFile(let path, let line, let expected):
            "\(path):\(line): cannot parse this line: expected \(expected)"
        case .invalidValue(let key, let value, let allowed):
            "\(key)=\(value) is not valid: allowed is \(allowed)"
        case .io(let path, let operation, let reason):
            "cannot \(operation) \(path): \(reason)"
        }
    }
}
