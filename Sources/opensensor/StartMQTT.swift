// `start`'s MQTT outlet, built from the OPENSENSOR_MQTT_* keys (Sources/Config/MQTTSettings.swift).

import CivilTime
import Collector
import Config
import Logging
import MQTTOutlet
import Parquet

extension StartCommand {
    /// The MQTT outlet when OPENSENSOR_MQTT_URL is set, else none. A CA file that cannot be used
    /// turns MQTT off with an error line; collection goes on.
    static func mqttOutlets(_ config: StationConfig, station: String, clock: any WallClock, logger: Logger) -> [any ReadingOutlet] {
        guard let settings = config.mqtt(stationID: station) else { return [] }
        do {
            return [try MQTTOutlet(settings: settings, stationID: station, softwareVersion: ParquetLibrary.version, clock: clock, logger: logger)]
        } catch {
            logger.error("mqtt is off: \(error); collecting anyway")
            return []
        }
    }
}
