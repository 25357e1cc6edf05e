// CPU time and bytes of encoding and writing a batch file, per codec: CSV parsing and fsync
// excluded, as in the pyarrow side of Benchmarks/run-parquet.sh. Prints one JSON line per case.
//
//   ParquetBenchmark CSV OUTPUT_DIR [ITERATIONS] [CODECS]   (CODECS: e.g. snappy,zstd:3)

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
    guard let codec = Compression(name: codecName) else {
        print("unknown codec \(codecName)")
        exit(2)
    }
    let out = "\(outDir)/\(name).\(codecName.replacingColons).swift.parquet"
    var bytes = 0
    var samples: [Double] = []
    for _ in 0..<iterations {
        let t0 = cpuSeconds()
        var writer = ParquetWriter(schema: LakeSchemas.sensor, options: WriterOptions(compression: codec))
        try writer.write(columns)
        let file = writer.finish()
        try ParquetFile.write(file, to: out, durable: false)
        samples.append(cpuSeconds() - t0)
        bytes = file.count
    }
    samples.sort()
    let median = samples[samples.count / 2] * 1000
    print("{\"file\":\"\(name)\",\"codec\":\"\(codecName)\",\"bytes\":\(bytes),\"cpu_ms\":\(median),\"iterations\":\(iterations)}")
}

extension String {
    var replacingColons: String { String(map { $0 == ":" ? "-" : $0 }) }
}
