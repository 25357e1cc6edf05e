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

/// `--env-file`, and loading the configuration the way every command that reads it does.
struct ConfigOptions: ParsableArguments {
    @Option(help: "The .env file to read (default: ./.env when present).")
    var envFile: String?

    /// Flags (`overrides`, by key) over the environment over the .env file over the defaults.
    func load(overrides: [String: String] = [:]) throws -> (StationConfig, warnings: [String]) {
        do {
            return try StationConfig.load(environment: ProcessEnvironment.all(), envFile: envFile, overrides: overrides)
        } catch {
            throw CLIError("configuration: \(error)")
        }
    }
}
