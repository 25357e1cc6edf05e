import Testing
import Lake
import Parquet

@Suite struct RowFormatTests {
    static let ts = ParquetColumn(name: "timestamp", physicalType: .int64, logicalType: .timestamp(isAdjustedToUTC: true, unit: .millis))

    static func csv(_ columns: [ParquetColumn], _ values: [ColumnValues]) -> String {
        let f = RowFormatter(columns: columns, format: .csv)
        var out = f.header ?? ""
        f.appendRows(values, to: &out)
        return out
    }

    static func json(_ columns: [ParquetColumn], _ values: [ColumnValues]) -> String {
        var out = ""
        RowFormatter(columns: columns, format: .json).appendRows(values, to: &out)
        return out
    }

    @Test func csvFollowsTheRules() {
        let columns = [Self.ts, ParquetColumn(name: "t", physicalType: .float), ParquetColumn(name: "ok", physicalType: .boolean),
                       ParquetColumn(name: "ssid", physicalType: .byteArray, logicalType: .string)]
        let out = Self.csv(columns, [
            .int64([1_748_736_005_048, nil, -1]),
            .float([21.5, .nan, -.infinity]),
            .boolean([true, false, nil]),
            .string(["home, 5GHz", "say \"hi\"", ""]),
        ])
        #expect(out == """
            timestamp,t,ok,ssid
            2025-06-01T00:00:05.048Z,21.5,true,"home, 5GHz"
            ,NaN,false,"say ""hi\"\"\"
            1969-12-31T23:59:59.999Z,-Infinity,,""

            """)
    }

    @Test func floatsPrintTheShortestTextThatReadsBack() {
        let values: [Float] = [0.1, Float(bitPattern: 1), .greatestFiniteMagnitude, -0.0, 16_777_216, 21.549999]
        let lines = Self.csv([ParquetColumn(name: "f", physicalType: .float)], [.float(values)]).split(separator: "\n").dropFirst()
        #expect(lines.map(String.init) == ["0.1", "1e-45", "3.4028235e+38", "-0.0", "16777216.0", "21.55"])
        for (line, v) in zip(lines, values) { #expect(Float(String(line))?.bitPattern == v.bitPattern) }
        let d = Self.csv([ParquetColumn(name: "d", physicalType: .double)], [.double([0.1, 1.0 / 3, Double(bitPattern: 1), .infinity])])
        #expect(d == "d\n0.1\n0.3333333333333333\n5e-324\nInfinity\n")
    }

    @Test func timestampsOfEveryUnitPrintMilliseconds() {
        let us = ParquetColumn(name: "u", physicalType: .int64, logicalType: .timestamp(isAdjustedToUTC: true, unit: .micros))
        let ns = ParquetColumn(name: "n", physicalType: .int64, logicalType: .timestamp(isAdjustedToUTC: true, unit: .nanos))
        let old = ParquetColumn(name: "o", physicalType: .int64, convertedType: 9)
        let out = Self.csv([us, ns, old], [.int64([1_748_736_005_048_999, -1]), .int64([1_748_736_005_048_999_999, -1]),
                                           .int64([1_748_736_005_048, 0])])
        #expect(out == "u,n,o\n2025-06-01T00:00:05.048Z,2025-06-01T00:00:05.048Z,2025-06-01T00:00:05.048Z\n"
            + "1969-12-31T23:59:59.999Z,1969-12-31T23:59:59.999Z,1970-01-01T00:00:00.000Z\n")
    }

    @Test func unsignedIntegersPrintUnsigned() {
        let u32 = ParquetColumn(name: "a", physicalType: .int32, convertedType: 13)
        let u64 = ParquetColumn(name: "b", physicalType: .int64, convertedType: 14)
        #expect(Self.csv([u32, u64], [.int32([-1]), .int64([-1])]) == "a,b\n4294967295,18446744073709551615\n")
    }

    @Test func jsonIsOneObjectPerLine() {
        let columns = [Self.ts, ParquetColumn(name: "t", physicalType: .double), ParquetColumn(name: "n", physicalType: .int32),
                       ParquetColumn(name: "s\"q", physicalType: .byteArray, logicalType: .string)]
        let out = Self.json(columns, [.int64([0, nil]), .double([-0.5, .nan]), .int32([nil, -7]), .string(["a\nb\\\u{1}", nil])])
        #expect(out == """
            {"timestamp":"1970-01-01T00:00:00.000Z","t":-0.5,"n":null,"s\\"q":"a\\nb\\\\\\u0001"}
            {"timestamp":null,"t":"NaN","n":-7,"s\\"q":null}

            """)
    }

    /// What `parquet write` reads: every value of a CSV `cat` prints comes back exactly,
    /// NaN and the infinities included.
    @Test func csvReadsBackThroughCSVImport() throws {
        let schema = Schema([Column("timestamp", .timestampMillisUTC), Column("f", .float), Column("d", .double),
                             Column("i", .int32), Column("b", .boolean), Column("s", .string)])
        let columns = schema.columns.map { c in
            ParquetColumn(name: c.name, physicalType: c.type.physicalType,
                          logicalType: c.type == .string ? .string : c.type == .timestampMillisUTC ? .timestamp(isAdjustedToUTC: true, unit: .millis) : nil)
        }
        let values: [ColumnValues] = [
            .int64([1_748_736_005_048, nil, 0, -86_400_001]),
            .float([.nan, .infinity, -.infinity, 0.1]),
            .double([-.infinity, 1e308, nil, -0.0]),
            .int32([Int32.min, nil, 0, Int32.max]),
            .boolean([true, nil, false, true]),
            .string(["", nil, "a,\"b\"\r\nc", "ü"]),
        ]
        let text = Self.csv(columns, values)
        let back = try CSVImport.columns(of: text, schema: schema)
        #expect(back.count == values.count)
        for (a, b) in zip(back, values) {
            switch (a, b) {
            case (.float(let x), .float(let y)): #expect(x.map { $0?.bitPattern } == y.map { $0?.bitPattern })
            case (.double(let x), .double(let y)): #expect(x.map { $0?.bitPattern } == y.map { $0?.bitPattern })
            default: #expect(a == b)
            }
        }
    }
}
