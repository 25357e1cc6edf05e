// `opensensor fix-permissions`: give the collector's account the board's devices, like the
// Python collector's command of the same name. The plan is decided by `Station.PermissionsPlan`
// from this system's facts; this file prints it and, as root, carries it out.

import ArgumentParser
import CivilTime
import Collector
import Config
import DurableFiles
import LakeSync
import StationRuntime
import Systemd

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct FixPermissionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fix-permissions",
        abstract: "Give the collector's user access to I2C, the serial port, GPIO and the screen's SPI.",
        discussion: """
            Adds the user to the groups i2c, dialout and gpio, and spi when the screen is on \
            (OPENSENSOR_DISPLAY_ENABLED), creating a group the system lacks; writes \
            \(PermissionsPlan.udevRulePath) where a device node has the wrong group or mode; and \
            checks the Raspberry Pi boot configuration: I2C enabled (dtparam=i2c_arm=on), the \
            UART enabled (enable_uart=1) and the kernel console off it, and with the screen SPI \
            enabled (dtparam=spi=on). Prints the plan; applies it when run as root without \
            --dry-run. Group changes need a re-login, boot configuration changes a reboot.
            """)

    @Flag(help: "Print what would change, change nothing.")
    var dryRun = false

    @Option(help: "The account the collector runs as (default: the user who ran sudo, or the current user).")
    var user: String?

    @OptionGroup var configOptions: ConfigOptions

    func run() throws {
        let name = try SystemFacts.serviceUser(explicit: user)
        guard name != "root" else {
            throw CLIError("the collector should not run as root; pass --user with the account that runs it")
        }
        guard UserAccount.lookup(name) != nil else {
            throw CLIError("no user named '\(name)' on this system; pass --user with an existing account")
        }
        // The serial port and the screen are configurable; a broken .env must not stop a
        // permissions check.
        var serial = "/dev/serial0", screen = false
        do {
            let config = try configOptions.load().0
            serial = config.pms5003Device
            screen = config.values["OPENSENSOR_DISPLAY_ENABLED"] == "true"
        } catch {
            StderrText.write("note: \(error); checking \(serial), without the screen\n")
        }

        let plan = PermissionsPlan(facts: PermissionFacts.current(user: name, serialDevice: serial, screen: screen))
        print(plan.render(), terminator: "")
        // A device that cannot be what the collector opens stops everything, dry run included:
        // the configuration is wrong, and a rule must never be built from such a name.
        guard plan.refusals.isEmpty else {
            throw CLIError("refusing to go on: " + plan.refusals.joined(separator: "; ") + ". Set OPENSENSOR_PMS5003_DEVICE to the PMS5003's serial port (default /dev/serial0)")
        }
        if dryRun {
            print("\nDry run: nothing was changed.")
            return
        }
        if plan.actions.isEmpty {
            print("\nNothing to change.")
            return
        }
        guard SystemFacts.isRoot else {
            throw CLIError("changing groups and udev rules needs root. Run:\n  sudo \(SystemFacts.shellQuoted(SystemFacts.executable())) fix-permissions --user \(name)")
        }

        print("\nApplying:")
        var failures: [String] = []
        for action in plan.actions {
            do {
                switch action {
                case .writeUdevRule(let path, let content):
                    _ = mkdir("/etc/udev/rules.d", 0o755)
                    do {
                        try SystemFiles.writeAtomically(content, to: path, mode: 0o644)
                    } catch {
                        throw CLIError("cannot write \(path): \(error)")
                    }
                    print("  wrote \(path)")
                default:
                    for command in action.commands { try ChildProcess.check(command) }
                }
            } catch {
                failures.append("\(action.summary): \(error)")
                StderrText.write("  failed: \(action.summary): \(error)\n")
            }
        }
        guard failures.isEmpty else {
            throw CLIError("\(failures.count) change(s) failed:\n  " + failures.joined(separator: "\n  "))
        }
        print("\nDone. " + (plan.notes.isEmpty ? "" : plan.notes.joined(separator: " ")))
    }
}
