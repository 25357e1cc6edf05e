// What `opensensor fix-permissions` would change, decided from facts it is given.
// Pure: the command gathers the facts (`PermissionFacts.current`) and runs the actions.
//
// The Raspberry Pi OS conventions it checks: I2C device nodes belong to group `i2c`, serial
// ports to `dialout`, GPIO character devices to `gpio`, SPI devices to `spi`, each mode 0660;
// the firmware's config.txt turns the ARM I2C bus on with `dtparam=i2c_arm=on` (`i2c` is an
// alias), SPI0 with `dtparam=spi=on` and the GPIO 14/15 UART with `enable_uart=1`; the kernel command line (cmdline.txt) puts a login
// console on that UART with `console=serial0,115200`, which would share the PMS5003's port.

import Config
import DurableFiles

/// A device node as the system shows it.
public struct DeviceNode: Sendable, Equatable {
    /// The path the collector opens, e.g. `/dev/serial0`.
    public var path: String
    /// The path with every symlink resolved (realpath), e.g. `/dev/ttyAMA0`.
    public var resolvedPath: String
    /// The kernel's name for it: the last part of `resolvedPath` (`i2c-1`, `ttyAMA0`, `gpiochip0`).
    public var kernelName: String
    /// The owning group's name (nil: a gid with no name).
    public var group: String?
    /// The permission bits (e.g. 0o660).
    public var mode: UInt32
    /// What `stat` says it is: only a character device can be an I2C bus, a UART or a GPIO chip.
    public var isCharacterDevice: Bool

    /// `resolvedPath` defaults to `/dev/<kernelName>`.
    public init(path: String, resolvedPath: String? = nil, kernelName: String, group: String?, mode: UInt32, isCharacterDevice: Bool = true) {
        self.path = path
        self.resolvedPath = resolvedPath ?? "/dev/" + kernelName
        self.kernelName = kernelName
        self.group = group
        self.mode = mode
        self.isCharacterDevice = isCharacterDevice
    }
}

/// A boot file's location and text.
public struct BootFile: Sendable, Equatable {
    public var path: String
    public var text: String

    public init(path: String, text: String) {
        self.path = path
        self.text = text
    }
}

/// Everything the plan is decided from.
public struct PermissionFacts: Sendable, Equatable {
    /// The account that will run the collector.
    public var user: String
    /// Its primary group (from the password database).
    public var primaryGroup: String?
    /// The text of /etc/group.
    public var groupFile: String
    /// /boot/firmware/config.txt or /boot/config.txt (nil: neither exists — not a Pi).
    public var bootConfig: BootFile?
    /// /boot/firmware/cmdline.txt or /boot/cmdline.txt.
    public var kernelCommandLine: BootFile?
    /// The serial port configured for the PMS5003 (`OPENSENSOR_PMS5003_DEVICE`).
    public var serialDevice: String
    /// The device nodes that exist among `/dev/i2c-1`, the serial port, `/dev/gpiochip*` and,
    /// with `screen`, the screen's SPI device.
    public var devices: [DeviceNode]
    /// The screen is on (OPENSENSOR_DISPLAY_ENABLED): its SPI device, group and boot setting
    /// are checked too.
    public var screen: Bool

    public init(
        user: String, primaryGroup: String? = nil, groupFile: String, bootConfig: BootFile?, kernelCommandLine: BootFile?,
        serialDevice: String = "/dev/serial0", devices: [DeviceNode], screen: Bool = false
    ) {
        self.user = user
        self.primaryGroup = primaryGroup
        self.groupFile = groupFile
        self.bootConfig = bootConfig
        self.kernelCommandLine = kernelCommandLine
        self.serialDevice = serialDevice
        self.devices = devices
        self.screen = screen
    }
}

