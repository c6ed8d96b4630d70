/// Checks the bytes of a run of RecordBatch v2 batches (a Produce request's records field, or a follower's fetched
/// data) before anything is stored. Never traps: every inconsistency is a `RecordBatchError`.
public enum RecordBatchValidator {
    /// Who produced the bytes, which decides how strict the checks are.
    public enum Mode: Sendable {
        /// A client's Produce request: every batch non-empty, recordsCount == lastOffsetDelta + 1, offset deltas
        /// 0, 1, 2, ..., no control batch, a base sequence when there is a producer id.
        case produce
        /// Batches already stored by a leader (replication, recovery): empty batches and compaction gaps allowed.
        case stored
    }

    /// Validates every batch in `bytes`, which must be one or more whole batches and nothing else.
    ///
    /// - Parameters:
    ///   - mode: `.produce` for client data, `.stored` for data that went through a log already.
    ///   - maxBatchSize: the topic's `max.message.bytes`; a larger batch is `.messageTooLarge`.
    ///   - checkRecords: parse every record of uncompressed batches (compressed ones are checked to the CRC only).
    /// - Returns: the headers of the batches, in order.
    public static func validate(
        _ bytes: UnsafeRawBufferPointer,
        mode: Mode = .produce,
        maxBatchSize: Int = Int(Int32.max),
        checkRecords: Bool = true
    ) throws -> ValidatedBatches {
        guard !bytes.isEmpty else { throw RecordBatchError.corruptMessage("no record batch") }
        var headers: [RecordBatchHeader] = []
        var position = 0
        while position < bytes.count {
            let header = try validateBatch(
                bytes,
                at: position,
                mode: mode,
                maxBatchSize: maxBatchSize,
                checkRecords: checkRecords
            )
            headers.append(header)
            position += header.totalSize
        }
        return ValidatedBatches(headers: headers, byteCount: bytes.count)
    }

    /// Validates every batch in `bytes`; see the `UnsafeRawBufferPointer` variant.
    public static func validate(
        _ bytes: [UInt8],
        mode: Mode = .produce,
        maxBatchSize: Int = Int(Int32.max),
        checkRecords: Bool = true
    ) throws -> ValidatedBatches {
        try bytes.withUnsafeBytes {
            try validate($0, mode: mode, maxBatchSize: maxBatchSize, checkRecords: checkRecords)
        }
    }

    /// Checks the framing of the batch at `position`: enough bytes, a sane batchLength, magic 2 and the CRC.
    /// This is what log recovery needs; it does not look at the records.
    public static func checkFraming(_ bytes: UnsafeRawBufferPointer, at position: Int) throws -> RecordBatchHeader {
        let header = try RecordBatchHeader(parsing: bytes, at: position)
        // Older formats (message sets v0/v1) keep the magic byte at the same place: name them before the sizes.
        guard header.magic == RecordBatchHeader.currentMagic else {
            throw RecordBatchError.unsupportedMagic(header.magic)
        }
        guard header.batchLength >= Int32(RecordBatchHeader.minimumBatchLength) else {
            throw RecordBatchError.corruptMessage(
                "batch length \(header.batchLength) below the minimum \(RecordBatchHeader.minimumBatchLength)"
            )
        }
        guard header.totalSize <= bytes.count - position else {
            throw RecordBatchError.corruptMessage(
                "batch of \(header.totalSize) bytes overruns the \(bytes.count - position) bytes left"
            )
        }
        let covered = UnsafeRawBufferPointer(
            rebasing: bytes[(position + RecordBatchHeader.Field.attributes)..<(position + header.totalSize)]
        )
        let crc = CRC32C.checksum(covered)
        guard crc == header.crc else {
            throw RecordBatchError.corruptMessage("CRC mismatch: stored \(header.crc), computed \(crc)")
        }
        return header
    }

    private static func validateBatch(
        _ bytes: UnsafeRawBufferPointer,
        at position: Int,
        mode: Mode,
        maxBatchSize: Int,
        checkRecords: Bool
    ) throws -> RecordBatchHeader {
        let header = try checkFraming(bytes, at: position)
        guard header.totalSize <= maxBatchSize else {
            throw RecordBatchError.messageTooLarge(size: header.totalSize, limit: maxBatchSize)
        }
        guard let codec = header.compression else {
            throw RecordBatchError.invalidRecord("unknown compression codec \(header.attributes & 0x07)")
        }
        guard header.lastOffsetDelta >= 0 else {
            throw RecordBatchError.invalidRecord("negative last offset delta \(header.lastOffsetDelta)")
        }
        guard header.recordsCount >= 0 else {
            throw RecordBatchError.invalidRecord("negative record count \(header.recordsCount)")
        }
        switch mode {
        case .produce:
            guard header.recordsCount > 0 else { throw RecordBatchError.invalidRecord("batch without records") }
            guard !header.isControl else {
                throw RecordBatchError.invalidRecord("clients may not write control batches")
            }
            guard !header.hasProducerId || header.baseSequence >= 0 else {
                throw RecordBatchError.invalidRecord(
                    "base sequence \(header.baseSequence) with producer id \(header.producerId)"
                )
            }
            guard Int64(header.recordsCount) == Int64(header.lastOffsetDelta) + 1 else {
                throw RecordBatchError.invalidRecord(
                    "record count \(header.recordsCount) but last offset delta \(header.lastOffsetDelta)"
                )
            }
        case .stored:
            guard Int64(header.recordsCount) <= Int64(header.lastOffsetDelta) + 1 else {
                throw RecordBatchError.invalidRecord(
                    "record count \(header.recordsCount) above last offset delta \(header.lastOffsetDelta) + 1"
                )
            }
        }
        if checkRecords, codec == .none {
            let parser = RecordParser(
                bytes: bytes,
                header: header,
                start: position + RecordBatchHeader.size,
                end: position + header.totalSize
            )
            try parser.parse(offsetRule: mode == .produce ? .dense : .increasing)
        }
        return header
    }
}

/// What validation found: the header of every batch, in order.
public struct ValidatedBatches: Sendable, Equatable {
    public var headers: [RecordBatchHeader]
    /// Total bytes of all batches.
    public var byteCount: Int

    public init(headers: [RecordBatchHeader], byteCount: Int) {
        self.headers = headers
        self.byteCount = byteCount
    }

    /// Records the batches will take in the log (offsets, counting compaction gaps): sum of lastOffsetDelta + 1.
    public var offsetCount: Int64 { headers.reduce(0) { $0 + Int64($1.lastOffsetDelta) + 1 } }

    /// Records actually present: sum of recordsCount.
    public var recordCount: Int64 { headers.reduce(0) { $0 + Int64($1.recordsCount) } }

    /// The largest maxTimestamp of the batches, or -1 when there are none.
    public var maxTimestamp: Int64 { headers.reduce(-1) { max($0, $1.maxTimestamp) } }
}
