import CivilTime
import Collector
import HTTP1Client
import Logging
@testable import SensorCommunity
import Synchronization
import Testing

@Suite struct SensorCommunityPushTests {
    static let endpoint = "https://api.sensor.community/v1/push-sensor-data/"

    @Test func bodiesAndHeadersAsTheFirmwareSendsThem() throws {
        let a = IntervalAverages(temperature: 21.456, humidity: 48.2, pressurePascals: 101_325.4, pm1: 3, pm25: 5.125, pm10: 7.1)
        let requests = SensorCommunityPush.requests(a, endpoint: Self.endpoint, nodeID: "10000000abcdef01", softwareVersion: "opensensor-0.1.0")
        #expect(requests.count == 2)
        let pms = requests[0], bme = requests[1]
        for r in requests {
            #expect(r.method == "POST")
            #expect(r.url == Self.endpoint)
            #expect(r.header("X-Sensor") == "raspi-10000000abcdef01")
            #expect(r.header("Content-Type") == "application/json")
        }
        #expect(pms.header("X-Pin") == "1")
        #expect(String(decoding: pms.body, as: UTF8.self) == #"{"software_version":"opensensor-0.1.0","sensordatavalues":[{"value_type":"P0","value":"3.00"},{"value_type":"P1","value":"7.10"},{"value_type":"P2","value":"5.13"}]}"#)
        #expect(bme.header("X-Pin") == "11")
        #expect(String(decoding: bme.body, as: UTF8.self) == #"{"software_version":"opensensor-0.1.0","sensordatavalues":[{"value_type":"temperature","value":"21.46"},{"value_type":"humidity","value":"48.20"},{"value_type":"pressure","value":"101325.40"}]}"#)
    }

    @Test func aSensorWithNoValueSendsNothing() {
        let onlyBME = SensorCommunityPush.requests(IntervalAverages(temperature: 20), endpoint: Self.endpoint, nodeID: "x", softwareVersion: "v")
        #expect(onlyBME.map { $0.header("X-Pin") } == ["11"])
        #expect(String(decoding: onlyBME[0].body, as: UTF8.self).contains(#"[{"value_type":"temperature","value":"20.00"}]"#))
        let onlyPM = SensorCommunityPush.requests(IntervalAverages(pm25: 1), endpoint: Self.endpoint, nodeID: "x", softwareVersion: "v")
        #expect(onlyPM.map { $0.header("X-Pin") } == ["1"])
        #expect(SensorCommunityPush.requests(IntervalAverages(), endpoint: Self.endpoint, nodeID: "x", softwareVersion: "v").isEmpty)
    }

    @Test func sensorHeaderKeepsAGivenPrefix() {
        #expect(SensorCommunityPush.sensorHeader("abc") == "raspi-abc")
        #expect(SensorCommunityPush.sensorHeader("raspi-abc") == "raspi-abc")
    }

    @Test func decimals() {
        #expect(SensorCommunityPush.decimal(0, places: 2) == "0.00")
        #expect(SensorCommunityPush.decimal(21.455, places: 2) == "21.46" || SensorCommunityPush.decimal(21.455, places: 2) == "21.45")
        #expect(SensorCommunityPush.decimal(-0.5, places: 2) == "-0.50")
        #expect(SensorCommunityPush.decimal(-0.001, places: 2) == "0.00")
        #expect(SensorCommunityPush.decimal(101_325, places: 2) == "101325.00")
        #expect(SensorCommunityPush.decimal(9.999, places: 2) == "10.00")
        #expect(SensorCommunityPush.decimal(.nan, places: 2) == "0")
    }

    @Test func averagesLeaveMissingValuesOut() {
        var sums = IntervalSums()
        var row = [Float?](repeating: nil, count: 19)
        row[0] = 20; row[2] = 1000; row[3] = 40; row[10] = 2; row[11] = 4; row[12] = 6
        sums.add(row)
        row[0] = 21; row[2] = nil; row[11] = nil
        sums.add(row)
        let a = sums.averages
        #expect(sums.readings == 2)
        #expect(a.temperature == 20.5)
        #expect(a.pressurePascals == 100_000)  // the one reading that had it, in Pa
        #expect(a.humidity == 40)
        #expect(a.pm25 == 4)
        #expect(a.pm1 == 2 && a.pm10 == 6)
    }
}

