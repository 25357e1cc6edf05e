/// One GPIO line requested as an output.
public protocol GPIOOutputLine: Sendable {
    /// The line's name, e.g. `GPIO24`.
    var name: String { get }
    /// Drives the line high (`true`) or low.
    func set(_ high: Bool) throws(BusError)
    /// Gives the line back; further calls fail.
    func release() throws(BusError)
}

/// A GPIO chip that hands out lines by name.
public protocol GPIOChip: Sendable {
    /// The chip's label, e.g. `pinctrl-bcm2711`.
    var label: String { get }
    /// Requests the line called `name` (e.g. `GPIO24`) as an output starting at `initialHigh`,
    /// recorded under `consumer` so `gpioinfo` shows who holds it.
    func requestOutput(line name: String, consumer: String, initialHigh: Bool) throws(BusError)
        -> any GPIOOutputLine
}
