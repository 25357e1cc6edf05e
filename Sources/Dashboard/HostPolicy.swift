// Which `Host` a request may name. A web page on any site can make the browser of someone on
// this network fetch `http://attacker.example:8080/` after pointing that name at this machine
// (DNS rebinding); the browser then treats our answers as the attacker's and lets its script
// read them. Such requests still carry the attacker's name in `Host`, so answering only to
// names that mean this machine stops them.

/// The names a request's `Host` may carry: a pure decision from facts the command gathers
/// (bound address, the machine's name, its addresses, `--allow-host`).
public struct HostPolicy: Sendable {
    /// Names and addresses always allowed (lowercased; IPv6 without brackets).
    public let names: Set<String>
    /// Whether the server listens on every address (`0.0.0.0`, `::`): then any address of
    /// this machine may be used, so IP literals are checked against `localAddresses`.
    public let wildcard: Bool
    /// The machine's current addresses, asked when a literal is not among `names` (a Pi's
    /// DHCP address can change while the server runs).
    public let localAddresses: @Sendable () -> [String]

    /// Loopback names: whatever resolves them can only be this machine.
    public static let loopback: Set<String> = ["localhost", "127.0.0.1", "::1"]

    /// The policy for a server bound to `bind`. Always: loopback names, `*.localhost` and
    /// `127.0.0.0/8`; the bound name or address itself; `allowed` (`--allow-host`). Bound to
    /// every address, also the machine's `hostName` and `hostName.local` (mDNS, as a Pi
    /// announces itself) and any IP address the machine has.
    public init(bind: String, allowed: [String] = [], hostName: String? = nil,
                localAddresses: @escaping @Sendable () -> [String] = { [] }) {
        let bindHost = Self.hostPart(bind)
        wildcard = bindHost == "0.0.0.0" || bindHost == "::" || bindHost.isEmpty
        var names = Self.loopback
        if !wildcard { names.insert(bindHost) }
        for name in allowed { names.insert(Self.hostPart(name)) }
        if wildcard, let hostName = hostName.map(Self.hostPart), !hostName.isEmpty {
            names.insert(hostName)
            if !hostName.contains(".") { names.insert(hostName + ".local") }
        }
        self.names = names
        self.localAddresses = localAddresses
    }

    /// Loopback only: what tests and a default server use.
    public static let loopbackOnly = HostPolicy(bind: "127.0.0.1")

    /// Whether a request whose `Host` is `authority` may be answered. A request without one
    /// (HTTP/1.0) is answered: browsers always send it, so rebinding cannot omit it.
    public func allows(_ authority: String?) -> Bool {
        guard let authority else { return true }
        let host = Self.hostPart(authority)
        if names.contains(host) || host.hasSuffix(".localhost") { return true }
        if let parts = Self.ipv4(host), parts[0] == 127 { return true }
        guard wildcard, Self.ipv4(host) != nil || host.contains(":") else { return false }
        return localAddresses().contains { Self.hostPart($0) == host }
    }

    /// The names a refusal lists, sorted.
    public var described: String { names.sorted().joined(separator: ", ") + (wildcard ? ", this machine's IP addresses" : "") }

    /// `authority` without port, IPv6 brackets or a trailing dot, lowercased.
    static func hostPart(_ authority: String) -> String {
        var h = Substring(authority.lowercased())
        if h.hasPrefix("[") {
            if let close = h.firstIndex(of: "]") { h = h[h.index(after: h.startIndex)..<close] }
        } else if h.firstIndex(of: ":") == h.lastIndex(of: ":"), let colon = h.firstIndex(of: ":") {
            h = h[..<colon]  // one colon: host:port; more: a bare IPv6 literal
        }
        if let zone = h.firstIndex(of: "%") { h = h[..<zone] }
        while h.hasSuffix(".") { h = h.dropLast() }
        return String(h)
    }

    static func ipv4(_ host: String) -> [Int]? {
        let parts = host.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
        guard parts.count == 4, parts.allSatisfy({ $0 != nil && (0...255).contains($0!) }) else { return nil }
        return parts.map { $0! }
    }
}
