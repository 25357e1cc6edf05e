// `opensensor fix-permissions`: the plan decided from given facts.

import CivilTime
import Config
import DurableFiles
import TestSupport
import Testing
@testable import Systemd

@Suite("PermissionsPlan: groups, udev rule and boot configuration")
struct PermissionsPlanTests {
    /// Raspberry Pi OS as installed: the three groups exist, pi is in none of them yet.
    static let piGroups = """
        root:x:0:
        dialout:x:20:
        pi:x:1000:
        i2c:x:998:
        gpio:x:997:
        """

    static let goodConfig = """
        # For more options and information see
        dtparam=audio=on
        dtparam=i2c_arm=on
        [cm4]
        otg_mode=1
        [all]
        enable_uart=1
        """

    static let goodDevices = [
        DeviceNode(path: "/dev/i2c-1", kernelName: "i2c-1", group: "i2c", mode: 0o660),
        DeviceNode(path: "/dev/serial0", kernelName: "ttyAMA0", group: "dialout", mode: 0o660),
        DeviceNode(path: "/dev/gpiochip0", kernelName: "gpiochip0", group: "gpio", mode: 0o660),
    ]

    static func facts(
        groups: String = piGroups, config: String? = goodConfig, cmdline: String? = "console=tty1 root=PARTUUID=1 rootwait",
        devices: [DeviceNode] = goodDevices, user: String = "pi", primaryGroup: String? = "pi", screen: Bool = false
    ) -> PermissionFacts {
        PermissionFacts(
            user: user, primaryGroup: primaryGroup, groupFile: groups,
            bootConfig: config.map { BootFile(path: "/boot/firmware/config.txt", text: $0) },
            kernelCommandLine: cmdline.map { BootFile(path: "/boot/firmware/cmdline.txt", text: $0) },
            serialDevice: "/dev/serial0", devices: devices, screen: screen)
    }

    static func finding(_ plan: PermissionsPlan, _ subject: String) -> PermissionFinding? {
        plan.findings.first { $0.subject == subject }
    }

