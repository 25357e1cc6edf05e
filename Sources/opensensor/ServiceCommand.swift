// `opensensor service setup|status|logs|start|stop|restart|remove`: the collector as a systemd
// service, like the Python collector's commands of the same names. The unit
// itself is `Station.ServiceUnit`; this file gathers the facts, installs it and drives
// systemctl. Child processes are fine here (never in the collector).

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

struct ServiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Run the collector as a systemd service (setup, status, logs, start, stop, restart, remove).",
        subcommands: [Setup.self, Status.self, Logs.self, Start.self, Stop.self, Restart.self, Remove.self])

    // MARK: setup

    struct Setup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Install, enable and start the opensensor systemd service.",
            discussion: """
                Writes \(ServiceUnit.installPath) for this binary, the current directory and the \
                .env file (absolute paths): Type=notify with a watchdog, Restart=always, a read-only \
                system with only the output, health and log directories writable, and access to \
                /dev/i2c-1, the serial port and the GPIO chips. Creates the directories that are \
                missing and gives only those to the user (existing ones stay as they are; system \
                directories are refused). Then runs systemctl daemon-reload and enable --now. \
                Needs root and systemd; --print shows the unit without either.
                """)

        @Option(help: "The account the service runs as (default: the user who ran sudo, or the current user).")
        var user: String?

        @Option(help: "The .env file the service reads (default: ./.env).")
        var envFile: String?

        @Option(help: "WatchdogSec= in seconds (default: 4 read intervals, at least 60).")
        var watchdogSec: Int?

        @Flag(help: "Write the unit to stdout instead of installing it.")
        var print = false

        func run() throws {
            let cwd = try SystemFacts.currentDirectory()
            let env = SystemFacts.absolute(envFile ?? ".env", in: cwd)
            let envExists = access(env, F_OK) == 0
            let name = try SystemFacts.serviceUser(explicit: user)
            guard let account = UserAccount.lookup(name) else {
                throw CLIError("no user named '\(name)' on this system; pass --user with an existing account")
            }

            // The service sees only the .env file: no shell environment, HOME set by systemd.
            let config: StationConfig
            do {
                config = try StationConfig.load(environment: ["HOME": account.home], envFile: envExists ? env : nil, overrides: [:]).0
            } catch {
                throw CLIError("configuration in \(env): \(error)")
            }
            let shellOnly = ProcessEnvironment.all().keys.filter { ConfigKey.named($0.uppercased()) != nil }.sorted()
            if !shellOnly.isEmpty {
                StderrText.write("note: the service does not see the shell's \(shellOnly.joined(separator: ", ")); put them in \(env)\n")
            }

            let groups = ServiceUnit.deviceGroups.filter(UserAccount.groupExists)
            let missing = ServiceUnit.deviceGroups.filter { !groups.contains($0) }
            if !missing.isEmpty {
                StderrText.write("note: this system has no group \(missing.joined(separator: ", ")), so the unit does not name \(missing.count == 1 ? "it" : "them"); 'sudo \(SystemFacts.executable()) fix-permissions --user \(name)' creates \(missing.count == 1 ? "it" : "them")\n")
            }
            // The screen (OPENSENSOR_DISPLAY_ENABLED): its spidev node, owned by group spi on
            // Raspberry Pi OS, which exists once SPI is turned on.
            let display = config.values["OPENSENSOR_DISPLAY_ENABLED"] == "true"
            var deviceGroups = groups
            if display {
                if UserAccount.groupExists(ServiceUnit.screenGroup) {
                    deviceGroups.append(ServiceUnit.screenGroup)
                } else {
                    StderrText.write("note: this system has no group \(ServiceUnit.screenGroup), so the screen's \(ServiceUnit.screenDevice) may not be usable by the service; turn SPI on with 'sudo raspi-config nonint do_spi 0' and reboot, or run 'sudo \(SystemFacts.executable()) fix-permissions --user \(name)'\n")
                }
            }

            let unit = ServiceUnit(
                executable: SystemFacts.executable(), workingDirectory: cwd, envFile: env, user: name,
                group: account.primaryGroup,
                outputDirectory: SystemFacts.absolute(config.outputDirectory, in: cwd),
                healthDirectory: SystemFacts.absolute(config.healthDirectory, in: cwd),
                logDirectory: SystemFacts.absolute(config.logDirectory, in: cwd),
                watchdogSeconds: watchdogSec ?? WatchdogHeartbeat.Policy.recommendedWatchdogSeconds(readIntervalSeconds: config.readInterval),
                devices: ["/dev/i2c-1", SystemFacts.absolute(config.pms5003Device, in: cwd)] + (display ? [ServiceUnit.screenDevice] : []),
                supplementaryGroups: deviceGroups)
            let text: String
            do {
                text = try unit.render()
            } catch {
                throw CLIError("cannot write the unit: \(error)")
            }
            if print {
                if !envExists { StderrText.write("note: \(env) does not exist yet; run 'opensensor setup' before installing\n") }
                Swift.print(text, terminator: "")
                return
            }

            let again = "cd \(SystemFacts.shellQuoted(cwd)) && sudo \(SystemFacts.shellQuoted(SystemFacts.executable())) service setup --user \(name) --env-file \(SystemFacts.shellQuoted(env))"
            try SystemFacts.requireSystemd(
                "so the service cannot be installed. Run the collector directly instead:\n  cd \(SystemFacts.shellQuoted(cwd)) && \(SystemFacts.shellQuoted(SystemFacts.executable())) start --env-file \(SystemFacts.shellQuoted(env))\n(see the unit it would install with: opensensor service setup --print)")
            try SystemFacts.requireRoot("installs a system service", run: again)
            guard envExists else {
                throw CLIError("configuration file not found: \(env)\nRun 'opensensor setup' first to create it.")
            }
            guard config.stationID != nil else {
                throw CLIError("\(env) has no OPENSENSOR_STATION_ID: run 'opensensor setup' first (the service must keep one station id across restarts)")
            }

            // Only directories setup creates are given to the user; existing ones stay as they
            // are, and system directories are refused before anything changes.
            let directories = ServiceDirectoriesPlan(
                facts: [unit.outputDirectory, unit.healthDirectory, unit.logDirectory].map(DirectoryFacts.current),
                user: name, uid: account.uid)
            guard directories.refusals.isEmpty else {
                throw CLIError("refusing to set up the service's directories:\n  " + directories.refusals.joined(separator: "\n  "))
            }
            Swift.print("Setting up the opensensor service…")
            Swift.print("  user: \(name)\n  working directory: \(cwd)\n  env file: \(env)")
            Swift.print(directories.render(), terminator: "")
            do {
                _ = try ServiceDirectories.apply(directories, gid: account.gid)
            } catch {
                throw CLIError("\(error)")
            }
            do {
                try SystemFiles.writeAtomically(text, to: ServiceUnit.installPath, mode: 0o644)
            } catch {
                throw CLIError("cannot write \(ServiceUnit.installPath): \(error)")
            }
            Swift.print("  wrote \(ServiceUnit.installPath)")
            try ChildProcess.check(["systemctl", "daemon-reload"])
            try ChildProcess.check(["systemctl", "enable", "--now", ServiceUnit.name])
            Swift.print("""

                The service is running.
                  opensensor service status    how it is doing
                  opensensor service logs -f   follow its log
                  sudo opensensor service stop
                """)
        }
    }

    // MARK: status, logs

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the service's state (systemctl status).")

        func run() throws {
            try SystemFacts.requireSystemd("so there is no opensensor service. A collector started by hand shows its state with: opensensor info")
            try SystemFacts.requireInstalled()
            let code = try ChildProcess.run(["systemctl", "status", "--no-pager", ServiceUnit.name])
            if code != 0 { throw ExitCode(code) }
        }
    }

    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the service's log (journalctl -u opensensor).")

        @Flag(name: .shortAndLong, help: "Keep following new lines.")
        var follow = false

        @Option(name: .shortAndLong, help: "How many recent lines to show.")
        var lines = 50

        func run() throws {
            try SystemFacts.requireSystemd("so there is no service journal. A collector started by hand logs to stderr and to <OPENSENSOR_LOG_DIR>/opensensor.log")
            try SystemFacts.requireInstalled()
            var argv = ["journalctl", "-u", ServiceUnit.name, "-n", "\(max(0, lines))", "--no-pager"]
            if follow { argv.append("-f") }
            let code = try ChildProcess.run(argv)
            if code != 0 { throw ExitCode(code) }
        }
    }

    // MARK: start, stop, restart, remove

    struct Start: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start the service.")
        func run() throws { try control("start", past: "started") }
    }

    struct Stop: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop the service (it writes the open batch first).")
        func run() throws { try control("stop", past: "stopped") }
    }

    struct Restart: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Restart the service.")
        func run() throws { try control("restart", past: "restarted") }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop, disable and delete the service (the data and the .env file stay).")

        func run() throws {
            try SystemFacts.requireSystemd("so there is no opensensor service to remove. Stop a collector started by hand with Ctrl-C or kill -TERM <pid> (it writes the open batch first).")
            try SystemFacts.requireRoot("removes a system service", run: "sudo \(SystemFacts.shellQuoted(SystemFacts.executable())) service remove")
            guard access(ServiceUnit.installPath, F_OK) == 0 else {
                Swift.print("The service is not installed (\(ServiceUnit.installPath) does not exist).")
                return
            }
            try ChildProcess.check(["systemctl", "disable", "--now", ServiceUnit.name])
            guard unlink(ServiceUnit.installPath) == 0 else {
                throw CLIError("cannot delete \(ServiceUnit.installPath): \(String(cString: strerror(errno)))")
            }
            try ChildProcess.check(["systemctl", "daemon-reload"])
            Swift.print("Service removed. The data, the logs and the .env file are untouched.")
        }
    }
}

/// `systemctl <verb> opensensor.service`, after the checks every such command needs.
private func control(_ verb: String, past: String) throws {
    try SystemFacts.requireSystemd(
        "so there is no opensensor service to \(verb). Run the collector in the foreground with 'opensensor start' and stop it with Ctrl-C or kill -TERM <pid> (it writes the open batch first).")
    try SystemFacts.requireRoot("controls a system service", run: "sudo \(SystemFacts.shellQuoted(SystemFacts.executable())) service \(verb)")
    try SystemFacts.requireInstalled()
    try ChildProcess.check(["systemctl", verb, ServiceUnit.name])
    Swift.print("Service \(past).")
}
