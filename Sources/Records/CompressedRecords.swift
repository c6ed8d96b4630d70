/// Turns a batch's compressed records section back into plain records bytes. The codecs live in the
/// `BatchCompression` target (C libraries), so `Records` takes them as a function and stays free of C dependencies.
/// It is never called with `.none`.
public typealias RecordsDecompressor = (CompressionCodec, ArraySlice<UInt8>) throws -> [UInt8]

/// Compresses a batch's plain records section with the codec; never called with `.none`.
public typealias RecordsCompressor = (CompressionCodec, [UInt8]) throws -> [UInt8]

extension RecordBatch {
    /// The records section: everything after the 61-byte header, compressed when the batch is.
    public var recordsSection: ArraySlice<UInt8> {
        let start = bytes.startIndex + RecordBatchHeader.size
        guard start <= bytes.endIndex else { return bytes[bytes.endIndex...] }
        return bytes[start...]
    }

    /// Decodes the records of the batch, compressed or not (offsets = baseOffset + delta).
    ///
    /// Throws `RecordBatchError` for an unknown codec or malformed records, and whatever `decompressor` throws for
    /// bytes it cannot decompress.
    public func records(decompressor: RecordsDecompressor) throws -> [Record] {
        guard let codec = header.compression else {
            throw RecordBatchError.invalidRecord("unknown compression codec \(header.attributes & 0x07)")
        }
        let plain = codec == .none ? Array(recordsSection) : try decompressor(codec, recordsSection)
        return try plain.withUnsafeBytes { raw in
            var records: [Record] = []
            records.reserveCapacity(Int(max(0, min(header.recordsCount, 1 << 16))))
            let parser = RecordParser(bytes: raw, header: header, start: 0, end: raw.count)
            try parser.parse(offsetRule: .increasing) { records.append($0) }
            return records
        }
    }
}

extension RecordBatchReader {
    /// All records of all remaining batches, in order, compressed batches decoded with `decompressor`.
    public mutating func allRecords(decompressor: RecordsDecompressor) throws -> [Record] {
        var records: [Record] = []
        while let batch = try next() { records.append(contentsOf: try batch.records(decompressor: decompressor)) }
        return records
    }
}

extension RecordBatchBuilder {
    /// The bytes of the batch with its records section compressed by `compressor` (attributes bits 0-2 = codec,
    /// CRC over the compressed bytes, as Kafka's producers write it). `.none` builds the plain batch.
    public func build(compression codec: CompressionCodec, compressor: RecordsCompressor) throws -> [UInt8] {
        let plain = build()
        guard codec != .none else { return plain }
        let compressed = try compressor(codec, Array(plain[RecordBatchHeader.size...]))
        var header = try RecordBatchHeader(parsing: plain)
        header.attributes = (header.attributes & ~0x07) | codec.rawValue
        header.batchLength = Int32(truncatingIfNeeded: RecordBatchHeader.minimumBatchLength + compressed.count)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(RecordBatchHeader.size + compressed.count)
        header.write(to: &bytes)
        bytes.append(contentsOf: compressed)
        header.crc = bytes.withUnsafeBytes {
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[RecordBatchHeader.Field.attributes...]))
        }
        bytes.withUnsafeMutableBytes { $0.storeUInt32BE(header.crc, at: RecordBatchHeader.Field.crc) }
        return bytes
    }
}

extension RecordBatchValidator {
    /// Validates like `validate(_:mode:maxBatchSize:checkRecords:)` and also checks the records of compressed batches,
    /// decompressed by `decompressor` (as Kafka's broker does before it appends a producer's compressed batch).
    ///
    /// Throws `RecordBatchError`, or whatever `decompressor` throws for a section it cannot decompress.
    public static func validate(
        _ bytes: [UInt8],
        mode: Mode = .produce,
        maxBatchSize: Int = Int(Int32.max),
        decompressor: RecordsDecompressor
    ) throws -> ValidatedBatches {
        let validated = try validate(bytes, mode: mode, maxBatchSize: maxBatchSize, checkRecords: true)
        var position = 0
        for header in validated.headers {
            let start = position
            position += header.totalSize
            guard let codec = header.compression, codec != .none else { continue }
            let plain = try decompressor(codec, bytes[(start + RecordBatchHeader.size)..<position])
            try plain.withUnsafeBytes { raw in
                let parser = RecordParser(bytes: raw, header: header, start: 0, end: raw.count)
                try parser.parse(offsetRule: mode == .produce ? .dense : .increasing)
            }
        }
        return validated
    }
}