    @Test func aFreshPiUserIsAddedToTheThreeGroups() {
        let plan = PermissionsPlan(facts: Self.facts())
        #expect(plan.actions == [
            .addUserToGroup(user: "pi", group: "i2c"),
            .addUserToGroup(user: "pi", group: "dialout"),
            .addUserToGroup(user: "pi", group: "gpio"),
        ])
        #expect(plan.actions.flatMap(\.commands) == [
            ["usermod", "-aG", "i2c", "pi"], ["usermod", "-aG", "dialout", "pi"], ["usermod", "-aG", "gpio", "pi"],
        ])
        #expect(plan.findings.allSatisfy { $0.status == .ok })
        #expect(plan.notes.count == 1)
        #expect(plan.notes[0].contains("log out and back in"))
        let text = plan.render()
        for group in ServiceUnit.deviceGroups { #expect(text.contains("'\(group)'")) }
        #expect(text.contains("usermod -aG dialout pi"))
    }

    @Test func membershipsAlreadyThereAreLeftAlone() {
        let groups = """
            dialout:x:20:pi
            i2c:x:998:someone, pi
            # a comment, and a malformed line
            garbage
            gpio:x:997:pi
            """
        let plan = PermissionsPlan(facts: Self.facts(groups: groups))
        #expect(plan.actions.isEmpty)
        #expect(plan.notes.isEmpty)
        #expect(plan.render().contains("Changes:\n  none"))
    }

    @Test func thePrimaryGroupCounts() {
        let groups = "dialout:x:20:pi\ni2c:x:998:pi\ngpio:x:997:\n"
        let plan = PermissionsPlan(facts: Self.facts(groups: groups, primaryGroup: "gpio"))
        #expect(plan.actions.isEmpty)
    }

    @Test func missingGroupsAreCreatedAndDevicesGivenToThem() {
        // A distribution without the Pi OS groups: gpiochip and i2c nodes are root's.
        let devices = [
            DeviceNode(path: "/dev/i2c-1", kernelName: "i2c-1", group: "root", mode: 0o600),
            DeviceNode(path: "/dev/serial0", kernelName: "ttyS0", group: "tty", mode: 0o620),
            DeviceNode(path: "/dev/gpiochip0", kernelName: "gpiochip0", group: "root", mode: 0o600),
            DeviceNode(path: "/dev/gpiochip4", kernelName: "gpiochip4", group: "root", mode: 0o600),
        ]
        let plan = PermissionsPlan(facts: Self.facts(groups: "root:x:0:\ndialout:x:20:\n", devices: devices))
        let rule = """
            # Written by `opensensor fix-permissions`: device access for the Enviro+ collector.
            SUBSYSTEM=="i2c-dev", KERNEL=="i2c-[0-9]*", GROUP="i2c", MODE="0660"
            SUBSYSTEM=="tty", KERNEL=="ttyS0", GROUP="dialout", MODE="0660"
            SUBSYSTEM=="gpio", KERNEL=="gpiochip[0-9]*", GROUP="gpio", MODE="0660"

            """
        #expect(plan.actions == [
            .createGroup("i2c"), .addUserToGroup(user: "pi", group: "i2c"),
            .addUserToGroup(user: "pi", group: "dialout"),
            .createGroup("gpio"), .addUserToGroup(user: "pi", group: "gpio"),
            .writeUdevRule(path: "/etc/udev/rules.d/99-opensensor.rules", content: rule),
            .reloadUdev(subsystems: ["i2c-dev", "tty", "gpio"]),
        ])
        #expect(plan.actions.last?.commands == [
            ["udevadm", "control", "--reload-rules"],
            ["udevadm", "trigger", "--action=change", "--subsystem-match=i2c-dev", "--subsystem-match=tty", "--subsystem-match=gpio"],
        ])
        #expect(plan.actions[0].commands == [["groupadd", "--system", "i2c"]])
        #expect(plan.render().contains("| SUBSYSTEM==\"tty\", KERNEL==\"ttyS0\""))
    }

    @Test func withTheScreenOnTheUserJoinsSPIAndItsDeviceAndBootSettingAreChecked() {
        let groups = "dialout:x:20:pi\ni2c:x:998:pi\ngpio:x:997:pi\nspi:x:999:\n"
        let spidev = DeviceNode(path: "/dev/spidev0.1", kernelName: "spidev0.1", group: "root", mode: 0o600)
        let on = PermissionsPlan(facts: Self.facts(groups: groups, config: Self.goodConfig + "\ndtparam=spi=on\n",
                                                   devices: Self.goodDevices + [spidev], screen: true))
        let rule = """
            # Written by `opensensor fix-permissions`: device access for the Enviro+ collector.
            SUBSYSTEM=="spidev", KERNEL=="spidev[0-9]*", GROUP="spi", MODE="0660"

            """
        #expect(on.actions == [
            .addUserToGroup(user: "pi", group: "spi"),
            .writeUdevRule(path: PermissionsPlan.udevRulePath, content: rule),
            .reloadUdev(subsystems: ["spidev"]),
        ])
        #expect(Self.finding(on, "SPI (screen)")?.status == .ok)

        // SPI off: no device, the finding says how to turn it on; without a group spi, it is made.
        let off = PermissionsPlan(facts: Self.facts(groups: "dialout:x:20:pi\ni2c:x:998:pi\ngpio:x:997:pi\n", screen: true))
        #expect(off.actions == [.createGroup("spi"), .addUserToGroup(user: "pi", group: "spi")])
        let spi = Self.finding(off, "SPI (screen)")
        #expect(spi?.status == .problem && spi?.detail.contains("no dtparam=spi=on") == true)
        #expect(spi?.fix?.contains("raspi-config nonint do_spi 0") == true)
        #expect(off.notes.contains { $0.contains("reboot") })

        // The screen off: none of it.
        let without = PermissionsPlan(facts: Self.facts(groups: groups, devices: Self.goodDevices + [spidev]))
        #expect(without.actions.isEmpty && Self.finding(without, "SPI (screen)") == nil)
    }

    @Test(arguments: ["spidev0.1", "spidev10.0"])
    func spiDeviceNamesOfTheirShapeAreAccepted(_ name: String) {
        let node = DeviceNode(path: "/dev/spidev0.1", kernelName: name, group: "root", mode: 0o600)
        #expect(DeviceKind.spi.problem(with: node) == nil)
    }

    @Test(arguments: ["spidev0", "spidev0.1.2", "spidev.1", "spidev0.x", "spidev0.1*"])
    func otherSPIDeviceNamesAreRefused(_ name: String) {
        let node = DeviceNode(path: "/dev/spidev0.1", kernelName: name, group: "root", mode: 0o600)
        #expect(DeviceKind.spi.problem(with: node) != nil)
    }

    @Test func aRuleOnlyForTheDeviceThatIsWrong() {
        var devices = Self.goodDevices
        devices[2].mode = 0o600  // gpiochip0: right group, but the group cannot open it
        let plan = PermissionsPlan(facts: Self.facts(groups: "dialout:x:20:pi\ni2c:x:998:pi\ngpio:x:997:pi\n", devices: devices))
        guard case .writeUdevRule(_, let content) = plan.actions.first else {
            Issue.record("expected a udev rule, got \(plan.actions)")
            return
        }
        #expect(content.contains("gpiochip"))
        #expect(!content.contains("i2c-dev") && !content.contains("tty"))
        #expect(plan.actions.count == 2)
    }

    @Test func i2cAndSerialOffAreReportedWithHowToTurnThemOn() {
        let config = "dtparam=audio=on\n#dtparam=i2c_arm=on\nenable_uart=0\n"
        let plan = PermissionsPlan(facts: Self.facts(config: config, devices: []))
        let i2c = Self.finding(plan, "I2C")
        #expect(i2c?.status == .problem)
        #expect(i2c?.detail.contains("no dtparam=i2c_arm=on") == true)
        #expect(i2c?.fix?.contains("raspi-config nonint do_i2c 0") == true)
        #expect(i2c?.fix?.contains("/boot/firmware/config.txt") == true)
        let serial = Self.finding(plan, "Serial port")
        #expect(serial?.status == .problem)
        #expect(serial?.detail.contains("enable_uart=0") == true)
        #expect(serial?.fix?.contains("enable_uart=1") == true)
        #expect(plan.notes.contains { $0.contains("reboot") })
        #expect(plan.render().contains("[PROBLEM] I2C"))
    }

    @Test(arguments: [
        ("dtparam=i2c_arm=on", true), ("dtparam=i2c=on", true), ("dtparam=spi=on,i2c_arm=on", true),
        ("dtparam=i2c_arm", true), ("dtparam=i2c_arm=on\ndtparam=i2c_arm=off", false),
        ("dtparam=i2c_arm=off", false), ("# dtparam=i2c_arm=on", false), ("dtparam = i2c_arm = on  # spaces", true),
    ])
    func theI2CSetting(config: String, on: Bool) {
        // No /dev/i2c-1: the finding follows the setting alone.
        let plan = PermissionsPlan(facts: Self.facts(config: config, devices: []))
        let i2c = Self.finding(plan, "I2C")
        // Enabled but no device: a reboot is pending, still a problem, but a different one.
        #expect(i2c?.detail.hasPrefix("enabled in") == on, "\(i2c?.detail ?? "-")")
    }

    @Test func aSettingUnderABoardFilterIsReportedWithIt() {
        let plan = PermissionsPlan(facts: Self.facts(config: "[pi4]\ndtparam=i2c_arm=on\n[all]\nenable_uart=1\n"))
        #expect(Self.finding(plan, "I2C")?.detail.contains("under [pi4]") == true)
        #expect(Self.finding(plan, "Serial port")?.detail.contains("under") == false)
    }

    @Test(arguments: [
        ("console=serial0,115200 console=tty1 root=PARTUUID=1", "serial0,115200"),
        ("console=ttyAMA0,115200 root=/dev/mmcblk0p2", "ttyAMA0,115200"),
        ("console=ttyS0,115200", "ttyS0,115200"),
    ])
    func theConsoleOnTheUARTIsAProblem(cmdline: String, console: String) {
        let plan = PermissionsPlan(facts: Self.facts(cmdline: cmdline))
        let f = Self.finding(plan, "Serial console")
        #expect(f?.status == .problem)
        #expect(f?.detail.contains("console=\(console)") == true)
        #expect(f?.fix?.contains("do_serial_cons 1") == true)
    }

    @Test func notAPi() {
        let plan = PermissionsPlan(facts: Self.facts(config: nil, cmdline: nil, devices: []))
        #expect(Self.finding(plan, "I2C")?.status == .unknown)
        #expect(Self.finding(plan, "Serial port")?.status == .unknown)
        #expect(Self.finding(plan, "Serial console") == nil)
        let present = PermissionsPlan(facts: Self.facts(config: nil, cmdline: nil))
        #expect(Self.finding(present, "I2C")?.status == .ok)
    }

    @Test func malformedInputsNeverCrash() {
        let junk = "\u{0}:::\n[\n=\n==\ndtparam=\ndtparam=,,=,\n:x\n\r\n" + String(repeating: "[all", count: 100)
        let plan = PermissionsPlan(facts: Self.facts(groups: junk, config: junk, cmdline: junk))
        #expect(plan.findings.count == 3)
        #expect(!plan.render().isEmpty)
    }
}

