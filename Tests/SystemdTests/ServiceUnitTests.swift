// The systemd unit `opensensor service setup` installs. The interop script
// runs `systemd-analyze verify` on it; these pin its content and its quoting.

import CivilTime
import Config
import DurableFiles
import TestSupport
import Testing
@testable import Systemd

@Suite("ServiceUnit: the rendered systemd unit")
struct ServiceUnitTests {
    static func unit(
        executable: String = "/usr/local/bin/opensensor", workingDirectory: String = "/home/pi/station",
        output: String = "/home/pi/station/output", health: String = "/home/pi/station/output-health",
        logs: String = "/home/pi/station/logs", devices: [String] = ["/dev/i2c-1", "/dev/serial0"],
        user: String = "pi", groups: [String] = ServiceUnit.deviceGroups, watchdog: Int = 60
    ) -> ServiceUnit {
        ServiceUnit(
            executable: executable, workingDirectory: workingDirectory, envFile: workingDirectory + "/.env", user: user,
            group: "pi", outputDirectory: output, healthDirectory: health, logDirectory: logs, watchdogSeconds: watchdog,
            devices: devices, supplementaryGroups: groups)
    }

    /// The values of `key` in `[section]`, in order.
    static func values(_ text: String, _ key: String, section: String = "Service") -> [String] {
        var current = ""
        var out: [String] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("[") { current = String(line.dropFirst().dropLast()) }
            if current == section, line.hasPrefix(key + "=") { out.append(String(line.dropFirst(key.count + 1))) }
        }
        return out
    }

    /// Splits a value the way systemd splits a command line or a path list: whitespace
    /// separates words, double quotes group, backslash escapes; then `%%` and (for command
    /// lines) `$$` are undone.
    static func words(_ value: String, command: Bool) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false, quoted = false, escaped = false
        for c in value {
            if escaped {
                current.append(c)
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "\"" {
                quoted.toggle()
                inWord = true
            } else if c == " " && !quoted {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(c)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words.map {
            var w = $0.replacing("%%", with: "%")
            if command { w = w.replacing("$$", with: "$") }
            return w
        }
    }

    @Test func aTypicalStation() throws {
        let text = try Self.unit().render()
        #expect(Self.values(text, "Type") == ["notify"])
        #expect(Self.values(text, "NotifyAccess") == ["main"])
        #expect(Self.values(text, "ExecStart") == ["/usr/local/bin/opensensor start --env-file /home/pi/station/.env"])
        #expect(Self.values(text, "WorkingDirectory") == ["/home/pi/station"])
        #expect(Self.values(text, "User") == ["pi"])
        #expect(Self.values(text, "Group") == ["pi"])
        #expect(Self.values(text, "SupplementaryGroups") == ["i2c dialout gpio"])
        #expect(Self.values(text, "Restart") == ["always"])
        #expect(Self.values(text, "RestartSec") == ["10"])
        #expect(Self.values(text, "WatchdogSec") == ["60"])
        #expect(Self.values(text, "ProtectSystem") == ["strict"])
        #expect(Self.values(text, "NoNewPrivileges") == ["yes"])
        #expect(Self.values(text, "PrivateTmp") == ["yes"])
        #expect(Self.values(text, "DevicePolicy") == ["closed"])
        #expect(Self.values(text, "DeviceAllow") == ["/dev/i2c-1 rw", "/dev/serial0 rw", "char-gpiochip rw"])
        #expect(Self.values(text, "ReadWritePaths") == [
            "-/home/pi/station/output -/home/pi/station/output-health -/home/pi/station/logs",
        ])
        #expect(Self.values(text, "WantedBy", section: "Install") == ["multi-user.target"])
        #expect(text.hasSuffix("\n"))
        #expect(!text.contains("EnvironmentFile"))
    }

    @Test func pathsWithSpacesPercentAndDollarSurviveSystemdParsing() throws {
        let dir = "/home/pi/my station 100%"
        let exe = "/opt/open sensor/$bin/opensensor"
        let text = try Self.unit(
            executable: exe, workingDirectory: dir, output: dir + "/out \"a\"", health: dir + "/health",
            logs: "/var/log/opensensor", devices: ["/dev/serial port"]
        ).render()
        let exec = try #require(Self.values(text, "ExecStart").first)
        #expect(Self.words(exec, command: true) == [exe, "start", "--env-file", dir + "/.env"])
        #expect(exec.hasPrefix("\"/opt/open sensor/$$bin/opensensor\""))
        // WorkingDirectory= takes the rest of the line: only specifiers are escaped.
        #expect(Self.values(text, "WorkingDirectory") == ["/home/pi/my station 100%%"])
        let rw = try #require(Self.values(text, "ReadWritePaths").first)
        #expect(Self.words(rw, command: false) == ["-" + dir + "/out \"a\"", "-" + dir + "/health", "-/var/log/opensensor"])
        let device = try #require(Self.values(text, "DeviceAllow").first)
        #expect(Self.words(device, command: false) == ["/dev/serial port", "rw"])
    }

    @Test func pathsAreNormalisedAndDuplicatesDropped() throws {
        let text = try Self.unit(
            executable: "/usr//local/./bin/opensensor", workingDirectory: "/srv/station/",
            output: "/srv/station/out/", health: "/srv/station/out", logs: "/srv/station/logs",
            devices: ["/dev/i2c-1", "/dev//i2c-1"]
        ).render()
        #expect(Self.values(text, "ExecStart") == ["/usr/local/bin/opensensor start --env-file /srv/station/.env"])
        #expect(Self.values(text, "WorkingDirectory") == ["/srv/station"])
        #expect(Self.values(text, "ReadWritePaths") == ["-/srv/station/out -/srv/station/logs"])
        #expect(Self.values(text, "DeviceAllow") == ["/dev/i2c-1 rw", "char-gpiochip rw"])
    }

    @Test func onlyExistingGroupsAreNamed() throws {
        let text = try Self.unit(groups: ["dialout"]).render()
        #expect(Self.values(text, "SupplementaryGroups") == ["dialout"])
        let none = try Self.unit(groups: []).render()
        #expect(Self.values(none, "SupplementaryGroups").isEmpty)
    }

    @Test(arguments: [
        (ServiceUnitTests.unit(executable: "opensensor"), "binary", "relative"),
        (ServiceUnitTests.unit(workingDirectory: "station"), "working directory", "relative"),
        (ServiceUnitTests.unit(output: "output"), "output directory", "relative"),
        (ServiceUnitTests.unit(health: "/srv/../etc"), "health directory", "'..'"),
        (ServiceUnitTests.unit(logs: "/"), "log directory", "whole file system"),
        (ServiceUnitTests.unit(workingDirectory: "/tmp/station"), "working directory", "PrivateTmp"),
        (ServiceUnitTests.unit(executable: "/var/tmp/opensensor"), "binary", "PrivateTmp"),
        (ServiceUnitTests.unit(output: "/srv/a\\b"), "output directory", "backslash"),
        (ServiceUnitTests.unit(output: "/srv/a\nb"), "output directory", "control character"),
        (ServiceUnitTests.unit(output: "/srv/name "), "output directory", "space"),
        (ServiceUnitTests.unit(devices: ["/home/pi/ttyUSB0"]), "device", "not under /dev/"),
        (ServiceUnitTests.unit(devices: ["ttyUSB0"]), "device", "relative"),
        (ServiceUnitTests.unit(user: "root"), "user", "root"),
        (ServiceUnitTests.unit(user: "pi user"), "user", "not a valid"),
        (ServiceUnitTests.unit(user: ""), "user", "not a valid"),
        (ServiceUnitTests.unit(groups: ["i2c", "-x"]), "supplementary group", "not a valid"),
        (ServiceUnitTests.unit(watchdog: 0), "watchdog", "1–86400"),
    ])
    func badInputsAreRefusedNamingTheField(unit: ServiceUnit, field: String, says: String) {
        do {
            let text = try unit.render()
            Issue.record("rendered instead of refusing: \(text.prefix(60))")
        } catch {
            #expect(error.field == field)
            #expect(error.description.contains(says), "\(error)")
        }
    }
}