/// One change the plan makes.
public enum PermissionAction: Sendable, Equatable {
    /// Create a system group (it does not exist on this system).
    case createGroup(String)
    /// Add the user to a supplementary group.
    case addUserToGroup(user: String, group: String)
    /// Write a udev rule file that gives device nodes the right group and mode.
    case writeUdevRule(path: String, content: String)
    /// Make udev re-read its rules and re-apply them to these subsystems' devices now.
    case reloadUdev(subsystems: [String])

    /// The commands that perform it (none for the rule file, which is written directly).
    public var commands: [[String]] {
        switch self {
        case .createGroup(let group): [["groupadd", "--system", group]]
        case .addUserToGroup(let user, let group): [["usermod", "-aG", group, user]]
        case .writeUdevRule: []
        case .reloadUdev(let subsystems):
            [["udevadm", "control", "--reload-rules"]]
                + [["udevadm", "trigger", "--action=change"] + subsystems.map { "--subsystem-match=\($0)" }]
        }
    }

    /// One line for the plan's listing.
    public var summary: String {
        switch self {
        case .createGroup(let group): "create the system group '\(group)'"
        case .addUserToGroup(let user, let group): "add \(user) to the group '\(group)'"
        case .writeUdevRule(let path, _): "write the udev rule \(path)"
        case .reloadUdev: "reload the udev rules and apply them to the devices present"
        }
    }
}

/// A check of the boot configuration or of a device.
public struct PermissionFinding: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable {
        case ok, problem, unknown
    }

    /// "I2C", "Serial port", "Serial console".
    public var subject: String
    public var status: Status
    /// What was found, and where.
    public var detail: String
    /// How to fix it (nil when nothing needs fixing).
    public var fix: String?
}

/// The changes and checks `fix-permissions` reports, decided from `PermissionFacts`.
public struct PermissionsPlan: Sendable, Equatable {
    /// The udev rule file this command owns.
    public static let udevRulePath = "/etc/udev/rules.d/99-opensensor.rules"

    public var facts: PermissionFacts
    /// The changes, in the order to make them.
    public private(set) var actions: [PermissionAction] = []
    public private(set) var findings: [PermissionFinding] = []
    /// What to do after the changes (re-login, reboot).
    public private(set) var notes: [String] = []
    /// Devices refused: the file is not what the collector's device can be, so no rule names it
    /// (the command stops: a rule written from such a name could say anything).
    public private(set) var refusals: [String] = []

    /// Decides the plan.
    public init(facts: PermissionFacts) {
        self.facts = facts
        let groups = GroupDatabase(parsing: facts.groupFile)

        // 1. Groups: each must exist and hold the user.
        for group in ServiceUnit.deviceGroups + (facts.screen ? [ServiceUnit.screenGroup] : []) {
            if !groups.exists(group) { actions.append(.createGroup(group)) }
            if !groups.has(user: facts.user, in: group, primaryGroup: facts.primaryGroup) {
                actions.append(.addUserToGroup(user: facts.user, group: group))
            }
        }

        // 2. Devices: a rule for each kind whose node has the wrong group or mode. A rule is
        //    built from kernel names, so only a character device directly under /dev whose
        //    name has its kind's exact shape gets that far; anything else is refused.
        //    The screen's SPI device only counts with the screen on.
        let kinds = DeviceKind.allCases.filter { facts.screen || $0 != .spi }
        var accepted: [DeviceNode] = []
        for node in facts.devices {
            let expected: DeviceKind? = node.path == facts.serialDevice ? .serial : kinds.first { $0.matches(node.kernelName) }
            guard let expected else { continue }
            if let problem = expected.problem(with: node) {
                refusals.append("\(shown(node.path)): \(problem); no udev rule names it")
            } else {
                accepted.append(node)
            }
        }
        var ruleLines: [String] = []
        var subsystems: [String] = []
        for kind in kinds {
            let wrong = accepted.filter { kind.matches($0.kernelName) && !kind.isRight($0) }
            guard !wrong.isEmpty else { continue }
            ruleLines += kind.ruleLines(for: wrong)
            subsystems.append(kind.subsystem)
        }
        if !ruleLines.isEmpty {
            let content = (["# Written by `opensensor fix-permissions`: device access for the Enviro+ collector."] + ruleLines)
                .joined(separator: "\n") + "\n"
            actions.append(.writeUdevRule(path: Self.udevRulePath, content: content))
            actions.append(.reloadUdev(subsystems: subsystems))
        }

        // 3. Boot configuration.
        let config = facts.bootConfig.map { BootConfig(parsing: $0.text) }
        findings.append(i2cFinding(config))
        findings.append(serialFinding(config))
        if facts.screen { findings.append(spiFinding(config)) }
        if let console = consoleFinding() { findings.append(console) }

        if actions.contains(where: { if case .addUserToGroup = $0 { true } else { false } }) {
            notes.append("Group changes apply to new logins: log out and back in (or reboot); the service gets them when it restarts.")
        }
        if findings.contains(where: { $0.status == .problem && $0.fix?.contains("reboot") == true }) {
            notes.append("Boot configuration changes take effect after a reboot: sudo reboot")
        }
    }

