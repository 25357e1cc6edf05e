// Dictionary building for RLE_DICTIONARY (parquet-format Encodings.md "Dictionary Encoding").
//
// Fixed-width values use an open-addressing table keyed by bit pattern: the writer tries a
// dictionary on every float column of every batch, so this runs on the hot path, and Swift's
// Dictionary costs several times more per insert. Building gives up as soon as the dictionary
// can no longer beat PLAIN, or when the rate of new values so far says it will not, which
// keeps the cost low on columns of unique values.

struct DictionaryEncoded<T> {
    var dictionary: [T]
    var indices: [UInt64]
}

enum DictionaryBuilder {
    /// Builds a dictionary of `values`, or nil when it cannot be smaller than PLAIN (its
    /// values plus at least the indices' bit width for every value).
    static func build<T: ParquetFixedWidthValue>(_ values: UnsafeBufferPointer<T>) -> DictionaryEncoded<T>? {
        let n = values.count
        guard n > 0 else { return nil }
        let size = MemoryLayout<T>.size
        let plainBytes = n * size
        var capacity = 64
        while capacity < 2 * min(n, 1 << 20) { capacity <<= 1 }
        let mask = capacity - 1
        var slots = [Int32](repeating: -1, count: capacity)
        var dictionary: [T] = []
        var keys: [UInt64] = []
        var indices = [UInt64](repeating: 0, count: n)
        var nextCheck = 1
        return slots.withUnsafeMutableBufferPointer { slots -> DictionaryEncoded<T>? in
            for i in 0..<n {
                let key = values[i].bitKey
                var h = Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
                while true {
                    let s = slots[h]
                    if s < 0 {
                        slots[h] = Int32(dictionary.count)
                        indices[i] = UInt64(dictionary.count)
                        dictionary.append(values[i])
                        keys.append(key)
                        break
                    }
                    if keys[Int(s)] == key {
                        indices[i] = UInt64(s)
                        break
                    }
                    h = (h + 1) & mask
                }
                if dictionary.count == nextCheck {
                    nextCheck <<= 1
                    let width = bitWidth(of: UInt64(dictionary.count - 1))
                    if dictionary.count * size + (n * width) / 8 >= plainBytes { return nil }
                    // Mostly new values so far (noisy readings): project the rate over the
                    // rest, rather than build a day's worth of entries before giving up.
                    if dictionary.count >= 1024 {
                        let projected = min(n, dictionary.count * n / (i + 1))
                        if projected * size + (n * bitWidth(of: UInt64(projected - 1))) / 8 >= plainBytes { return nil }
                    }
                }
            }
            let width = bitWidth(of: UInt64(dictionary.count - 1))
            if dictionary.count * size + (n * width) / 8 >= plainBytes { return nil }
            return DictionaryEncoded(dictionary: dictionary, indices: indices)
        }
    }

    static func build(_ values: UnsafeBufferPointer<String>) -> DictionaryEncoded<String>? {
        guard !values.isEmpty else { return nil }
        var plainBytes = 0
        for v in values { plainBytes += 4 + v.utf8.count }
        var index: [String: Int] = [:]
        var dictionary: [String] = []
        var dictBytes = 0
        var indices = [UInt64](repeating: 0, count: values.count)
        for (i, v) in values.enumerated() {
            if let k = index[v] {
                indices[i] = UInt64(k)
            } else {
                index[v] = dictionary.count
                indices[i] = UInt64(dictionary.count)
                dictionary.append(v)
                dictBytes += 4 + v.utf8.count
                if dictBytes >= plainBytes { return nil }
            }
        }
        let width = bitWidth(of: UInt64(dictionary.count - 1))
        if dictBytes + values.count * width / 8 >= plainBytes { return nil }
        return DictionaryEncoded(dictionary: dictionary, indices: indices)
    }
}