@Suite("PermissionsPlan: only real device nodes reach the udev rule")
struct PermissionsPlanDeviceTests {
    static let groups = "dialout:x:20:\ni2c:x:998:pi\ngpio:x:997:pi\n"

    static func plan(serial: DeviceNode) -> PermissionsPlan {
        PermissionsPlan(facts: PermissionFacts(
            user: "pi", primaryGroup: "pi", groupFile: groups, bootConfig: nil, kernelCommandLine: nil,
            serialDevice: serial.path, devices: [serial]))
    }

    static func rule(_ plan: PermissionsPlan) -> String? {
        for case .writeUdevRule(_, let content) in plan.actions { return content }
        return nil
    }

    /// The file name of the security review: realpath's last part written into KERNEL=="…"
    /// used to close the quotes and add a rule of its own.
    @Test(arguments: [
        "ttyX\", KERNEL==\"sda\", MODE=\"0666",
        "ttyX\"\nKERNEL==\"sda\", MODE=\"0666\"\n#",
        "ttyS0\n",
        "tty*",
        "ttyS[0-9]",
    ])
    func aNameWithRuleSyntaxIsRefused(name: String) {
        // Even as a character device under /dev (a regular file is refused earlier, below).
        let node = DeviceNode(path: "/home/pi/serial", resolvedPath: "/dev/" + name, kernelName: name, group: "root", mode: 0o600)
        let plan = Self.plan(serial: node)
        #expect(Self.rule(plan) == nil)
        // The refusal quotes the name with its quotes and newlines escaped.
        #expect(!plan.render().contains("KERNEL==\"sda\""))
        #expect(!plan.render().split(separator: "\n").contains { $0.hasPrefix("KERNEL") })
        // Configured under that name, it shows escaped wherever the plan names it.
        let named = DeviceNode(path: "/home/pi/" + name, resolvedPath: "/home/pi/" + name, kernelName: name, group: "pi", mode: 0o644, isCharacterDevice: false)
        let text = Self.plan(serial: named).render()
        #expect(!text.contains("KERNEL==\"sda\""), "\(text)")
        #expect(!text.split(separator: "\n").contains { $0.hasPrefix("KERNEL") || $0.hasPrefix("#") })
        #expect(plan.refusals.count == 1)
        #expect(plan.refusals.first?.hasPrefix("/home/pi/serial: it resolves to ") == true, "\(plan.refusals)")
        #expect(plan.refusals.first?.contains("not a serial port's (ttyAMA0") == true, "\(plan.refusals)")
        #expect(plan.render().contains("Refused:"))
    }