    /// The plan as text, for the terminal.
    public func render() -> String {
        var out = "User: \(facts.user)\n\nChanges:\n"
        if actions.isEmpty { out += "  none: the user's groups and the devices' permissions are right\n" }
        for action in actions {
            out += "  - \(action.summary)\n"
            for command in action.commands { out += "      \(command.joined(separator: " "))\n" }
            if case .writeUdevRule(_, let content) = action {
                for line in content.split(separator: "\n") { out += "      | \(line)\n" }
            }
        }
        out += "\nBoot configuration:\n"
        for f in findings {
            let mark = switch f.status {
            case .ok: "ok"
            case .problem: "PROBLEM"
            case .unknown: "unknown"
            }
            out += "  [\(mark)] \(f.subject): \(f.detail)\n"
            if let fix = f.fix { out += "      fix: \(fix)\n" }
        }
        if !notes.isEmpty {
            out += "\n"
            for n in notes { out += "Note: \(n)\n" }
        }
        if !refusals.isEmpty {
            out += "\nRefused:\n"
            for r in refusals { out += "  - \(r)\n" }
        }
        return out
    }

    // MARK: Findings

    private func i2cFinding(_ config: BootConfig?) -> PermissionFinding {
        let node = facts.devices.first { $0.path == "/dev/i2c-1" }
        let enable = "sudo raspi-config nonint do_i2c 0 (or add dtparam=i2c_arm=on to \(facts.bootConfig?.path ?? "config.txt")), then reboot"
        guard let config, let path = facts.bootConfig?.path else {
            if node != nil { return PermissionFinding(subject: "I2C", status: .ok, detail: "/dev/i2c-1 is present (no Raspberry Pi boot config found)") }
            return PermissionFinding(subject: "I2C", status: .unknown,
                                     detail: "/dev/i2c-1 is absent and no Raspberry Pi boot config was found (/boot/firmware/config.txt, /boot/config.txt)",
                                     fix: "on a Raspberry Pi: \(enable)")
        }
        let setting = config.dtparam("i2c_arm") ?? config.dtparam("i2c")
        switch (setting?.on, node) {
        case (true, .some):
            return PermissionFinding(subject: "I2C", status: .ok, detail: "enabled (\(setting!.line) in \(path)\(setting!.sectionNote)); /dev/i2c-1 is present")
        case (true, nil):
            return PermissionFinding(subject: "I2C", status: .problem,
                                     detail: "enabled in \(path) (\(setting!.line)) but /dev/i2c-1 is absent",
                                     fix: "reboot if the setting is new; otherwise load the driver: echo i2c-dev | sudo tee -a /etc/modules, then reboot")
        case (_, .some):
            return PermissionFinding(subject: "I2C", status: .ok, detail: "/dev/i2c-1 is present (not enabled by dtparam=i2c_arm in \(path); an overlay provides it)")
        default:
            let what = setting.map { "turned off in \(path) (\($0.line))" } ?? "not enabled in \(path) (no dtparam=i2c_arm=on)"
            return PermissionFinding(subject: "I2C", status: .problem, detail: "\(what); /dev/i2c-1 is absent", fix: enable)
        }
    }

