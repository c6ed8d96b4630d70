import Records

/// Why a records section could not be compressed or decompressed. Input bytes never trap: every failure is one of
/// these.
public enum CompressionError: Error, Equatable, Sendable {
    /// The bytes are not a valid stream of the codec (bad header, bad checksum, bad block, trailing garbage).
    case corrupt(CompressionCodec, String)
    /// The stream ends before it is complete.
    case truncated(CompressionCodec)
    /// Decompressing would produce more than `limit` bytes (or need a larger window than the limit allows): the
    /// guard against decompression bombs.
    case tooLarge(CompressionCodec, limit: Int)
    /// The library refused to compress (a bad level, out of memory, an input too large for the codec).
    case compressionFailed(CompressionCodec, String)

    /// The Kafka protocol error code a broker answers with: CORRUPT_MESSAGE (2) for damaged bytes,
    /// MESSAGE_TOO_LARGE (10) past the size bound, UNKNOWN_SERVER_ERROR (-1) when compressing failed.
    public var kafkaErrorCode: Int16 {
        switch self {
        case .corrupt, .truncated: return 2
        case .tooLarge: return 10
        case .compressionFailed: return -1
        }
    }
}
