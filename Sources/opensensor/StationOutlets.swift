// The outlets `start` runs beside the collector (Sources/Collector/CollectorMonitor.swift), built
// from the configuration; each is off unless its keys turn it on.

import CivilTime
import Collector
import Config
import Drivers
import HAL
import HALTesting
import LinuxHAL
import StationDisplay
import HTTP1Client
import Logging
import Parquet
import SensorCommunity
import StationMetrics

enum StationOutlets {
    /// Prometheus metrics (OPENSENSOR_METRICS_LISTEN), or nil.
    static func metrics(_ config: StationConfig, station: String, logger: Logger) -> StationMetrics? {
        // The value was validated when the configuration was loaded (ConfigKey.Kind.hostPort).
        guard let text = config.values["OPENSENSOR_METRICS_LISTEN"], let listen = StationMetrics.address(text) else { return nil }
        return StationMetrics(station: station, listen: listen, logger: logger)
    }

    /// sensor.community pushes (OPENSENSOR_SENSOR_COMMUNITY_ENABLED), or nil; throws when they
    /// are on and no node id can be had.
    static func sensorCommunity(_ config: StationConfig, simulated: Bool, clock: any WallClock, logger: Logger) throws -> SensorCommunityOutlet? {
        guard config.values["OPENSENSOR_SENSOR_COMMUNITY_ENABLED"] == "true" else { return nil }
        let nodeID: String
        do {
            nodeID = try SensorCommunityOutlet.nodeID(
                configured: config.values["OPENSENSOR_SENSOR_COMMUNITY_SENSOR_ID"], simulated: simulated, serial: { PiSerial.current() })
        } catch {
            throw CLIError("sensor.community: \(error)")
        }
        let endpoint = config.values["OPENSENSOR_SENSOR_COMMUNITY_ENDPOINT"] ?? "https://api.sensor.community/v1/push-sensor-data/"
        let interval = config.values["OPENSENSOR_SENSOR_COMMUNITY_INTERVAL"].flatMap { Int($0) } ?? 145
        // Short timeouts: a hanging API costs that interval's push, and the next is due soon.
        let http = HTTP1Transport(connectTimeout: .seconds(10), readTimeout: .seconds(15), requestTimeout: .seconds(20))
        return SensorCommunityOutlet(
            settings: .init(endpoint: endpoint, nodeID: nodeID, softwareVersion: "opensensor-\(ParquetLibrary.version)", intervalSeconds: interval),
            clock: clock, logger: logger, send: { try await http.send($0, maxBodyBytes: 64 << 10) })
    }

    /// The Enviro+ screen (OPENSENSOR_DISPLAY_ENABLED), or nil. Opened by the outlet itself when
    /// it starts, so a missing screen is logged there and never stops `start`.
    static func display(_ config: StationConfig, simulated: Bool, logger: Logger) -> DisplayOutlet? {
        guard config.values["OPENSENSOR_DISPLAY_ENABLED"] == "true" else { return nil }
        let timeout = config.values["OPENSENSOR_DISPLAY_TIMEOUT"].flatMap { Int($0) } ?? 300
        return DisplayOutlet(timeoutSeconds: timeout, logger: logger) { () async throws -> any DisplayPanel in
            try await openScreen(simulated: simulated)
        }
    }

    /// The Enviro+ screen on SPI0 CE1. Simulated, the same driver draws every frame onto a bus
    /// that drops the bytes (and fake GPIO lines), so `start --simulate` with the screen on does
    /// the work a Pi does — what Benchmarks/run-collector.sh measures.
    static func openScreen(simulated: Bool) async throws -> ST7735 {
        if simulated {
            return try await ST7735(spi: DiscardingSPIDevice(), gpio: FakeGPIOChip(), sleeper: SystemClock())
        }
        let spi = try LinuxSPIDevice(path: "/dev/spidev0.1", speedHz: ST7735.enviroPlusSPISpeedHz)
        return try await ST7735(spi: spi, gpio: LinuxGPIOChip.find(label: nil), sleeper: SystemClock())
    }

    /// A bus with no device on it.
    struct DiscardingSPIDevice: SPIDevice {
        var maxTransferSize: Int { 4096 }
        func write(_ bytes: [UInt8]) throws(BusError) {}
    }
}