@Suite struct PiSerialTests {
    @Test func fromTheDeviceTree() {
        #expect(PiSerial.fromDeviceTree(Array("10000000ABCDEF01".utf8) + [0]) == "10000000abcdef01")
        #expect(PiSerial.fromDeviceTree([0]) == nil)
        #expect(PiSerial.fromDeviceTree(Array("not hex!".utf8)) == nil)
    }

    @Test func fromCPUInfo() {
        let pi = """
            processor\t: 0
            model name\t: ARMv7 Processor rev 4 (v7l)
            Hardware\t: BCM2835
            Revision\t: a02082
            Serial\t\t: 00000000d3adb33f
            Model\t\t: Raspberry Pi 3 Model B Rev 1.2
            """
        #expect(PiSerial.fromCPUInfo(pi) == "00000000d3adb33f")
        #expect(PiSerial.fromCPUInfo("processor\t: 0\nmodel name\t: Intel(R) Xeon(R)\n") == nil)
        #expect(PiSerial.fromCPUInfo("Serial\t\t: 0000000000000000\n") == nil)
    }

    @Test func deviceTreeFirstThenCPUInfo() {
        let files: [String: [UInt8]] = [
            "/proc/device-tree/serial-number": Array("aaaa".utf8) + [0], "/proc/cpuinfo": Array("Serial : bbbb\n".utf8),
        ]
        #expect(PiSerial.current(read: { files[$0] }) == "aaaa")
        #expect(PiSerial.current(read: { $0 == "/proc/cpuinfo" ? files[$0] : nil }) == "bbbb")
        #expect(PiSerial.current(read: { _ in nil }) == nil)
    }

    @Test func nodeIDRules() throws {
        #expect(try SensorCommunityOutlet.nodeID(configured: "abc", simulated: true, serial: { nil }) == "abc")
        #expect(try SensorCommunityOutlet.nodeID(configured: nil, simulated: false, serial: { "d3ad" }) == "d3ad")
        #expect(throws: SensorCommunityError.self) { try SensorCommunityOutlet.nodeID(configured: nil, simulated: true, serial: { "d3ad" }) }
        do {
            _ = try SensorCommunityOutlet.nodeID(configured: "", simulated: false, serial: { nil })
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("OPENSENSOR_SENSOR_COMMUNITY_SENSOR_ID"))
        }
    }
}

@Suite struct SensorCommunityOutletTests {
    /// Requests sent, and the statuses to answer in turn (then 200; 0 refuses the connection, -1
    /// answers nothing until the task is cancelled).
    final class Recorder: Sendable {
        let sent = Mutex<[HTTP1Request]>([])
        let answers: Mutex<[Int]>
        init(answers: [Int] = []) { self.answers = Mutex(answers) }
        func send(_ r: HTTP1Request) async throws -> HTTP1Response {
            sent.withLock { $0.append(r) }
            let status = answers.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
            if status == 0 { throw HTTPClientError(.connectFailed, "refused") }
            if status == -1 { try await Task.sleep(for: .seconds(3600)) }
            return HTTP1Response(status: status)
        }
    }

    static let start: Int64 = 1_780_000_000_000 - 1_780_000_000_000 % 145_000  // an interval's start

    static func reading(_ t: Int64, temperature: Float, pm25: Float?) -> Reading {
        var values = [Float?](repeating: nil, count: Reading.valueCount)
        values[0] = temperature
        values[2] = 1000
        values[3] = 50
        values[11] = pm25
        return Reading(timestamp: t, values: values)
    }