    private func serialFinding(_ config: BootConfig?) -> PermissionFinding {
        let port = shown(facts.serialDevice)
        let node = facts.devices.first { $0.path == facts.serialDevice }
        let enable = "sudo raspi-config nonint do_serial_hw 0 (or add enable_uart=1 to \(facts.bootConfig?.path ?? "config.txt")), then reboot"
        guard let config, let path = facts.bootConfig?.path else {
            if node != nil { return PermissionFinding(subject: "Serial port", status: .ok, detail: "\(port) is present (no Raspberry Pi boot config found)") }
            return PermissionFinding(subject: "Serial port", status: .unknown,
                                     detail: "\(port) is absent and no Raspberry Pi boot config was found",
                                     fix: "on a Raspberry Pi: \(enable)")
        }
        let setting = config.value("enable_uart")
        let on = setting.map { $0.value == "1" }
        switch (on, node) {
        case (true, .some):
            return PermissionFinding(subject: "Serial port", status: .ok, detail: "enabled (\(setting!.line) in \(path)\(setting!.sectionNote)); \(port) is present")
        case (true, nil):
            return PermissionFinding(subject: "Serial port", status: .problem, detail: "enabled in \(path) but \(port) is absent",
                                     fix: "reboot if the setting is new; check OPENSENSOR_PMS5003_DEVICE names the UART (default /dev/serial0)")
        case (_, .some):
            return PermissionFinding(subject: "Serial port", status: .ok, detail: "\(port) is present (enable_uart=1 is not set in \(path))")
        default:
            let what = setting.map { "turned off in \(path) (\($0.line))" } ?? "not enabled in \(path) (no enable_uart=1)"
            return PermissionFinding(subject: "Serial port", status: .problem, detail: "\(what); \(port) is absent", fix: enable)
        }
    }

    private func spiFinding(_ config: BootConfig?) -> PermissionFinding {
        let path = ServiceUnit.screenDevice
        let node = facts.devices.first { $0.path == path }
        let enable = "sudo raspi-config nonint do_spi 0 (or add dtparam=spi=on to \(facts.bootConfig?.path ?? "config.txt")), then reboot"
        guard let config, let boot = facts.bootConfig?.path else {
            if node != nil { return PermissionFinding(subject: "SPI (screen)", status: .ok, detail: "\(path) is present (no Raspberry Pi boot config found)") }
            return PermissionFinding(subject: "SPI (screen)", status: .unknown,
                                     detail: "\(path) is absent and no Raspberry Pi boot config was found", fix: "on a Raspberry Pi: \(enable)")
        }
        let setting = config.dtparam("spi")
        switch (setting?.on, node) {
        case (_, .some):
            return PermissionFinding(subject: "SPI (screen)", status: .ok, detail: "\(path) is present")
        case (true, nil):
            return PermissionFinding(subject: "SPI (screen)", status: .problem, detail: "enabled in \(boot) (\(setting!.line)) but \(path) is absent",
                                     fix: "reboot if the setting is new")
        default:
            let what = setting.map { "turned off in \(boot) (\($0.line))" } ?? "not enabled in \(boot) (no dtparam=spi=on)"
            return PermissionFinding(subject: "SPI (screen)", status: .problem, detail: "\(what); \(path) is absent", fix: enable)
        }
    }

