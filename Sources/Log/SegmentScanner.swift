import Records

/// Reads a segment file in large chunks for recovery, so checking every batch's CRC costs a few big reads rather
/// than two small ones per batch.
struct SegmentScanner {
    static let chunkSize = 1 << 20

    let file: any LogFile
    let size: Int64
    private var buffer: [UInt8] = []
    private var bufferStart: Int64 = 0

    init(file: any LogFile, size: Int64) {
        self.file = file
        self.size = size
    }

    /// Checks the framing and CRC of the batch at `position`; a failure names what is wrong.
    mutating func checkBatch(at position: Int64) throws -> Result<RecordBatchHeader, ScanProblem> {
        guard try fill(position, count: RecordBatchHeader.logOverhead) else {
            return .failure(ScanProblem("\(size - position) trailing bytes, too few for a batch"))
        }
        let lengthOffset = Int(position - bufferStart) + RecordBatchHeader.Field.batchLength
        var reader = BytesReader(buffer, at: lengthOffset)
        let length = reader.int32() ?? -1
        guard length >= Int32(RecordBatchHeader.minimumBatchLength) else {
            return .failure(ScanProblem("batch length \(length) below the minimum"))
        }
        let total = Int(length) + RecordBatchHeader.logOverhead
        guard position + Int64(total) <= size else {
            return .failure(ScanProblem("torn batch: \(total) bytes announced, \(size - position) present"))
        }
        guard try fill(position, count: total) else {
            return .failure(ScanProblem("torn batch: short read of \(total) bytes"))
        }
        let start = Int(position - bufferStart)
        do {
            let header = try buffer.withUnsafeBytes { raw in
                try RecordBatchValidator.checkFraming(
                    UnsafeRawBufferPointer(rebasing: raw[start..<(start + total)]),
                    at: 0
                )
            }
            return .success(header)
        } catch {
            return .failure(ScanProblem("\(error)"))
        }
    }

    /// Makes bytes `position ..< position + count` available in the buffer; false when the file ends first.
    private mutating func fill(_ position: Int64, count: Int) throws -> Bool {
        guard position + Int64(count) <= size else { return false }
        if position >= bufferStart, position + Int64(count) <= bufferStart + Int64(buffer.count) { return true }
        let want = Int(min(Int64(max(count, Self.chunkSize)), size - position))
        buffer = try file.read(at: position, count: want)
        bufferStart = position
        return buffer.count >= count
    }
}

/// Why a recovery scan stopped at a batch.
struct ScanProblem: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
