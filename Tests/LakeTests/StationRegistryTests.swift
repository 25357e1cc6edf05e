import Testing
@testable import Lake

@Suite struct StationRegistryTests {
    static let header = "station_id,station_name,sensor_type,latitude,longitude,station_type,storage_url,description,contributor_name,contributor_url,submitted_at,status"

    @Test func quotedFieldsAndTheStationFolderOfTheURL() throws {
        let text = Self.header + "\n"
            + "019a-1,\"Rooftop, \"\"north\"\"\",enviroplus,40.7,-74.0,outdoor,s3://us-west-2.opendata.source.coop/walkthru-earth/opensensor-space/enviroplus/station=019a-1/,\"two\nlines\",Ana,https://a.example,2025-01-02,approved\n"
            + "b2,Garden,enviroplus,,,indoor,s3://bucket/lake,,,,,pending\r\n"
        let rows = try StationRegistry.parse(Array(text.utf8), file: "stations.csv")
        #expect(rows.count == 2)
        #expect(rows[0].name == "Rooftop, \"north\"" && rows[0].description == "two\nlines" && rows[0].latitude == 40.7 && rows[0].longitude == -74)
        #expect(rows[0].lakeURL == "s3://us-west-2.opendata.source.coop/walkthru-earth/opensensor-space/enviroplus" && rows[0].lakeStation == "019a-1")
        #expect(rows[0].isApproved && !rows[1].isApproved && rows[1].line == 4)
        #expect(rows[1].lakeURL == "s3://bucket/lake" && rows[1].lakeStation == "b2" && rows[1].latitude == nil)
    }

    @Test(arguments: [
        ("a,b\n", "line 1: the header lacks station_id"),
        (header + "\nx,n,t,91,0,o,s3://b/p/station=x/,d,c,u,s,approved\n", "line 2, field 'latitude': expected a number from -90 to 90, got '91'"),
        (header + "\nx,n,t,1,0,o,https://b/p/,d,c,u,s,approved\n", "line 2, field 'storage_url': expected s3://BUCKET/PREFIX/station=<id>/, got 'https://b/p/'"),
        (header + "\nx,n,t,1,0,o,s3://b/p/,d,c,u,s\n", "line 2: 11 fields, expected 12 as in the header"),
        (header + "\nx,n,t,1,0,o,s3://b/p,d,c,u,s,approved\nx,n,t,1,0,o,s3://b/p,d,c,u,s,approved\n", "line 3, field 'station_id': 'x' is already the station of line 2"),
        (header + "\na/b,n,t,1,0,o,s3://b/p,d,c,u,s,approved\n", "line 2, field 'station_id'"),
        (header + "\nx,\"open,t,1,0,o,s3://b/p,d,c,u,s,approved\n", "line 2: quoted cell is never closed"),
    ])
    func malformedRowsNameTheirLineAndField(text: String, expected: String) {
        #expect { try StationRegistry.parse(Array(text.utf8), file: "stations.csv") } throws: { error in
            "\(error)".hasPrefix("stations.csv ") && "\(error)".contains(expected)
        }
    }
}

@Suite struct AirQualityTests {
    @Test func theBandsOf2024() {
        #expect(AirQuality.pm25(9.0) == AQI(index: 50, category: .good))
        #expect(AirQuality.pm25(9.05) == AQI(index: 50, category: .good), "truncated to 9.0")
        #expect(AirQuality.pm25(9.1)?.category == .moderate && AirQuality.pm25(9.1)?.index == 51)
        #expect(AirQuality.pm25(35.4)?.index == 100 && AirQuality.pm25(35.5)?.category == .unhealthyForSensitiveGroups)
        #expect(AirQuality.pm25(55.5)?.category == .unhealthy && AirQuality.pm25(125.5)?.category == .veryUnhealthy)
        #expect(AirQuality.pm25(225.5)?.category == .hazardous && AirQuality.pm25(225.5)?.index == 301 && AirQuality.pm25(325.4)?.index == 500)
        #expect(AirQuality.pm10(54.9) == AQI(index: 50, category: .good))
        #expect(AirQuality.pm10(55)?.category == .moderate && AirQuality.pm10(155)?.category == .unhealthyForSensitiveGroups)
        #expect(AirQuality.pm10(255)?.category == .unhealthy && AirQuality.pm10(355)?.category == .veryUnhealthy && AirQuality.pm10(425)?.category == .hazardous)
        #expect(AirQuality.pm25(-1) == nil && AirQuality.pm25(.nan) == nil)
        #expect(AirQuality.pm25(12)?.index == 56, "(100 - 51) / (35.4 - 9.1) × (12 - 9.1) + 51 = 56.4")
    }

    @Test func theWorseOfTheTwo() {
        #expect(AirQuality.combined(pm25: 5, pm10: 160)?.category == .unhealthyForSensitiveGroups)
        #expect(AirQuality.combined(pm25: 40, pm10: 10)?.category == .unhealthyForSensitiveGroups)
        #expect(AirQuality.combined(pm25: nil, pm10: nil) == nil)
    }
}
