// swift-tools-version:6.1
// The opensensor package. Targets and what each may import: docs/ARCHITECTURE.md §3 — imports
// flow one way, drivers never see Linux, and only the executable wires real devices, stores and
// logging together.
//
// Linux only (glibc or musl): the station talks to i2c-dev, termios, the GPIO character device
// and systemd, and the file code relies on Linux calls (renameat2, fdatasync, st_mtim). So no
// `platforms:` line: SwiftPM has none for Linux, and naming an Apple platform would claim a port
// that does not exist.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

/// The station binary's own targets: each function in a section of its own in release builds, so
/// the linker can place the code `start` runs together (the executable target's linker settings
/// say why). Not for the targets of library products (Parquet, Snappy, HALTesting): unsafe flags
/// would keep other packages from depending on them.
let station: [SwiftSetting] = strict + [
    .unsafeFlags(["-Xfrontend", "-function-sections"], .when(platforms: [.linux], configuration: .release)),
]

let package = Package(
    name: "opensensor",
    products: [
        .executable(name: "opensensor", targets: ["opensensor"]),
        .library(name: "Parquet", targets: ["Parquet"]),
        .library(name: "Snappy", targets: ["Snappy"]),
        .library(name: "HALTesting", targets: ["HALTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.36.0"),
        // Already linked through Hummingbird; the station's runtime is built on it.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // No traits: the defaults link full Foundation (docs/ARCHITECTURE.md §7: +6 MiB RSS).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: []),
    ],
    targets: [
        // MARK: Leaves every floor may use
        // Durable file work: whole-file reads, folder listings, atomic writes, EINTR.
        .target(name: "DurableFiles", dependencies: ["CLinuxShims"], swiftSettings: station),
        // The calendar and the clock: days and civil dates, ISO-8601, time-zone rules.
        .target(name: "CivilTime", swiftSettings: station),
        // JSON text: string escaping and numbers, and the writer every JSON output goes through.
        .target(name: "JSONText", swiftSettings: station),

        // MARK: Hardware
        .target(name: "HAL", swiftSettings: station),
        .target(name: "HALTesting", dependencies: ["HAL"], swiftSettings: strict),
        .target(name: "CLinuxShims"),
        .target(name: "LinuxHAL", dependencies: ["HAL", "CLinuxShims", "DurableFiles"], swiftSettings: station),
        .target(name: "Drivers", dependencies: ["HAL"], swiftSettings: station),

        // MARK: Storage formats
        .target(name: "Snappy", swiftSettings: strict),
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "Parquet", dependencies: ["Snappy", "CZlib", "DurableFiles"], swiftSettings: strict),
        .target(name: "Lake", dependencies: ["Parquet", "DurableFiles", "CivilTime", "JSONText", "ObjectStore"], swiftSettings: station),

        // MARK: Object storage
        .target(name: "AWSSigV4", dependencies: ["CivilTime"], swiftSettings: station),
        .target(name: "ObjectStore", dependencies: ["DurableFiles"], swiftSettings: station),
        // HTTP/1.1 over SwiftNIO with TLS; knows nothing of object stores.
        .target(
            name: "HTTP1Client",
            dependencies: [
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: station),
        // MQTT 3.1.1 over SwiftNIO with TLS; knows nothing of sensors.
        .target(
            name: "MQTT",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: station),
        .target(name: "S3ObjectStore", dependencies: ["ObjectStore", "AWSSigV4", "CivilTime", "HTTP1Client"], swiftSettings: station),

        // MARK: The station, by concern (docs/ARCHITECTURE.md §3)
        .target(
            name: "Config",
            dependencies: ["Parquet", "ObjectStore", "DurableFiles", "CivilTime"],
            swiftSettings: station),
        .target(
            name: "Collector",
            dependencies: ["HAL", "Drivers", "Lake", "Parquet", "Config", "DurableFiles", "CivilTime",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: station),
        .target(
            name: "LakeSync",
            dependencies: ["Lake", "Compaction", "ObjectStore", "Config", "DurableFiles", "CivilTime",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: station),
        // Daily compaction: one day file per station-day, over the object-store protocol.
        .target(name: "Compaction", dependencies: ["Lake", "Parquet", "ObjectStore", "CivilTime"], swiftSettings: station),
        .target(
            name: "Systemd",
            dependencies: ["Config", "DurableFiles", .product(name: "Logging", package: "swift-log")],
            swiftSettings: station),
        .target(
            name: "StationRuntime",
            dependencies: ["Collector", "LakeSync", "Systemd", "Config", "Lake", "DurableFiles", "CivilTime",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "UnixSignals", package: "swift-service-lifecycle")],
            swiftSettings: station),

        // MARK: Outlets: readings out of the station besides the lake
        // Prometheus's text exposition format and the sensor columns' gauges; pure.
        .target(name: "PrometheusText", dependencies: ["DurableFiles"], swiftSettings: station),
        .target(
            name: "StationMetrics",
            dependencies: ["Collector", "PrometheusText",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Logging", package: "swift-log")],
            swiftSettings: station),
        .target(
            name: "SensorCommunity",
            dependencies: ["Collector", "HTTP1Client", "JSONText", "CivilTime", "Lake", "DurableFiles",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: station),

        // Readings to an MQTT broker, with Home Assistant discovery (a ReadingOutlet).
        .target(
            name: "MQTTOutlet",
            dependencies: ["MQTT", "Collector", "Config", "Lake", "CivilTime", "JSONText",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: station),

        // MARK: The screen
        // The Enviro+ screen's pages: frame buffer, font, sparklines, PNG; knows nothing of devices.
        .target(name: "Display", dependencies: ["CZlib", "DurableFiles", "Lake"], swiftSettings: station),
        // The screen in the station: readings to pages, the panel, proximity taps, the backlight.
        .target(
            name: "StationDisplay",
            dependencies: ["Display", "Collector", "Drivers", "HAL", .product(name: "Logging", package: "swift-log")],
            swiftSettings: station),

        // MARK: The dashboard
        .target(
            name: "Dashboard",
            dependencies: ["Lake", "Parquet", "CivilTime", "JSONText", "PrometheusText", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: station),

        // MARK: The binary
        .executableTarget(
            name: "opensensor",
            dependencies: [
                "Parquet", "Lake", "HAL", "HALTesting", "LinuxHAL", "Drivers", "ObjectStore", "S3ObjectStore", "Dashboard", "JSONText",
                "Config", "Collector", "LakeSync", "Systemd", "StationRuntime", "DurableFiles", "CivilTime", "Compaction",
                "HTTP1Client", "StationMetrics", "SensorCommunity", "MQTTOutlet", "Display", "StationDisplay",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: station,
            // The station's binary, linked so that starting it touches less memory (docs/ARCHITECTURE.md §7,
            // measured by Benchmarks/run-startup.sh and run-collector.sh):
            // - not position-independent: a PIE's 75,000 relative relocations (1.8 MB of
            //   .rela.dyn) are read, and the pages they patch dirtied, at every start; this saves
            //   about 1.9 MiB, at the cost of a fixed load address for the executable's own image
            //   (libraries, stack and heap stay randomised). Packed relocations (DT_RELR) would keep
            //   PIE but need glibc 2.36, which Ubuntu 22.04 does not have.
            // - no exported symbols: --static-swift-stdlib exports every public symbol of every
            //   module (-export-dynamic); nothing loads plugins or looks our symbols up, and the
            //   dynamic symbol table it builds (1 MB) is paged in by the loader; about 1.4 MiB.
            // - the code `start` runs placed first and together (scripts/linker/hot-text.sh makes the
            //   list): a fault on one page of code maps its neighbours too, so hot code scattered
            //   over 20 MB of text kept about 9 MB of it resident; packed, about 1 MB is.
            linkerSettings: [
                .unsafeFlags(["-Xclang-linker", "-no-pie", "-Xlinker", "--no-export-dynamic",
                              "-Xlinker", "--section-ordering-file=\(Context.packageDirectory)/scripts/linker/hot-text.order"],
                             .when(platforms: [.linux], configuration: .release)),
            ]),

        // MARK: Benchmarks (run by Benchmarks/run-parquet.sh, not by the tests)
        .executableTarget(
            name: "ParquetBenchmark", dependencies: ["Parquet", "Lake"], path: "Benchmarks/ParquetBenchmark",
            swiftSettings: strict),

        // MARK: Tests — one target per library target
        .testTarget(name: "SnappyTests", dependencies: ["Snappy"], swiftSettings: strict),
        .testTarget(name: "ParquetTests", dependencies: ["Parquet", "Snappy"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "LakeTests", dependencies: ["TestSupport", "Lake", "Parquet", "CivilTime", "ObjectStore"], swiftSettings: strict),
        .testTarget(name: "HALTests", dependencies: ["HAL"], swiftSettings: strict),
        .testTarget(name: "HALTestingTests", dependencies: ["HAL", "HALTesting"], swiftSettings: strict),
        .testTarget(name: "LinuxHALTests", dependencies: ["HAL", "LinuxHAL", "CLinuxShims"], swiftSettings: strict),
        .testTarget(name: "DriversTests", dependencies: ["Drivers", "HAL", "HALTesting"], resources: [.copy("Fixtures")], swiftSettings: strict),
        // What several test targets share (fakes, a captured log): a library, not a test target.
        .target(
            name: "TestSupport",
            dependencies: ["Drivers", "HAL", "DurableFiles", "MQTT", .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            path: "Tests/TestSupport", swiftSettings: strict),
        .testTarget(name: "DurableFilesTests", dependencies: ["DurableFiles"], swiftSettings: strict),
        .testTarget(name: "JSONTextTests", dependencies: ["JSONText"], swiftSettings: strict),
        .testTarget(name: "CivilTimeTests", dependencies: ["CivilTime"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "Parquet", "DurableFiles"], swiftSettings: strict),
        .testTarget(
            name: "CollectorTests",
            dependencies: ["TestSupport", "Collector", "Config", "Lake", "Parquet", "Drivers", "HAL", "HALTesting", "CivilTime", "DurableFiles",
                           .product(name: "Logging", package: "swift-log")],
            resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(
            name: "LakeSyncTests",
            dependencies: ["TestSupport", "LakeSync", "Compaction", "Config", "Lake", "Parquet", "ObjectStore", "CivilTime", "DurableFiles",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(name: "SystemdTests", dependencies: ["TestSupport", "Systemd", "Config", .product(name: "Logging", package: "swift-log")], swiftSettings: strict),
        .testTarget(
            name: "StationRuntimeTests",
            dependencies: ["TestSupport", "StationRuntime", "Collector", "LakeSync", "Systemd", "Config", "CivilTime", "Drivers", "HAL", "Parquet",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")],
            swiftSettings: strict),
        .testTarget(name: "AWSSigV4Tests", dependencies: ["AWSSigV4"], swiftSettings: strict),
        .testTarget(name: "ObjectStoreTests", dependencies: ["ObjectStore"], swiftSettings: strict),
        .testTarget(
            name: "DashboardTests",
            dependencies: ["Dashboard", "Lake", "Parquet", "CivilTime", "ObjectStore", .product(name: "HummingbirdTesting", package: "hummingbird")],
            resources: [.copy("Fixtures")],
            swiftSettings: strict),
        .testTarget(
            name: "HTTP1ClientTests",
            dependencies: ["HTTP1Client", .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl")],
            swiftSettings: strict),
        .testTarget(name: "PrometheusTextTests", dependencies: ["PrometheusText", "Lake"], swiftSettings: strict),
        .testTarget(
            name: "StationMetricsTests",
            dependencies: ["StationMetrics", "PrometheusText", "Collector", "HTTP1Client", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "SensorCommunityTests",
            dependencies: ["SensorCommunity", "Collector", "HTTP1Client", "CivilTime", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(
            name: "CompactionTests", dependencies: ["TestSupport", "Compaction", "Lake", "Parquet", "ObjectStore", "CivilTime"],
            swiftSettings: strict),
        .testTarget(
            name: "MQTTTests",
            dependencies: ["TestSupport", "MQTT"],
            swiftSettings: strict),
        .testTarget(
            name: "MQTTOutletTests",
            dependencies: ["TestSupport", "MQTTOutlet", "MQTT", "Collector", "Config", "CivilTime", "Lake", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        // The page images are read from the source tree by path (and rewritten there on request), not bundled.
        .testTarget(name: "DisplayTests", dependencies: ["Display", "CZlib", "Lake"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(
            name: "StationDisplayTests",
            dependencies: ["StationDisplay", "Display", "Collector", "Drivers", "HAL", "HALTesting", "TestSupport",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict),
        .testTarget(name: "S3ObjectStoreTests", dependencies: ["S3ObjectStore", "ObjectStore", "AWSSigV4", "CivilTime", "HTTP1Client"], swiftSettings: strict),
    ]
)
