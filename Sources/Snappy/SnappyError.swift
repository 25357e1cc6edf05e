/// Why a Snappy block could not be decompressed.
///
/// Every case that concerns the stream's content carries `offset`: the position in the compressed
/// input (counted from its first byte, the length preamble included) of the byte or element tag
/// that was wrong, so a corrupt Parquet page can be located and reported precisely.
public enum SnappyError: Error, Equatable, Sendable {
    /// The input ended inside the length preamble (an empty input ends at offset 0).
    case truncatedLength(offset: Int)
    /// The length preamble's fifth byte still has its continuation bit set; the format limits the
    /// preamble to five bytes because the uncompressed length is at most 2³² − 1.
    case lengthTooLong(offset: Int)
    /// The five-byte length preamble encodes a value above 2³² − 1.
    case lengthOverflow(offset: Int)
    /// The declared uncompressed length is above the caller's cap (`maxLength`).
    case lengthExceedsLimit(declared: Int, limit: Int)
    /// The declared uncompressed length cannot be produced by `inputLength` bytes of input: each
    /// 3-byte copy element yields at most 64 bytes. Checked before allocating, so a tiny hostile
    /// input cannot make us allocate a large buffer.
    case lengthUnreachable(declared: Int, inputLength: Int)
    /// The caller's output buffer is smaller than the declared uncompressed length.
    case outputTooSmall(declared: Int, capacity: Int)
    /// An element tag at `offset` needs `needed` more bytes after it (literal length or copy
    /// offset), but only `available` remain.
    case truncatedTag(offset: Int, needed: Int, available: Int)
    /// The literal whose tag is at `offset` holds `length` bytes but only `available` remain.
    case literalPastInputEnd(offset: Int, length: Int, available: Int)
    /// The copy whose tag is at `offset` has offset 0, which the format does not allow.
    case copyOffsetZero(offset: Int)
    /// The copy whose tag is at `offset` reaches `distance` bytes back, but only `produced` bytes
    /// of output exist so far.
    case copyBeforeOutputStart(offset: Int, distance: Int, produced: Int)
    /// The element whose tag is at `offset` would write `length` bytes, more than the `remaining`
    /// room left before the declared uncompressed length.
    case outputOverrun(offset: Int, length: Int, remaining: Int)
    /// The input ended (at `offset`) after producing `produced` bytes, fewer than the `declared`
    /// uncompressed length.
    case outputShort(offset: Int, produced: Int, declared: Int)
}

extension SnappyError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .truncatedLength(let offset):
            "snappy: input ends at offset \(offset) inside the length preamble (expected a varint)"
        case .lengthTooLong(let offset):
            "snappy: length preamble continues past 5 bytes at offset \(offset) (expected at most 5 varint bytes)"
        case .lengthOverflow(let offset):
            "snappy: length preamble byte at offset \(offset) makes the length exceed 2^32-1"
        case .lengthExceedsLimit(let declared, let limit):
            "snappy: declared uncompressed length \(declared) exceeds the limit of \(limit) bytes"
        case .lengthUnreachable(let declared, let inputLength):
            "snappy: declared uncompressed length \(declared) cannot come from \(inputLength) bytes of input"
        case .outputTooSmall(let declared, let capacity):
            "snappy: declared uncompressed length \(declared) does not fit the \(capacity)-byte output buffer"
        case .truncatedTag(let offset, let needed, let available):
            "snappy: tag at offset \(offset) needs \(needed) more bytes, only \(available) remain"
        case .literalPastInputEnd(let offset, let length, let available):
            "snappy: literal at offset \(offset) of \(length) bytes runs past the input end (\(available) remain)"
        case .copyOffsetZero(let offset):
            "snappy: copy at offset \(offset) has offset 0 (expected 1 or more)"
        case .copyBeforeOutputStart(let offset, let distance, let produced):
            "snappy: copy at offset \(offset) reaches \(distance) bytes back but only \(produced) bytes were produced"
        case .outputOverrun(let offset, let length, let remaining):
            "snappy: element at offset \(offset) writes \(length) bytes, only \(remaining) remain before the declared length"
        case .outputShort(let offset, let produced, let declared):
            "snappy: input ends at offset \(offset) after \(produced) bytes, expected the declared \(declared)"
        }
    }
}
