// CPU time and bytes of encoding and writing a batch or day file, per codec: CSV parsing and
// fsync excluded, as in the pyarrow side of Benchmarks/run-parquet.sh. Prints one JSON line per
// case.
//
//   ParquetBenchmark CSV OUTPUT_DIR [ITERATIONS] [CODECS]   (CODECS: e.g. snappy,zstd:3,day)

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Lake
import Parquet

func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

let args = CommandLine.arguments
guard args.count >= 3 else {
    print("usage: ParquetBenchmark CSV OUTPUT_DIR [ITERATIONS]")
    exit(2)
}
let csvPath = args[1], outDir = args[2]
let iterations = args.count > 3 ? Int(args[3]) ?? 200 : 200
let text = String(decoding: try ParquetFile.readAll(csvPath), as: UTF8.self)
let columns = try CSVImport.columns(of: text, schema: LakeSchemas.sensor)
let base = String(csvPath.split(separator: "/").last!)
let name = base.hasSuffix(".csv") ? String(base.dropLast(4)) : base

let codecNames = args.count > 4 ? args[4].split(separator: ",").map(String.init) : ["snappy", "zstd", "gzip", "none"]
for codecName in codecNames {
    guard let options = benchmarkOptions(codecName) else {
        print("unknown codec \(codecName)")
        exit(2)
    }
    let out = "\(outDir)/\(name).\(codecName.replacingColons).swift.parquet"
    var bytes = 0
    var samples: [Double] = []
    for _ in 0..<iterations {
        let t0 = cpuSeconds()
        var writer = ParquetWriter(schema: LakeSchemas.sensor, options: options)
        try writer.write(columns)
        let file = writer.finish()
        try ParquetFile.write(file, to: out, durable: false)
        samples.append(cpuSeconds() - t0)
        bytes = file.count
    }
    samples.sort()
    let median = samples[samples.count / 2] * 1000
    print("{\"file\":\"\(name)\",\"codec\":\"\(codecName)\",\"compression\":\"\(options.compression)\",\"bytes\":\(bytes),\"cpu_ms\":\(median),\"iterations\":\(iterations)}")
}

/// A codec name, or `day` for the day-file preset, optionally `day+compared` (encodings chosen
/// by compressed size) and `day+onegroup` (no 6-hour row groups), to show what each costs.
func benchmarkOptions(_ name: String) -> WriterOptions? {
    let parts = name.split(separator: "+")
    guard parts.first == "day" else {
        return parts.count == 1 ? Compression(name: name).map { WriterOptions(compression: $0) } : nil
    }
    var options = WriterOptions.dayFile
    for modifier in parts.dropFirst() {
        switch modifier {
        case "compared": options.encodingByCompressedSize = true
        case "onegroup": options.rowGroupSpanMilliseconds = nil
        default: return nil
        }
    }
    return options
}

extension String {
    var replacingColons: String { String(map { $0 == ":" ? "-" : $0 }) }
}
