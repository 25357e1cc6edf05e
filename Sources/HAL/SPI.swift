/// One device on an SPI bus, behind its own chip-select line, written to only.
///
/// For driver authors: the device is opened and configured (mode, word size, clock) by whoever
/// hands it over; a driver only writes. Write-only because the one SPI device the station drives,
/// the Enviro+ screen, has its data-out pin unconnected; a read method can join when a device
/// needs one.
///
/// For implementers: `write` sends every byte, in order, most significant bit first, 8-bit words.
/// The implementation does the chunking: it splits `bytes` into transfers of at most
/// `maxTransferSize` bytes and sends them one after the other, chip select asserted for each and
/// released between them, so a caller never needs to know the platform's limit. A device that
/// keeps state across a chip-select release (the ST7735 keeps filling RAM after RAMWR until the
/// next command) is unaffected; one that needs a single unbroken selection longer than
/// `maxTransferSize` cannot use this contract.
///
/// Errors are `BusError`s: `.noDevice` when the device node is missing (the interface is not
/// enabled), `.permission` when the process may not use it, `.bus` when a transfer failed part
/// way. After a failed `write` an unknown prefix of `bytes` may have been sent, so a caller that
/// cares resynchronises the device (the screen driver re-sends its window before the next frame).
public protocol SPIDevice: Sendable {
    /// The largest number of bytes one transfer carries (spidev's default is 4096).
    var maxTransferSize: Int { get }
    /// Sends `bytes`, in transfers of at most `maxTransferSize` bytes each. An empty write sends
    /// nothing and succeeds.
    func write(_ bytes: [UInt8]) throws(BusError)
}
