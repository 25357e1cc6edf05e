// The systemd unit `opensensor service setup` installs.
//
// Audience: the `service` command, which gathers the facts (which binary, which user, which
// directories) and installs the text; this type only checks the facts and renders them, so
// tests can pin every line. Syntax facts come from systemd.syntax(7) (quoting, line
// continuation), systemd.service(5) (command lines: `$` and `%` expansion) and
// systemd.unit(5) (specifiers: `%%` is a literal `%`).

import Config
import DurableFiles

/// Why a unit could not be rendered: which input, what was wrong, what was expected.
public struct ServiceUnitError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input at fault, e.g. "working directory".
    public var field: String
    public var message: String

    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// A `Type=notify` service unit for the collector, hardened to the files and devices it needs.
public struct ServiceUnit: Sendable, Equatable {
    /// The unit's name.
    public static let name = "opensensor.service"
    /// Where `setup` installs it (the administrator's unit directory, systemd.unit(5)).
    public static let installPath = "/etc/systemd/system/opensensor.service"
    /// The groups that own the Enviro+ devices on Raspberry Pi OS: I2C, serial ports, GPIO.
    public static let deviceGroups = ["i2c", "dialout", "gpio"]
    /// The Enviro+ screen's device (SPI0 CE1) and the group that owns it on Raspberry Pi OS,
    /// needed only with OPENSENSOR_DISPLAY_ENABLED.
    public static let screenDevice = "/dev/spidev0.1"
    public static let screenGroup = "spi"

    /// The `opensensor` binary (absolute).
    public var executable: String
    /// Where the collector runs: relative paths in the configuration resolve here.
    public var workingDirectory: String
    /// The `.env` file, passed as `start --env-file` so the collector's own parser reads it
    /// (systemd's `EnvironmentFile=` parses quotes and comments differently).
    public var envFile: String
    /// The account the collector runs as (never root: the hardening assumes it).
    public var user: String
    /// Its primary group (nil: the user's default).
    public var group: String?
    /// `OPENSENSOR_OUTPUT_DIR` (holds the journal and, under it, the lake).
    public var outputDirectory: String
    /// `OPENSENSOR_HEALTH_DIR`.
    public var healthDirectory: String
    /// `OPENSENSOR_LOG_DIR`.
    public var logDirectory: String
    /// `WatchdogSec=`: see `WatchdogHeartbeat.Policy.recommendedWatchdogSeconds`.
    public var watchdogSeconds: Int
    /// Device nodes the collector opens: `/dev/i2c-1`, the PMS5003's serial port.
    public var devices: [String]
    /// Supplementary groups (only those that exist: systemd refuses to start a unit naming a
    /// missing group).
    public var supplementaryGroups: [String]
    /// `RestartSec=`: long enough that a sensor fault does not spin the CPU, short enough to
    /// miss only a couple of readings.
    public var restartSeconds: Int

    public init(
        executable: String, workingDirectory: String, envFile: String, user: String, group: String? = nil,
        outputDirectory: String, healthDirectory: String, logDirectory: String, watchdogSeconds: Int,
        devices: [String], supplementaryGroups: [String] = ServiceUnit.deviceGroups, restartSeconds: Int = 10
    ) {
        self.executable = executable
        self.workingDirectory = workingDirectory
        self.envFile = envFile
        self.user = user
        self.group = group
        self.outputDirectory = outputDirectory
        self.healthDirectory = healthDirectory
        self.logDirectory = logDirectory
        self.watchdogSeconds = watchdogSeconds
        self.devices = devices
        self.supplementaryGroups = supplementaryGroups
        self.restartSeconds = restartSeconds
    }

