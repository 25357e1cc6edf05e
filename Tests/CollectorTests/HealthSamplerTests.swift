import Foundation
import CivilTime
import Config
import DurableFiles
import TestSupport
import Testing
import Collector

/// Scripted answers for the system calls, so fixture trees run without touching this machine.
struct FakeHealthSystemCalls: HealthSystemCalls {
    var spaces: [String: FileSystemSpace] = [:]
    var clock: KernelClockState?
    var ssids: [String: String] = [:]
    var addresses: [InterfaceAddress] = []

    func fileSystemSpace(atPath path: String) -> FileSystemSpace? { spaces[path] }
    func kernelClock() -> KernelClockState? { clock }
    func wirelessSSID(interface: String) -> String? { ssids[interface] }
    func ipv4Addresses() -> [InterfaceAddress] { addresses }
}

enum HealthFixtures {
    static func root(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures/health"))
        return url.path
    }

    /// A Pi on Wi-Fi with NTP synchronised, writing to a 32 GiB card that is a quarter full.
    static let piSystem = FakeHealthSystemCalls(
        spaces: ["/home/pi/output": FileSystemSpace(totalBytes: 32 << 30, availableBytes: 24 << 30)],
        clock: KernelClockState(status: 0x2001, offset: 1_234_567, maxErrorMicroseconds: 12_000),
        ssids: ["wlan0": "field-station"],
        addresses: [
            InterfaceAddress(interface: "lo", address: "127.0.0.1", isUp: true, isLoopback: true),
            InterfaceAddress(interface: "eth0", address: "10.0.0.5", isUp: false, isLoopback: false),
            InterfaceAddress(interface: "wlan0", address: "192.168.1.42", isUp: true, isLoopback: false),
        ])
}

@Suite struct HealthSamplerFixtureTests {
    @Test func raspberryPiTreeGivesExactValues() throws {
        let sampler = HealthSampler(outputDirectory: "/home/pi/output", root: try HealthFixtures.root("pi"),
                                    system: HealthFixtures.piSystem)
        let s = sampler.sample(at: 1_764_400_000_123)
        #expect(s.timestamp == 1_764_400_000_123)
        #expect(s.cpuTempC == 48.692)
        #expect(s.cpuLoad1min == 0.42)
        #expect(s.cpuLoad5min == 0.31)
        #expect(s.cpuLoad15min == 0.27)
        // MemTotal 3882384 kB, MemAvailable 3301220 kB.
        #expect(s.memoryTotalMB == 3791.390625)
        #expect(s.memoryAvailableMB == 3223.84765625)
        #expect(abs(try #require(s.memoryPercentUsed) - 14.969256003527729) < 1e-9)
        #expect(s.diskTotalGB == 32)
        #expect(s.diskFreeGB == 24)
        #expect(s.diskPercentUsed == 25)
        // /proc/net/wireless: quality 56 of 70, level -54 dBm.
        #expect(s.wifiQualityPercent == 80)
        #expect(s.wifiSignalDbm == -54)
        #expect(s.wifiSSID == "field-station")
        // The first interface that is up and not loopback.
        #expect(s.ipAddress == "192.168.1.42")
        // STA_PLL | STA_NANO with 1 234 567 ns left to slew.
        #expect(s.clockSynced == true)
        #expect(abs(try #require(s.ntpOffsetMs) - 1.234567) < 1e-12)
        #expect(s.uptimeSeconds == 86412.57)
        // BAT0 discharging; the offline mains adapter does not count.
        #expect(s.powerSource == "battery")
        #expect(s.batteryPercent == 87)
        // Under-voltage has occurred (bit 16) but is not present (bit 0): no override.
        #expect(s.throttledHex == "0x50000")
        // hwmon2 in1 is labelled VDD_CORE: 880 mV.
        #expect(s.cpuVoltageV == 0.88)
    }

    @Test func raspberryPi5FirmwareNodeAndUnderVoltage() throws {
        var system = FakeHealthSystemCalls()
        system.clock = KernelClockState(status: 0x0001, offset: -250, maxErrorMicroseconds: 40_000)
        let s = HealthSampler(outputDirectory: "/data", root: try HealthFixtures.root("pi5"), system: system).sample(at: 0)
        #expect(s.throttledHex == "0x50005")
        // Bit 0 (under-voltage now) overrides the UPS's "Full" → "mains", as the Python collector does.
        #expect(s.powerSource == "under-voltage")
        #expect(s.batteryPercent == nil)
        // rpi_volt only carries an alarm: no core voltage.
        #expect(s.cpuVoltageV == nil)
        // Unsigned level 190 → 190 − 256; quality 75 of 70 is capped.
        #expect(s.wifiSignalDbm == -66)
        #expect(s.wifiQualityPercent == 100)
        #expect(s.wifiSSID == nil)
        // Microseconds without STA_NANO.
        #expect(s.clockSynced == true)
        #expect(s.ntpOffsetMs == -0.25)
    }