    func outlet(_ recorder: Recorder, clock: any WallClock) -> SensorCommunityOutlet {
        SensorCommunityOutlet(
            settings: .init(endpoint: "http://127.0.0.1:9/push", nodeID: "abc", softwareVersion: "v", intervalSeconds: 145),
            clock: clock, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }, send: recorder.send)
    }

    @Test func eachClosedIntervalIsPushedOnceWithItsOwnAverages() async {
        let recorder = Recorder()
        let o = outlet(recorder, clock: VirtualWallClock(start: Self.start))
        for i in 0..<29 { o.readingTaken(Self.reading(Self.start + Int64(i) * 5000, temperature: 20, pm25: 10)) }
        o.readingTaken(Self.reading(Self.start + 145_000, temperature: 30, pm25: nil))  // the next interval
        await o.pushClosed(before: Self.start + 145_000)
        #expect(recorder.sent.withLock { $0.count } == 2)
        let bodies = recorder.sent.withLock { $0.map { String(decoding: $0.body, as: UTF8.self) } }
        #expect(bodies[1].contains(#""temperature","value":"20.00""#))
        #expect(bodies[0].contains(#""P2","value":"10.00""#))
        // Pushed once: asking again sends nothing, and a late reading of that interval is not
        // pushed as an interval of its own.
        o.readingTaken(Self.reading(Self.start + 140_000, temperature: 99, pm25: 99))
        await o.pushClosed(before: Self.start + 145_000)
        #expect(recorder.sent.withLock { $0.count } == 2)
        // The next interval had no PM values: only the BME280 goes.
        await o.pushClosed(before: Self.start + 290_000)
        let last = recorder.sent.withLock { $0 }
        #expect(last.count == 3)
        #expect(last[2].header("X-Pin") == "11")
        #expect(String(decoding: last[2].body, as: UTF8.self).contains(#""temperature","value":"30.00""#))
    }

    @Test func failuresCostThatIntervalOnly() async {
        let recorder = Recorder(answers: [500, 0])
        let o = outlet(recorder, clock: VirtualWallClock(start: Self.start))
        o.readingTaken(Self.reading(Self.start, temperature: 20, pm25: 10))
        await o.pushClosed(before: Self.start + 145_000)  // 500, then a refused connection
        o.readingTaken(Self.reading(Self.start + 145_000, temperature: 21, pm25: 11))
        await o.pushClosed(before: Self.start + 290_000)
        let sent = recorder.sent.withLock { $0 }
        #expect(sent.count == 4)
        #expect(String(decoding: sent[3].body, as: UTF8.self).contains(#""temperature","value":"21.00""#))
    }

    @Test func boundedWhilePushesCannotKeepUp() async {
        let recorder = Recorder()
        let o = outlet(recorder, clock: VirtualWallClock(start: Self.start))
        for k in 0..<10 { o.readingTaken(Self.reading(Self.start + Int64(k) * 145_000, temperature: Float(k), pm25: nil)) }
        await o.pushClosed(before: Self.start + 10 * 145_000)
        let temps = recorder.sent.withLock { $0.map { String(decoding: $0.body, as: UTF8.self) } }
        #expect(temps.count == SensorCommunityOutlet.maxWindows)
        #expect(temps.last!.contains(#""value":"9.00""#))
    }

    /// The stop cancels a push waiting on a silent server: an interval none of whose requests
    /// went out is kept for the last push; one half sent is not sent twice.
    @Test(arguments: [(answers: [-1], pins: ["1", "1", "11"]), (answers: [200, -1], pins: ["1", "11"])])
    func aPushCutShortByTheStop(_ c: (answers: [Int], pins: [String])) async throws {
        let recorder = Recorder(answers: c.answers)
        let o = outlet(recorder, clock: VirtualWallClock(start: Self.start))
        o.readingTaken(Self.reading(Self.start, temperature: 20, pm25: 10))
        let pushing = Task { await o.pushClosed(before: Self.start + 145_000) }
        while recorder.sent.withLock({ $0.count }) < c.answers.count { try await Task.sleep(for: .milliseconds(5)) }
        pushing.cancel()
        await pushing.value
        await o.pushClosed(before: Self.start + 145_000)  // the last push, after the collector stopped
        #expect(recorder.sent.withLock { $0.map { $0.header("X-Pin") ?? "?" } } == c.pins)
    }

    @Test func runPushesOnTheClockAndOnStop() async throws {
        let recorder = Recorder()
        let clock = VirtualWallClock(start: Self.start + 1000)
        let o = outlet(recorder, clock: clock)
        o.readingTaken(Self.reading(Self.start + 1000, temperature: 20, pm25: nil))
        let task = Task { await o.run() }
        // The virtual clock jumps to the close of the interval plus the grace at once.
        while recorder.sent.withLock({ $0.count }) < 1 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(clock.nowMillis() >= Self.start + 145_000 + 2500)
        task.cancel()
        await task.value
        #expect(recorder.sent.withLock { $0.count } >= 1)
    }
}