    private func consoleFinding() -> PermissionFinding? {
        guard let cmdline = facts.kernelCommandLine else { return nil }
        let uartNames = Set(["serial0", "ttyAMA0", "ttyS0", "ttyAMA10"])
            .union(facts.devices.filter { $0.path == facts.serialDevice }.map(\.kernelName))
            .union([String(facts.serialDevice.split(separator: "/").last ?? "")])
        let consoles = cmdline.text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" })
            .filter { $0.hasPrefix("console=") }
            .map { String($0.dropFirst("console=".count)) }
        let onUART = consoles.filter { uartNames.contains(String($0.split(separator: ",").first ?? "")) }
        guard let first = onUART.first else {
            return PermissionFinding(subject: "Serial console", status: .ok, detail: "the kernel console is not on the UART (\(cmdline.path))")
        }
        return PermissionFinding(
            subject: "Serial console", status: .problem,
            detail: "the kernel console is on the UART (console=\(first) in \(cmdline.path)); it would share the port with the PMS5003",
            fix: "sudo raspi-config nonint do_serial_cons 1 (or delete console=\(first) from \(cmdline.path)), then reboot")
    }
}

/// A path as messages show it: as is when plain, else quoted with quotes and control
/// characters escaped, so a crafted name cannot pass for lines of the plan.
func shown(_ path: String) -> String {
    let plain = path.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }
    return plain ? path : String(reflecting: path)
}

// MARK: Parsing

/// The device kinds the collector opens, with the group and rule each needs.
enum DeviceKind: CaseIterable {
    case i2c, serial, gpio, spi

    var group: String {
        switch self {
        case .i2c: "i2c"
        case .serial: "dialout"
        case .gpio: "gpio"
        case .spi: ServiceUnit.screenGroup
        }
    }

    var subsystem: String {
        switch self {
        case .i2c: "i2c-dev"
        case .serial: "tty"
        case .gpio: "gpio"
        case .spi: "spidev"
        }
    }

    func matches(_ kernelName: String) -> Bool {
        switch self {
        case .i2c: kernelName.hasPrefix("i2c-")
        case .serial: kernelName.hasPrefix("tty")
        case .gpio: kernelName.hasPrefix("gpiochip")
        case .spi: kernelName.hasPrefix("spidev")
        }
    }

    /// What it is, for messages.
    var noun: String {
        switch self {
        case .i2c: "I2C bus"
        case .serial: "serial port"
        case .gpio: "GPIO chip"
        case .spi: "SPI device"
        }
    }

    /// Examples of the names this kind accepts, for messages.
    var examples: String {
        switch self {
        case .i2c: "i2c-1"
        case .serial: "ttyAMA0, ttyS0, ttyUSB0"
        case .gpio: "gpiochip0"
        case .spi: "spidev0.1"
        }
    }

    /// The kernel name's exact shape: `i2c-N`, `tty` + letters + N (ttyAMA0, ttyS0, ttyUSB0,
    /// ttyACM0), `gpiochipN`, `spidevB.C`; nothing a udev rule or its glob could read as syntax.
    func isValidName(_ name: String) -> Bool {
        let scalars = Array(name.unicodeScalars)
        func digits(from i: Int) -> Bool {
            i < scalars.count && scalars.count - i <= 4 && scalars[i...].allSatisfy { ("0"..."9").contains($0) }
        }
        switch self {
        case .i2c: return name.hasPrefix("i2c-") && digits(from: 4)
        case .gpio: return name.hasPrefix("gpiochip") && digits(from: 8)
        case .spi:
            let parts = name.dropFirst("spidev".count).split(separator: ".", omittingEmptySubsequences: false)
            return name.hasPrefix("spidev") && parts.count == 2
                && parts.allSatisfy { (1...4).contains($0.count) && $0.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } }
        case .serial:
            guard name.hasPrefix("tty") else { return false }
            var i = 3
            while i < scalars.count, ("a"..."z").contains(scalars[i]) || ("A"..."Z").contains(scalars[i]) { i += 1 }
            return (4...11).contains(i) && digits(from: i)
        }
    }

    /// Why `node` cannot be this kind's device (nil: it can).
    func problem(with node: DeviceNode) -> String? {
        let what = "it resolves to \(shown(node.resolvedPath))"
        guard node.isCharacterDevice else { return "\(what), which is not a character device" }
        guard node.resolvedPath == "/dev/" + node.kernelName else { return "\(what), which is not directly under /dev" }
        guard isValidName(node.kernelName) else {
            return "\(what), whose name is not a \(noun)'s (\(examples))"
        }
        return nil
    }

    /// The group is right and the group may read and write.
    func isRight(_ node: DeviceNode) -> Bool {
        node.group == group && node.mode & 0o060 == 0o060
    }

    func ruleLines(for nodes: [DeviceNode]) -> [String] {
        switch self {
        case .i2c: ["SUBSYSTEM==\"i2c-dev\", KERNEL==\"i2c-[0-9]*\", GROUP=\"i2c\", MODE=\"0660\""]
        case .gpio: ["SUBSYSTEM==\"gpio\", KERNEL==\"gpiochip[0-9]*\", GROUP=\"gpio\", MODE=\"0660\""]
        case .spi: ["SUBSYSTEM==\"spidev\", KERNEL==\"spidev[0-9]*\", GROUP=\"spi\", MODE=\"0660\""]
        case .serial:
            // The port by its kernel name (what udev matches), not by the serial0 symlink.
            nodes.map { "SUBSYSTEM==\"tty\", KERNEL==\"\($0.kernelName)\", GROUP=\"dialout\", MODE=\"0660\"" }
        }
    }
}

