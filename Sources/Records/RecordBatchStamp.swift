/// In-place edits a leader makes to validated batches: baseOffset and partitionLeaderEpoch sit before the CRC-covered
/// part, so stamping them keeps the producer's CRC valid and needs no copy. Plus quick reads of single fields.
///
/// Callers pass positions of batches they validated; out-of-range positions are ignored (stamp) or nil (reads).
public enum RecordBatchStamp {
    /// Sets baseOffset and partitionLeaderEpoch of the batch starting at `position`.
    /// Returns false (and writes nothing) when the header does not fit.
    @discardableResult
    public static func stamp(
        _ bytes: UnsafeMutableRawBufferPointer,
        at position: Int,
        baseOffset: Int64,
        partitionLeaderEpoch: Int32
    ) -> Bool {
        guard position >= 0, bytes.count - position >= RecordBatchHeader.size else { return false }
        bytes.storeInt64BE(baseOffset, at: position + RecordBatchHeader.Field.baseOffset)
        bytes.storeInt32BE(partitionLeaderEpoch, at: position + RecordBatchHeader.Field.partitionLeaderEpoch)
        return true
    }

    /// Sets baseOffset and partitionLeaderEpoch of the batch starting at `position` of `bytes`.
    @discardableResult
    public static func stamp(
        _ bytes: inout [UInt8],
        at position: Int,
        baseOffset: Int64,
        partitionLeaderEpoch: Int32
    ) -> Bool {
        bytes.withUnsafeMutableBytes {
            stamp($0, at: position, baseOffset: baseOffset, partitionLeaderEpoch: partitionLeaderEpoch)
        }
    }

    /// Stamps consecutive batches of `bytes` with offsets starting at `firstOffset`, each batch taking
    /// lastOffsetDelta + 1 offsets. Returns the offset after the last batch, or nil when the framing is broken
    /// (validate first).
    public static func assignOffsets(
        _ bytes: inout [UInt8],
        firstOffset: Int64,
        partitionLeaderEpoch: Int32
    ) -> Int64? {
        bytes.withUnsafeMutableBytes { raw -> Int64? in
            var position = 0
            var next = firstOffset
            while position < raw.count {
                guard let header = try? RecordBatchHeader(parsing: UnsafeRawBufferPointer(raw), at: position),
                    header.batchLength >= Int32(RecordBatchHeader.minimumBatchLength),
                    header.totalSize <= raw.count - position, header.lastOffsetDelta >= 0
                else { return nil }
                stamp(raw, at: position, baseOffset: next, partitionLeaderEpoch: partitionLeaderEpoch)
                next = next &+ Int64(header.lastOffsetDelta) &+ 1
                position += header.totalSize
            }
            return next
        }
    }

    /// baseOffset + lastOffsetDelta of the batch at `position`.
    public static func lastOffset(_ bytes: UnsafeRawBufferPointer, at position: Int) -> Int64? {
        guard position >= 0, bytes.count - position >= RecordBatchHeader.size else { return nil }
        let base = bytes.int64BE(at: position + RecordBatchHeader.Field.baseOffset)
        return base &+ Int64(bytes.int32BE(at: position + RecordBatchHeader.Field.lastOffsetDelta))
    }

    /// maxTimestamp of the batch at `position`.
    public static func maxTimestamp(_ bytes: UnsafeRawBufferPointer, at position: Int) -> Int64? {
        guard position >= 0, bytes.count - position >= RecordBatchHeader.size else { return nil }
        return bytes.int64BE(at: position + RecordBatchHeader.Field.maxTimestamp)
    }

    /// baseOffset + lastOffsetDelta of the batch at `position` of `bytes`.
    public static func lastOffset(_ bytes: [UInt8], at position: Int = 0) -> Int64? {
        bytes.withUnsafeBytes { lastOffset($0, at: position) }
    }

    /// maxTimestamp of the batch at `position` of `bytes`.
    public static func maxTimestamp(_ bytes: [UInt8], at position: Int = 0) -> Int64? {
        bytes.withUnsafeBytes { maxTimestamp($0, at: position) }
    }
}
