import HAL
import Testing

@Suite struct HALTests {
    @Test func busErrorDescriptionNamesOperationMessageAndErrno() {
        let e = BusError(kind: .permission, operation: "open(/dev/i2c-1)", errno: 13, message: "join group i2c")
        #expect(e.description == "open(/dev/i2c-1): join group i2c (errno 13)")
        let plain = BusError(kind: .timeout, operation: "read", message: "nothing arrived")
        #expect(plain.description == "read: nothing arrived")
        #expect(e != plain)
    }

    @Test func transactionsDescribeThemselvesInHex() {
        #expect(I2CTransaction.writeRead(address: 0x76, bytes: [0xD0], result: [0x60]).description == "writeRead @0x76 [D0] 1 -> [60]")
        #expect(I2CTransaction.write(address: 0x23, bytes: [0x80, 0x02]).description == "write @0x23 [80 02]")
        #expect(I2CTransaction.read(address: 0x49, result: [0x85, 0x83]).address == 0x49)
    }

    @Test func durationSecondsIncludesFractions() {
        #expect(Duration.milliseconds(1500).seconds == 1.5)
        #expect(Duration.microseconds(1042).seconds == 0.001042)
    }

    @Test func timestampsCompareAndConvert() {
        let a = Timestamp(millisecondsSinceEpoch: 1_700_000_000_123)
        let b = Timestamp(millisecondsSinceEpoch: 1_700_000_000_124)
        #expect(a < b)
        #expect(a.secondsSinceEpoch == 1_700_000_000.123)
    }

    @Test func serialDefaultsAre9600_8N1() {
        let c = SerialConfiguration.nineSixHundred8N1
        #expect(c.baudRate == 9600 && c.dataBits == 8 && c.parity == .none && c.stopBits == 1)
    }

    @Test func systemClockMovesForwardAndSleeps() async throws {
        let clock = SystemClock()
        let before = clock.now()
        try await clock.sleep(for: .milliseconds(2))
        #expect(clock.now() - before >= .milliseconds(2))
    }
}
