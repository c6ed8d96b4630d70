import Records

/// Tiny deterministic RNG so fuzz-style tests are reproducible.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A batch of `count` records with varied keys, values and headers.
func sampleBatch(count: Int, firstTimestamp: Int64 = 1_700_000_000_000, producerId: Int64 = -1) -> [UInt8] {
    var builder = RecordBatchBuilder()
    builder.producerId = producerId
    for index in 0..<count {
        let key: [UInt8]? = index % 3 == 0 ? nil : Array("key-\(index)".utf8)
        let value: [UInt8]? = index % 5 == 4 ? nil : Array(repeating: UInt8(index & 0xFF), count: index * 7)
        let headers: [(String, [UInt8]?)] = index % 2 == 0 ? [("h\(index)", [1, 2, 3]), ("null", nil)] : []
        builder.append(key: key, value: value, headers: headers, timestamp: firstTimestamp + Int64(index * 10 - 5))
    }
    return builder.build()
}
