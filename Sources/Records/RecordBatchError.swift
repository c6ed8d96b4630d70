/// Why a run of record batches was refused; each case maps to the Kafka error code a broker answers with.
public enum RecordBatchError: Error, Equatable, Sendable {
    /// Sizes that do not add up, a truncated batch, a CRC mismatch: the bytes were damaged (CORRUPT_MESSAGE, 2).
    case corruptMessage(String)
    /// Well-formed bytes that break a rule: bad record framing, offset deltas, counts (INVALID_RECORD, 87).
    case invalidRecord(String)
    /// A batch with a magic other than 2 (Kafka answers INVALID_RECORD, 87, for produce v3+).
    case unsupportedMagic(Int8)
    /// A batch larger than `max.message.bytes` (MESSAGE_TOO_LARGE, 10).
    case messageTooLarge(size: Int, limit: Int)

    /// The Kafka protocol error code for this error.
    public var kafkaErrorCode: Int16 {
        switch self {
        case .corruptMessage: return 2
        case .invalidRecord, .unsupportedMagic: return 87
        case .messageTooLarge: return 10
        }
    }
}
