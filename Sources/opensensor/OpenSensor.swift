// The command tree. Commands parse arguments and wire libraries together; the libraries do
// the work and never print.

import ArgumentParser
import Parquet

@main
struct OpenSensor: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opensensor",
        abstract: "An environmental station for a Raspberry Pi with a Pimoroni Enviro+ board.",
        version: ParquetLibrary.version,
        subcommands: [StartCommand.self, SimulateCommand.self, SyncCommand.self, StatusCommand.self, InfoCommand.self, SetupCommand.self, TestCommand.self, ParquetCommand.self, QueryCommand.self, CompactCommand.self, DashboardCommand.self, DisplayCommand.self, ServiceCommand.self, FixPermissionsCommand.self])
}
