/// The SGX MICS-6814 gas sensor as wired on the Enviro+: each element in series with a 56 kΩ
/// load resistor across 3.3 V, the ADC measuring the voltage over the element's side
/// (V = 3.3 · R / (R + 56 kΩ)), so R = V · 56 kΩ / (3.3 − V).
///
/// Channels: in0 oxidising (NO2), in1 reducing (CO), in2 NH3.
///
/// Deviation from the reference (enviroplus gas.py and the Python collector), and why: they
/// return 0 when V is exactly 3.3 (division by zero) and a negative resistance when V > 3.3 or
/// V < 0. Neither is a resistance the divider can produce, so this returns nil (the reading
/// then records an out-of-range error instead of storing a made-up value).
public enum MICS6814 {
    /// The Enviro+ load resistor, ohms.
    public static let loadResistance = 56_000.0
    /// The divider's supply, volts.
    public static let supply = 3.3

    /// The gas element's resistance in ohms, or nil when `voltage` is outside 0 ≤ V < 3.3.
    public static func resistance(voltage: Double) -> Double? {
        guard voltage.isFinite, voltage >= 0, voltage < supply else { return nil }
        return voltage * loadResistance / (supply - voltage)
    }

    /// The resistance in kΩ, as the Parquet columns store it.
    public static func resistanceKiloOhms(voltage: Double) -> Double? {
        resistance(voltage: voltage).map { $0 / 1000 }
    }
}
