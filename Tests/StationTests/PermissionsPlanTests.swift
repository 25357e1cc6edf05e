// `opensensor fix-permissions`: the plan decided from given facts (issue 8, items 3 and 6).

import Testing
@testable import Station

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
        devices: [DeviceNode] = goodDevices, user: String = "pi", primaryGroup: String? = "pi"
    ) -> PermissionFacts {
        PermissionFacts(
            user: user, primaryGroup: primaryGroup, groupFile: groups,
            bootConfig: config.map { BootFile(path: "/boot/firmware/config.txt", text: $0) },
            kernelCommandLine: cmdline.map { BootFile(path: "/boot/firmware/cmdline.txt", text: $0) },
            serialDevice: "/dev/serial0", devices: devices)
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
