import Drivers
import HAL
import HALTesting
import Testing

/// Record a driver's traffic against the register-file fakes, then replay it through the strict
/// playback: the driver's transaction sequence is deterministic and complete, and a driver that
/// adds, drops or changes a transaction fails.
@Suite struct TranscriptTests {
    @Test(arguments: Vectors.cases("bme280"))
    func bme280ReplaysItsOwnTranscript(_ vector: VectorCase) async throws {
        let clock = VirtualClock()
        let recorder = I2CRecorder(FakeI2CBus([fakeBME280(image: image(vector.json["register_image"]), clock: clock)]))
        let first = BME280(device: recorder.device(at: 0x76), clock: clock)
        try await first.setUp()
        let expected = try await first.read()

        let playback = I2CPlayback(transactions: recorder.transactions)
        let second = BME280(device: playback.device(at: 0x76), clock: VirtualClock())
        try await second.setUp()
        #expect(try await second.read() == expected)
        try playback.verify()
    }

    @Test func playbackCatchesAMissingSetUpStep() async throws {
        let c = Vectors.cases("ltr559")[0].json
        let recorder = I2CRecorder(FakeI2CBus([fakeLTR559(image: image(c["register_image"]))]))
        let driver = LTR559(device: recorder.device(at: 0x23), clock: VirtualClock())
        try await driver.setUp()
        // A transcript with one write removed no longer matches the driver.
        var script = recorder.transactions
        let i = try #require(script.firstIndex(of: .write(address: 0x23, bytes: [0x82, 0x1B])))
        script.remove(at: i)
        let playback = I2CPlayback(transactions: script)
        let replay = LTR559(device: playback.device(at: 0x23), clock: VirtualClock())
        await #expect(throws: SensorError.self) { try await replay.setUp() }
        #expect(throws: FakeFailure.self) { try playback.verify() }
    }
}
