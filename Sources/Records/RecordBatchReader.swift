/// The records of a batch, or the reason they are not decoded here.
public enum BatchRecords: Sendable, Equatable {
    case records([Record])
    /// A compressed batch: its records need the codec, which this target does not have; decode them with
    /// `records(decompressor:)` (BatchCompression's `decompressedRecords()`).
    case compressed(CompressionCodec)
}

/// One batch found by `RecordBatchReader`: its header and where its bytes are.
public struct RecordBatch: Sendable, Equatable {
    public var header: RecordBatchHeader
    /// The whole batch, header included, as a slice of the reader's bytes (indices are positions in them).
    public var bytes: ArraySlice<UInt8>

    public init(header: RecordBatchHeader, bytes: ArraySlice<UInt8>) {
        self.header = header
        self.bytes = bytes
    }

    /// Decodes the records of an uncompressed batch (offsets = baseOffset + delta); a marker for compressed ones.
    /// Throws `RecordBatchError` when the records are malformed.
    public func records() throws -> BatchRecords {
        guard let codec = header.compression else {
            throw RecordBatchError.invalidRecord("unknown compression codec \(header.attributes & 0x07)")
        }
        guard codec == .none else { return .compressed(codec) }
        return try Array(bytes).withUnsafeBytes { raw in
            var records: [Record] = []
            records.reserveCapacity(Int(max(0, min(header.recordsCount, 1 << 16))))
            let parser = RecordParser(bytes: raw, header: header, start: RecordBatchHeader.size, end: raw.count)
            try parser.parse(offsetRule: .increasing) { records.append($0) }
            return .records(records)
        }
    }
}

/// Iterates over the batches in a run of bytes (a fetch response's records, a segment file, a produce request).
///
/// A truncated batch at the very end is normal in fetched data (Kafka may cut the last batch), so by default it ends
/// the iteration and is reported in `trailingPartialBytes` instead of failing.
public struct RecordBatchReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var position: Int
    /// Check each batch's CRC-32C (a consumer's `check.crcs`).
    public var verifyCRC: Bool
    /// Accept a cut-off batch at the end (fetched data) rather than throwing.
    public var allowPartialTrailing: Bool
    /// Bytes of a cut-off batch at the end, once the iteration reached it.
    public private(set) var trailingPartialBytes = 0

    public init(_ bytes: [UInt8], verifyCRC: Bool = true, allowPartialTrailing: Bool = true) {
        self.bytes = bytes
        self.position = 0
        self.verifyCRC = verifyCRC
        self.allowPartialTrailing = allowPartialTrailing
    }

    /// The next batch, or nil at the end. Throws `RecordBatchError` on a damaged batch.
    public mutating func next() throws -> RecordBatch? {
        let remaining = bytes.count - position
        guard remaining > 0 else { return nil }
        let start = position
        let framing: Result<RecordBatchHeader, Error> = bytes.withUnsafeBytes { raw in
            guard remaining >= RecordBatchHeader.logOverhead else {
                return .failure(RecordBatchError.corruptMessage("truncated batch: \(remaining) bytes"))
            }
            let length = raw.int32BE(at: start + RecordBatchHeader.Field.batchLength)
            if length >= Int32(RecordBatchHeader.minimumBatchLength),
                Int(length) + RecordBatchHeader.logOverhead > remaining
            {
                return .failure(RecordBatchError.corruptMessage("truncated batch: \(remaining) bytes"))
            }
            if verifyCRC {
                return Result { try RecordBatchValidator.checkFraming(raw, at: start) }
            }
            return Result {
                let header = try RecordBatchHeader(parsing: raw, at: start)
                guard header.batchLength >= Int32(RecordBatchHeader.minimumBatchLength) else {
                    throw RecordBatchError.corruptMessage("batch length \(header.batchLength)")
                }
                return header
            }
        }
        switch framing {
        case .success(let header):
            position = start + header.totalSize
            return RecordBatch(header: header, bytes: bytes[start..<position])
        case .failure(let error):
            if allowPartialTrailing, isTruncation(remaining: remaining, at: start) {
                trailingPartialBytes = remaining
                position = bytes.count
                return nil
            }
            throw error
        }
    }

    /// All remaining batches.
    public mutating func all() throws -> [RecordBatch] {
        var batches: [RecordBatch] = []
        while let batch = try next() { batches.append(batch) }
        return batches
    }

    /// All records of all remaining uncompressed batches, in order; compressed batches are skipped and counted.
    public mutating func allRecords() throws -> (records: [Record], compressedBatches: Int) {
        var records: [Record] = []
        var compressed = 0
        while let batch = try next() {
            switch try batch.records() {
            case .records(let found): records.append(contentsOf: found)
            case .compressed: compressed += 1
            }
        }
        return (records, compressed)
    }

    /// A batch is cut off when fewer bytes remain than its length field (or the length field itself) needs.
    private func isTruncation(remaining: Int, at start: Int) -> Bool {
        guard remaining >= RecordBatchHeader.logOverhead else { return true }
        let length = bytes.withUnsafeBytes { $0.int32BE(at: start + RecordBatchHeader.Field.batchLength) }
        return length >= Int32(RecordBatchHeader.minimumBatchLength)
            && Int(length) + RecordBatchHeader.logOverhead > remaining
    }
}