    /// The unit file's text.
    ///
    /// - Throws: `ServiceUnitError` naming the first input that is relative, not normalised,
    ///   unrepresentable in a unit file, hidden by the hardening (`/tmp`), or otherwise invalid.
    public func render() throws(ServiceUnitError) -> String {
        let exe = try Self.checkedPath(executable, field: "binary")
        let work = try Self.checkedPath(workingDirectory, field: "working directory")
        let env = try Self.checkedPath(envFile, field: "env file")
        var writable: [String] = []
        for (dir, field) in [(outputDirectory, "output directory"), (healthDirectory, "health directory"), (logDirectory, "log directory")] {
            let p = try Self.checkedPath(dir, field: field)
            guard p != "/" else {
                throw ServiceUnitError(field: field, message: "'/' would make the whole file system writable; use a directory of its own")
            }
            if !writable.contains(p) { writable.append(p) }
        }
        var nodes: [String] = []
        for device in devices {
            let p = try Self.checkedPath(device, field: "device", allowTemporary: true)
            guard p.hasPrefix("/dev/") else {
                throw ServiceUnitError(field: "device", message: "'\(device)' is not under /dev/ (DeviceAllow= takes device nodes)")
            }
            if !nodes.contains(p) { nodes.append(p) }
        }
        try Self.checkName(user, field: "user")
        guard user != "root" else {
            throw ServiceUnitError(field: "user", message: "refusing to run the collector as root; pass the account that owns the working directory")
        }
        if let group { try Self.checkName(group, field: "group") }
        for g in supplementaryGroups { try Self.checkName(g, field: "supplementary group") }
        guard (1...86_400).contains(watchdogSeconds) else {
            throw ServiceUnitError(field: "watchdog", message: "expected 1–86400 seconds, got \(watchdogSeconds)")
        }
        guard (1...3600).contains(restartSeconds) else {
            throw ServiceUnitError(field: "restart delay", message: "expected 1–3600 seconds, got \(restartSeconds)")
        }

        var lines: [String] = [
            "# \(Self.name): written by `opensensor service setup` (re-running it rewrites this file).",
            "# After editing: sudo systemctl daemon-reload && sudo systemctl restart opensensor",
            "[Unit]",
            "Description=OpenSensor Enviro+ station collector",
            "Documentation=https://opensensor.space",
            // Ordered after the network so that at shutdown the collector stops (and runs its
            // last sync) before the network goes; it never waits for the network to start.
            "After=network.target",
            "",
            "[Service]",
            // READY=1 once the journal is open; WATCHDOG=1 only while readings are taken.
            "Type=notify",
            "NotifyAccess=main",
            "ExecStart=\(Self.commandWord(exe)) start --env-file \(Self.commandWord(env))",
            "WorkingDirectory=\(Self.plainValue(work))",
            "User=\(user)",
        ]
        if let group { lines.append("Group=\(group)") }
        if !supplementaryGroups.isEmpty { lines.append("SupplementaryGroups=\(supplementaryGroups.joined(separator: " "))") }
        lines += [
            "Restart=always",
            "RestartSec=\(restartSeconds)",
            "WatchdogSec=\(watchdogSeconds)",
            // SIGTERM writes the open batch and runs a last, time-bounded sync (docs/ARCHITECTURE.md §4.2).
            "TimeoutStopSec=90",
            "SyslogIdentifier=opensensor",
            "",
            "# Hardening: read-only system and home, writable only where the collector writes",
            "# (the journal lives in the output directory), devices limited to the board's.",
            "NoNewPrivileges=yes",
            "PrivateTmp=yes",
            "ProtectSystem=strict",
            "ProtectHome=read-only",
            // "-": a directory removed by hand must not stop the unit from starting (the
            // collector recreates it and says so if it cannot).
            "ReadWritePaths=" + writable.map { Self.listWord("-" + $0) }.joined(separator: " "),
            "ProtectKernelTunables=yes",
            "ProtectKernelModules=yes",
            "ProtectKernelLogs=yes",
            "ProtectControlGroups=yes",
            "ProtectHostname=yes",
            // Other users' processes are hidden; /proc's system files (loadavg, meminfo) the
            // health metrics read stay, so no ProcSubset=pid.
            "ProtectProc=invisible",
            // No ProtectClock=: its filter also refuses the read-only ntp_adjtime behind the
            // health metrics' clock_synced and ntp_offset_ms. The clock cannot be set anyway:
            // the capability bounding set below is empty (no CAP_SYS_TIME), and no RTC is allowed.
            "CapabilityBoundingSet=",
            "AmbientCapabilities=",
            "RestrictSUIDSGID=yes",
            "RestrictRealtime=yes",
            "RestrictNamespaces=yes",
            "LockPersonality=yes",
            "MemoryDenyWriteExecute=yes",
            "PrivateMounts=yes",
            "PrivateIPC=yes",
            "RemoveIPC=yes",
            // sd_notify and name lookups (AF_UNIX), S3 sync (AF_INET, AF_INET6), and the
            // interface list for the health metrics' ip_address (getifaddrs asks the kernel
            // over AF_NETLINK).
            "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
            "SystemCallArchitectures=native",
            "SystemCallFilter=@system-service",
            // ntp_adjtime (modes = 0) reads the kernel's clock state; @system-service lacks it.
            "SystemCallFilter=adjtimex clock_adjtime",
            // A call outside the list fails with EPERM, an error its caller handles, instead
            // of SIGSYS killing the collector into a restart loop.
            "SystemCallErrorNumber=EPERM",
            // Batch files, the journal and logs readable only by the station's account.
            "UMask=0077",
            "DevicePolicy=closed",
        ]
        // A symlink such as /dev/serial0 is resolved when the unit starts.
        for node in nodes { lines.append("DeviceAllow=\(Self.listWord(node)) rw") }
        lines += [
            "DeviceAllow=char-gpiochip rw",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Checks

    /// An absolute, normalised path a unit file can hold; `//`, `/./` and a trailing `/` are
    /// simplified, `..` is refused (systemd refuses non-normalised paths in these settings).
    static func checkedPath(_ path: String, field: String, allowTemporary: Bool = false) throws(ServiceUnitError) -> String {
        guard !path.isEmpty else { throw ServiceUnitError(field: field, message: "empty; expected an absolute path") }
        guard path.hasPrefix("/") else {
            throw ServiceUnitError(field: field, message: "'\(path)' is relative; a unit needs an absolute path (systemd resolves nothing against the current directory)")
        }
        for scalar in path.unicodeScalars where scalar.value < 0x20 || scalar.value == 0x7F {
            throw ServiceUnitError(field: field, message: "'\(path.debugDescription)' contains a control character, which a unit file cannot hold")
        }
        guard !path.contains("\\") else {
            throw ServiceUnitError(field: field, message: "'\(path)' contains a backslash, which systemd reads as an escape or a line continuation; rename it")
        }
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) where part != "." {
            guard part != ".." else {
                throw ServiceUnitError(field: field, message: "'\(path)' contains '..'; give the resolved absolute path")
            }
            parts.append(part)
        }
        let normal = "/" + parts.joined(separator: "/")
        guard normal.first?.isWhitespace != true, normal.last?.isWhitespace != true,
              parts.allSatisfy({ $0.first?.isWhitespace != true && $0.last?.isWhitespace != true }) else {
            throw ServiceUnitError(field: field, message: "'\(path)' has a name beginning or ending with a space, which systemd strips; rename it")
        }
        if !allowTemporary, normal == "/tmp" || normal.hasPrefix("/tmp/") || normal == "/var/tmp" || normal.hasPrefix("/var/tmp/") {
            throw ServiceUnitError(field: field, message: "'\(path)' is under /tmp or /var/tmp, which PrivateTmp=yes replaces with an empty directory for the service; move it")
        }
        return normal
    }

    /// A user or group name as systemd accepts it for User=/Group= (a conservative subset:
    /// letters, digits, `_`, `.`, `-`, not starting with a digit, `-` or `.`, at most 31).
    static func checkName(_ name: String, field: String) throws(ServiceUnitError) {
        let scalars = Array(name.unicodeScalars)
        let ok = !scalars.isEmpty && scalars.count <= 31
            && scalars.allSatisfy { isAlphanumeric($0) || $0 == "_" || $0 == "." || $0 == "-" }
            && !("0"..."9").contains(scalars[0]) && scalars[0] != "-" && scalars[0] != "."
        guard ok else {
            throw ServiceUnitError(field: field, message: "'\(name)' is not a valid user or group name (letters, digits, '_', '.', '-')")
        }
    }

    // MARK: Quoting (systemd.syntax(7), systemd.service(5) "Command lines")

    /// Characters that never need quoting in a unit value.
    static func isPlain(_ c: Unicode.Scalar) -> Bool {
        isAlphanumeric(c) || "/._-+,:@=".unicodeScalars.contains(c)
    }

    /// ASCII letters and digits.
    static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }

    /// A path in a setting that takes the rest of the line verbatim (WorkingDirectory=): only
    /// specifiers expand there, so `%` is doubled and nothing else changes.
    static func plainValue(_ s: String) -> String {
        s.replacingAll("%", with: "%%")
    }

    /// One word of a command line (ExecStart=): split on spaces, quotes group, `\` escapes,
    /// `%` specifiers and `$` variables expand — so `%` → `%%`, `$` → `$$`, and a word with
    /// anything but plain characters is double-quoted with `"` escaped.
    static func commandWord(_ s: String) -> String {
        let escaped = s.replacingAll("%", with: "%%").replacingAll("$", with: "$$")
        if s.unicodeScalars.allSatisfy(isPlain) { return escaped }
        return "\"" + escaped.replacingAll("\"", with: "\\\"") + "\""
    }

    /// One word of a space-separated list (ReadWritePaths=, DeviceAllow=): quotes group, `\`
    /// escapes, specifiers expand, variables do not.
    static func listWord(_ s: String) -> String {
        let escaped = s.replacingAll("%", with: "%%")
        if s.unicodeScalars.allSatisfy(isPlain) { return escaped }
        return "\"" + escaped.replacingAll("\"", with: "\\\"") + "\""
    }
}

extension String {
    /// Every occurrence of `target` replaced (FoundationEssentials-free).
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
