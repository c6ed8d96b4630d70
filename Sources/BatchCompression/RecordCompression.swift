import Records

/// Kafka's record batch compression: the codec in bits 0-2 of a batch's attributes applied to its records section.
///
/// Decompression is bounded (`maxSize`): a small compressed section cannot make us allocate more, and every failure
/// is a `CompressionError`, never a trap.
public enum RecordCompression {
    /// The default bound on a decompressed records section: 64 MiB, well above Kafka's default 1 MiB batches.
    public static let defaultMaxDecompressedSize = 64 * 1024 * 1024

    /// Decompresses a records section written with `codec`. `.none` returns the bytes unchanged.
    /// Throws `CompressionError` (`.tooLarge` past `maxSize` bytes of output).
    public static func decompress(
        _ codec: CompressionCodec,
        _ bytes: ArraySlice<UInt8>,
        maxSize: Int = defaultMaxDecompressedSize
    ) throws -> [UInt8] {
        try bytes.withUnsafeBytes { input in
            switch codec {
            case .none:
                try BoundedOutput(codec: .none, limit: maxSize).reserve(input.count)
                return Array(input)
            case .gzip: return try GzipCodec.decompress(input, maxSize: maxSize)
            case .snappy: return try SnappyCodec.decompress(input, maxSize: maxSize)
            case .lz4: return try LZ4FrameCodec.decompress(input, maxSize: maxSize)
            case .zstd: return try ZstdCodec.decompress(input, maxSize: maxSize)
            }
        }
    }

    /// Decompresses a records section written with `codec`; see the `ArraySlice` variant.
    public static func decompress(
        _ codec: CompressionCodec,
        _ bytes: [UInt8],
        maxSize: Int = defaultMaxDecompressedSize
    ) throws -> [UInt8] {
        try decompress(codec, bytes[...], maxSize: maxSize)
    }

    /// Compresses a records section as Kafka's Java producer frames it: gzip stream, snappy in snappy-java's
    /// ("xerial") framing, an LZ4 frame of independent blocks, a zstd frame. `level` is the codec's own level (Kafka's
    /// `compression.<codec>.level`; snappy has none), nil for the library default. `.none` returns the bytes unchanged.
    /// Throws `CompressionError.compressionFailed`.
    public static func compress(_ codec: CompressionCodec, _ bytes: [UInt8], level: Int? = nil) throws -> [UInt8] {
        try bytes.withUnsafeBytes { input in
            switch codec {
            case .none: return Array(input)
            case .gzip: return try GzipCodec.compress(input, level: level)
            case .snappy: return try SnappyCodec.compress(input, framing: .xerial)
            case .lz4: return try LZ4FrameCodec.compress(input, level: level)
            case .zstd: return try ZstdCodec.compress(input, level: level)
            }
        }
    }

    /// `decompress` as the function `Records` takes (`RecordBatch.records(decompressor:)`).
    public static func decompressor(maxSize: Int = defaultMaxDecompressedSize) -> RecordsDecompressor {
        { codec, bytes in try decompress(codec, bytes, maxSize: maxSize) }
    }

    /// `compress` as the function `Records` takes (`RecordBatchBuilder.build(compression:compressor:)`).
    public static func compressor(level: Int? = nil) -> RecordsCompressor {
        { codec, bytes in try compress(codec, bytes, level: level) }
    }
}
