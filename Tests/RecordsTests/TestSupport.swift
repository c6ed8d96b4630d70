import Records

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