/// /etc/group: `name:password:gid:member,member`. Malformed lines are skipped.
struct GroupDatabase {
    var members: [String: Set<String>] = [:]

    init(parsing text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            let trimmed = line.drop { $0 == " " }
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let fields = trimmed.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 4, !fields[0].isEmpty, !fields[0].hasPrefix("+"), !fields[0].hasPrefix("-") else { continue }
            let users = fields[3].split(separator: ",").map { String($0.trimmingSpaces) }.filter { !$0.isEmpty }
            members[String(fields[0]), default: []].formUnion(users)
        }
    }

    func exists(_ group: String) -> Bool { members[group] != nil }

    func has(user: String, in group: String, primaryGroup: String?) -> Bool {
        primaryGroup == group || members[group]?.contains(user) == true
    }
}

/// The settings of a Raspberry Pi config.txt: `key=value` lines, `#` comments, `[filter]`
/// sections (the last occurrence of a setting wins; a setting under a filter other than
/// `[all]` is reported with it, since it applies only to some boards).
struct BootConfig {
    struct Setting {
        var value: String
        var line: String
        var section: String?

        var on: Bool { ["on", "true", "yes", "1", ""].contains(value.lowercased()) }
        var sectionNote: String { section.map { ", under [\($0)]" } ?? "" }
    }

    var values: [String: Setting] = [:]
    var dtparams: [String: Setting] = [:]

    init(parsing text: String) {
        var section: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = String((raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? "").trimmingSpaces)
            guard !line.isEmpty else { continue }
            if line.hasPrefix("[") {
                let name = String(line.dropFirst().prefix { $0 != "]" })
                section = name == "all" ? nil : name
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq].trimmingSpaces)
            let value = String(line[line.index(after: eq)...].trimmingSpaces)
            if key == "dtparam" {
                // dtparam=a=on,b=off sets several parameters; a bare name means "on".
                for param in value.split(separator: ",") {
                    let kv = param.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    let name = String(kv[0].trimmingSpaces)
                    guard !name.isEmpty else { continue }
                    let v = kv.count > 1 ? String(kv[1].trimmingSpaces) : ""
                    dtparams[name] = Setting(value: v, line: line, section: section)
                }
            } else {
                values[key] = Setting(value: value, line: line, section: section)
            }
        }
    }

    func dtparam(_ name: String) -> Setting? { dtparams[name] }
    func value(_ key: String) -> Setting? { values[key] }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
        return s
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring { Substring(self).trimmingSpaces }
}