    @Test(arguments: [
        KernelClockState(status: 0x0041, offset: 500, maxErrorMicroseconds: 16_000_000),  // STA_UNSYNC
        KernelClockState(status: 0x0001, offset: 500, maxErrorMicroseconds: 16_000_000),  // error at the 16 s limit
        KernelClockState(status: 0x0040, offset: 0, maxErrorMicroseconds: 100),           // STA_UNSYNC alone
    ])
    func unsynchronisedClockHasNoOffset(clock: KernelClockState) throws {
        let system = FakeHealthSystemCalls(clock: clock)
        let s = HealthSampler(outputDirectory: "/x", root: try HealthFixtures.root("pi"), system: system).sample(at: 0)
        #expect(s.clockSynced == false)
        #expect(s.ntpOffsetMs == nil)
    }

    @Test func diskWalksUpToTheNearestExistingParent() throws {
        let system = FakeHealthSystemCalls(spaces: ["/mnt/usb": FileSystemSpace(totalBytes: 8 << 30, availableBytes: 2 << 30)])
        let s = HealthSampler(outputDirectory: "/mnt/usb/output/not-yet/", root: "/nonexistent-root", system: system).sample(at: 0)
        #expect(s.diskTotalGB == 8)
        #expect(s.diskFreeGB == 2)
        #expect(s.diskPercentUsed == 75)

        let relative = FakeHealthSystemCalls(spaces: [".": FileSystemSpace(totalBytes: 0, availableBytes: 0)])
        let r = HealthSampler(outputDirectory: "output", root: "/nonexistent-root", system: relative).sample(at: 0)
        // A zero-sized file system reports 0 % used, as the Python collector does.
        #expect(r.diskTotalGB == 0)
        #expect(r.diskPercentUsed == 0)
    }

    @Test func loopbackOnlyGivesNoAddress() throws {
        let system = FakeHealthSystemCalls(addresses: [
            InterfaceAddress(interface: "lo", address: "127.0.0.1", isUp: true, isLoopback: true),
            InterfaceAddress(interface: "dummy0", address: "127.0.1.1", isUp: true, isLoopback: false),
        ])
        let s = HealthSampler(outputDirectory: "/x", root: "/nonexistent-root", system: system).sample(at: 0)
        #expect(s.ipAddress == nil)
    }

    @Test func emptyRootGivesOnlyTheTimestamp() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("health-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: empty) }
        let s = HealthSampler(outputDirectory: "/x", root: empty.path, system: FakeHealthSystemCalls()).sample(at: 42)
        #expect(s == HealthSample(timestamp: 42))
    }

    @Test func garbageGivesNilsNotACrash() throws {
        let s = HealthSampler(outputDirectory: "/x", root: try HealthFixtures.root("garbage"), system: FakeHealthSystemCalls()).sample(at: 7)
        #expect(s.cpuTempC == nil)
        #expect(s.cpuLoad1min == nil && s.cpuLoad5min == nil && s.cpuLoad15min == nil)
        #expect(s.memoryTotalMB == nil && s.memoryAvailableMB == nil && s.memoryPercentUsed == nil)
        #expect(s.uptimeSeconds == nil)
        #expect(s.wifiQualityPercent == nil)
        #expect(s.wifiSignalDbm == nil)
        #expect(s.throttledHex == nil)
        #expect(s.batteryPercent == nil)
        #expect(s.powerSource == nil)
        #expect(s.cpuVoltageV == nil)
        #expect(s == HealthSample(timestamp: 7))
    }
}

@Suite struct HealthSamplerLiveTests {
    /// This machine: only what every Linux has (load, memory, uptime, disk).
    @Test func liveLinuxHasLoadMemoryUptimeAndDisk() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("health-live-\(UUID().uuidString)/output")
        // The directory does not exist: the disk metrics come from its nearest existing parent.
        let s = HealthSampler(outputDirectory: dir.path).sample(at: 1)
        let load = try #require(s.cpuLoad1min)
        #expect(load >= 0 && load < 10_000)
        #expect(try #require(s.cpuLoad15min) >= 0)
        let total = try #require(s.memoryTotalMB)
        #expect(total > 16)
        #expect(try #require(s.memoryAvailableMB) <= total)
        let percent = try #require(s.memoryPercentUsed)
        #expect(percent >= 0 && percent <= 100)
        #expect(try #require(s.uptimeSeconds) > 0)
        let diskTotal = try #require(s.diskTotalGB)
        #expect(diskTotal > 0)
        #expect(try #require(s.diskFreeGB) <= diskTotal)
        let diskPercent = try #require(s.diskPercentUsed)
        #expect(diskPercent >= 0 && diskPercent <= 100)
    }
}