    @Test func aRegularFileIsRefused() {
        let node = DeviceNode(path: "/dev/serial0", resolvedPath: "/home/pi/ttyS0", kernelName: "ttyS0", group: "pi", mode: 0o644, isCharacterDevice: false)
        let plan = Self.plan(serial: node)
        #expect(Self.rule(plan) == nil)
        #expect(plan.refusals == ["/dev/serial0: it resolves to /home/pi/ttyS0, which is not a character device; no udev rule names it"])
    }

    @Test func aDeviceOutsideDevIsRefused() {
        let node = DeviceNode(path: "/dev/serial0", resolvedPath: "/srv/dev/ttyS0", kernelName: "ttyS0", group: "tty", mode: 0o620)
        let plan = Self.plan(serial: node)
        #expect(Self.rule(plan) == nil)
        #expect(plan.refusals.first?.contains("not directly under /dev") == true, "\(plan.refusals)")
    }

    @Test func theConfiguredSerialPortMustBeASerialPort() {
        // /dev/sda is a block device; /dev/i2c-1 a character device, but not a UART.
        let block = DeviceNode(path: "/dev/serial0", resolvedPath: "/dev/sda", kernelName: "sda", group: "disk", mode: 0o660, isCharacterDevice: false)
        #expect(Self.rule(Self.plan(serial: block)) == nil)
        #expect(Self.plan(serial: block).refusals.count == 1)
        let i2c = DeviceNode(path: "/dev/serial0", kernelName: "i2c-1", group: "i2c", mode: 0o600)
        #expect(Self.plan(serial: i2c).refusals.first?.contains("not a serial port's") == true)
        #expect(Self.rule(Self.plan(serial: i2c)) == nil)
    }

    @Test(arguments: ["ttyAMA0", "ttyS0", "ttyUSB0", "ttyACM12", "ttyAMA10", "ttymxc3"])
    func realSerialPortsGetTheirRule(name: String) {
        let node = DeviceNode(path: "/dev/serial0", kernelName: name, group: "tty", mode: 0o620)
        let plan = Self.plan(serial: node)
        #expect(plan.refusals.isEmpty)
        #expect(Self.rule(plan)?.contains("SUBSYSTEM==\"tty\", KERNEL==\"\(name)\", GROUP=\"dialout\", MODE=\"0660\"\n") == true)
    }

    @Test func otherKindsAreCheckedToo() {
        let fakeChip = DeviceNode(path: "/dev/gpiochip0", resolvedPath: "/dev/gpiochip0", kernelName: "gpiochip0", group: "root", mode: 0o600, isCharacterDevice: false)
        let fakeBus = DeviceNode(path: "/dev/i2c-1", kernelName: "i2c-1x", group: "root", mode: 0o600)
        let plan = PermissionsPlan(facts: PermissionFacts(
            user: "pi", groupFile: Self.groups, bootConfig: nil, kernelCommandLine: nil, devices: [fakeChip, fakeBus]))
        #expect(plan.refusals.count == 2)
        #expect(Self.rule(plan) == nil)
    }
}
