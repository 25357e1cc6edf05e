import Testing
@testable import Dashboard

@Suite struct ChartNumberTextTests {
    @Test func roundsHalfAwayFromZeroOnTheDecimalForm() {
        #expect(NumberText.format(21.349, decimals: 2) == "21.35")
        #expect(NumberText.format(0.05, decimals: 1) == "0.1")
        #expect(NumberText.format(0.15, decimals: 1) == "0.2")
        #expect(NumberText.format(0.25, decimals: 1) == "0.3")
        #expect(NumberText.format(2.675, decimals: 2) == "2.68")
        #expect(NumberText.format(0.04999, decimals: 1) == "0.0")
        #expect(NumberText.format(9.995, decimals: 2) == "10.00")
        #expect(NumberText.format(99.96, decimals: 1) == "100.0")
        #expect(NumberText.format(0.5, decimals: 0) == "1")
        #expect(NumberText.format(0.000123, decimals: 5) == "0.00012")
        #expect(NumberText.format(0.00015, decimals: 4) == "0.0002")
    }

    @Test func negativesAndNoMinusZero() {
        #expect(NumberText.format(-0.5, decimals: 1) == "-0.5")
        #expect(NumberText.format(-0.05, decimals: 1) == "-0.1")
        #expect(NumberText.format(-0.04, decimals: 1) == "0.0")
        #expect(NumberText.format(-0.0, decimals: 2) == "0.00")
        #expect(NumberText.format(-0.0, decimals: 0) == "0")
        #expect(NumberText.format(-0.4, decimals: 0) == "0")
        #expect(NumberText.format(-0.5, decimals: 0) == "-1")
        #expect(NumberText.format(-12.345, decimals: 2) == "-12.35")
        #expect(NumberText.format(-1e-300, decimals: 3) == "0.000")
    }

    @Test func integersPaddingAndLargeValues() {
        #expect(NumberText.format(123, decimals: 0) == "123")
        #expect(NumberText.format(5, decimals: 2) == "5.00")
        #expect(NumberText.format(1e20, decimals: 0) == "100000000000000000000")
        #expect(NumberText.format(1234567.891, decimals: 2) == "1234567.89")
        #expect(NumberText.format(-9.87654321e12, decimals: 1) == "-9876543210000.0")
        let huge = NumberText.format(.greatestFiniteMagnitude, decimals: 0)
        #expect(huge.hasPrefix("17976931348623157") && huge.count == 309)
        #expect(NumberText.format(.leastNonzeroMagnitude, decimals: 2) == "0.00")
        #expect(NumberText.format(1.5, decimals: -3) == "2")
    }

    @Test func nonFinite() {
        #expect(NumberText.format(.nan, decimals: 1) == "NaN")
        #expect(NumberText.format(.infinity, decimals: 1) == "∞")
        #expect(NumberText.format(-.infinity, decimals: 1) == "-∞")
    }

    @Test func tenthsForCoordinates() {
        func tenths(_ v: Double) -> String {
            var out: [UInt8] = []
            NumberText.appendTenths(v, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(tenths(12.34) == "12.3")
        #expect(tenths(12.35) == "12.4")
        #expect(tenths(7.0) == "7")
        #expect(tenths(-0.04) == "0")
        #expect(tenths(-0.46) == "-0.5")
        #expect(tenths(0) == "0")
        #expect(tenths(519.96) == "520")
        #expect(tenths(.nan) == "0")
    }

    @Test func integers() {
        func int(_ v: Int64) -> String {
            var out: [UInt8] = []
            NumberText.appendInt(v, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        for v: Int64 in [0, 7, 10, -10, 1_780_491_900_000, .max, .min, -1] { #expect(int(v) == String(v)) }
    }
}

@Suite struct ChartNumberTextAgreementTests {
    /// The binary fast path must give the same text as the decimal slow path.
    @Test func fastPathAgreesWithDecimalRounding() {
        var rng = ChartRNG(state: 3)
        for _ in 0..<20_000 {
            let decimals = Int.random(in: 0...6, using: &rng)
            let scale = [1e-4, 0.1, 1, 100, 1e5, 1e8].randomElement(using: &rng)!
            var v = Double.random(in: -1...1, using: &rng) * scale
            // Every fourth value is a decimal with a trailing 5 — the halfway cases.
            if Int.random(in: 0..<4, using: &rng) == 0 {
                v = Double(Int.random(in: -99_999...99_999, using: &rng) * 10 + 5) / NumberText.powers[min(decimals + 1, 6)]
            }
            var out: [UInt8] = []
            NumberText.appendFixed(v, decimals: decimals, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == NumberText.slowFormat(v, places: decimals), "\(v) to \(decimals)")
        }
    }
}
