import Records

extension RecordBatch {
    /// The records of the batch, decompressing them first when the batch is compressed (offsets = baseOffset + delta).
    /// Throws `CompressionError` for a records section the codec cannot decode (or larger than `maxDecompressedSize`)
    /// and `RecordBatchError` for malformed records.
    public func decompressedRecords(
        maxDecompressedSize: Int = RecordCompression.defaultMaxDecompressedSize
    ) throws -> [Record] {
        try records(decompressor: RecordCompression.decompressor(maxSize: maxDecompressedSize))
    }
}

extension RecordBatchReader {
    /// All records of all remaining batches, in order, compressed ones decompressed (each bounded by
    /// `maxDecompressedSize`).
    public mutating func allDecompressedRecords(
        maxDecompressedSize: Int = RecordCompression.defaultMaxDecompressedSize
    ) throws -> [Record] {
        try allRecords(decompressor: RecordCompression.decompressor(maxSize: maxDecompressedSize))
    }
}

extension RecordBatchBuilder {
    /// The bytes of the batch with its records compressed by `codec` at `level` (nil: the codec's default), as a
    /// producer sends it: attributes bits 0-2 set, CRC over the compressed bytes. Throws `CompressionError`.
    public func build(compression codec: CompressionCodec, level: Int? = nil) throws -> [UInt8] {
        try build(compression: codec, compressor: RecordCompression.compressor(level: level))
    }
}

extension RecordBatchValidator {
    /// Validates every batch in `bytes` and the records of compressed ones too, each decompressed section bounded by
    /// `maxDecompressedSize` (see `validate(_:mode:maxBatchSize:decompressor:)`). Throws `RecordBatchError` or
    /// `CompressionError` (both carry `kafkaErrorCode`).
    public static func validate(
        _ bytes: [UInt8],
        mode: Mode = .produce,
        maxBatchSize: Int = Int(Int32.max),
        maxDecompressedSize: Int
    ) throws -> ValidatedBatches {
        try validate(
            bytes,
            mode: mode,
            maxBatchSize: maxBatchSize,
            decompressor: RecordCompression.decompressor(maxSize: maxDecompressedSize)
        )
    }
}