@Suite("ServiceUnit: the sandbox")
struct ServiceUnitSandboxTests {
    @Test func theSandboxSettings() throws {
        let text = try ServiceUnitTests.unit().render()
        let v = { ServiceUnitTests.values(text, $0) }
        for key in ["ProtectKernelLogs", "ProtectKernelTunables", "ProtectKernelModules", "ProtectControlGroups", "ProtectHostname",
                    "RestrictNamespaces", "RestrictRealtime", "RestrictSUIDSGID", "LockPersonality", "MemoryDenyWriteExecute",
                    "NoNewPrivileges", "PrivateTmp", "PrivateMounts", "PrivateIPC", "RemoveIPC"] {
            #expect(v(key) == ["yes"], "\(key)")
        }
        #expect(v("ProtectProc") == ["invisible"])
        // Empty: no capability at all (an empty assignment resets the set to empty).
        #expect(v("CapabilityBoundingSet") == [""])
        #expect(v("AmbientCapabilities") == [""])
        #expect(v("UMask") == ["0077"])
        #expect(v("SystemCallArchitectures") == ["native"])
        #expect(v("SystemCallErrorNumber") == ["EPERM"])
        // sd_notify and DNS, sync, and getifaddrs (netlink) for the health metrics.
        #expect(v("RestrictAddressFamilies") == ["AF_UNIX AF_INET AF_INET6 AF_NETLINK"])
        #expect(v("DevicePolicy") == ["closed"])
        #expect(v("DeviceAllow") == ["/dev/i2c-1 rw", "/dev/serial0 rw", "char-gpiochip rw"])
    }

    @Test func theClockStaysReadable() throws {
        // The health metrics read the clock's state with ntp_adjtime (adjtimex), which
        // @system-service lacks and ProtectClock= refuses even read-only.
        let text = try ServiceUnitTests.unit().render()
        #expect(ServiceUnitTests.values(text, "SystemCallFilter") == ["@system-service", "adjtimex clock_adjtime"])
        #expect(ServiceUnitTests.values(text, "ProtectClock").isEmpty)
    }
}
