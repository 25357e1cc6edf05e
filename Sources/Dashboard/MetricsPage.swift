// The dashboard's /metrics: the newest reading of every station of the lake it serves, as the same
// gauges `start` serves (Sources/PrometheusText/MeasurementGauges.swift), so a Prometheus can
// scrape a whole network from one dashboard. Each scrape reads the last row of each station's
// newest batch file (LakeView.latest), no more.

import Lake
import PrometheusText

extension Dashboard {
    /// The page, or a 500 naming the family at fault (a bug, never the lake's data).
    func metricsPage() throws(DashboardError) -> String {
        let stations = try view.stations()
        var rows: [String: (time: Int64, values: [String: Float])] = [:]
        for s in stations {
            guard let row = s.latest else { continue }
            rows[s.id] = (row.time, row.values.mapValues { Float($0) })
        }
        let ids = stations.map(\.id).filter { rows[$0] != nil }
        var families = MeasurementGauge.families(stations: ids) { rows[$0]?.values ?? [:] }
        families.append(MetricFamily(
            "opensensor_last_reading_timestamp_seconds", .gauge, help: "Time of the newest reading (Unix seconds).",
            samples: ids.map { MetricSample(Double(rows[$0]!.time) / 1000, labels: [.init("station", $0)]) }))
        families.append(MetricFamily(
            "opensensor_stations", .gauge, help: "Stations in the lake this dashboard serves.",
            samples: [MetricSample(Double(stations.count))]))
        families.append(ProcessMemory.family())
        var page = Exposition()
        do {
            for f in families { try page.add(f) }
        } catch {
            throw DashboardError(status: 500, "\(error)")
        }
        return page.render()
    }
}
