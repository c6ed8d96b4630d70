/// Walks the records region of an uncompressed batch, checking Kafka's record framing:
/// length, attributes, timestampDelta, offsetDelta, key, value, headers, each length consistent with the bytes.
///
/// One walker serves both the validator (which only checks) and the reader (which also copies records out).
struct RecordParser {
    /// How strictly offset deltas are checked.
    enum OffsetRule {
        /// A producer's batch: the i-th record has offsetDelta i.
        case dense
        /// A stored batch (compaction may remove records): deltas strictly increase and stay <= lastOffsetDelta.
        case increasing
    }

    let bytes: UnsafeRawBufferPointer
    let header: RecordBatchHeader
    /// Position of the first record (just after the 61-byte header).
    let start: Int
    /// Position just past the batch.
    let end: Int

    /// Parses every record; calls `visit` with each one when given. Throws `RecordBatchError.invalidRecord`.
    func parse(offsetRule: OffsetRule, visit: ((Record) -> Void)? = nil) throws {
        var position = start
        let count = Int(header.recordsCount)
        guard count >= 0 else { throw RecordBatchError.invalidRecord("negative record count \(count)") }
        var previousDelta: Int32 = -1
        for index in 0..<count {
            guard position < end else {
                throw RecordBatchError.invalidRecord("batch holds \(index) records, header says \(count)")
            }
            let delta = try parseRecord(at: &position, visit: visit)
            switch offsetRule {
            case .dense:
                guard delta == Int32(truncatingIfNeeded: index) else {
                    throw RecordBatchError.invalidRecord("record \(index) has offset delta \(delta)")
                }
            case .increasing:
                guard delta > previousDelta, delta <= header.lastOffsetDelta else {
                    throw RecordBatchError.invalidRecord("record \(index) has offset delta \(delta)")
                }
            }
            previousDelta = delta
        }
        guard position == end else {
            throw RecordBatchError.invalidRecord("\(end - position) bytes left after \(count) records")
        }
    }

    /// Parses one record at `position`, advancing past it; returns its offset delta.
    private func parseRecord(at position: inout Int, visit: ((Record) -> Void)?) throws -> Int32 {
        let length = try varint(&position, end, "record length")
        guard length >= 0, Int(length) <= end - position else {
            throw RecordBatchError.invalidRecord("record length \(length) with \(end - position) bytes left")
        }
        let recordEnd = position + Int(length)
        guard position < recordEnd else { throw RecordBatchError.invalidRecord("empty record") }
        let attributes = Int8(bitPattern: bytes[position])
        position += 1
        let timestampDelta = try varlong(&position, recordEnd, "timestamp delta")
        let offsetDelta = try varint(&position, recordEnd, "offset delta")
        let key = try nullableBytes(&position, recordEnd, "key", copy: visit != nil)
        let value = try nullableBytes(&position, recordEnd, "value", copy: visit != nil)
        let headerCount = try varint(&position, recordEnd, "header count")
        guard headerCount >= 0 else { throw RecordBatchError.invalidRecord("negative header count \(headerCount)") }
        var headers: [RecordHeader] = []
        for _ in 0..<Int(headerCount) {
            let keyLength = try varint(&position, recordEnd, "header key length")
            guard keyLength >= 0, Int(keyLength) <= recordEnd - position else {
                throw RecordBatchError.invalidRecord("header key length \(keyLength)")
            }
            let keyBytes = UnsafeRawBufferPointer(rebasing: bytes[position..<position + Int(keyLength)])
            position += Int(keyLength)
            let headerValue = try nullableBytes(&position, recordEnd, "header value", copy: visit != nil)
            if visit != nil {
                headers.append(RecordHeader(key: String(decoding: keyBytes, as: UTF8.self), value: headerValue))
            }
        }
        guard position == recordEnd else {
            let used = position - (recordEnd - Int(length))
            throw RecordBatchError.invalidRecord("record length \(length) but its fields took \(used) bytes")
        }
        if let visit {
            visit(
                Record(
                    offset: header.baseOffset &+ Int64(offsetDelta),
                    timestamp: header.baseTimestamp &+ timestampDelta,
                    key: key,
                    value: value,
                    headers: headers,
                    attributes: attributes
                )
            )
        }
        return offsetDelta
    }

    private func varint(_ position: inout Int, _ limit: Int, _ what: String) throws -> Int32 {
        let window = UnsafeRawBufferPointer(rebasing: bytes[..<limit])
        guard let value = Varint.readVarint(window, at: &position) else {
            throw RecordBatchError.invalidRecord("malformed varint for \(what)")
        }
        return value
    }

    private func varlong(_ position: inout Int, _ limit: Int, _ what: String) throws -> Int64 {
        let window = UnsafeRawBufferPointer(rebasing: bytes[..<limit])
        guard let value = Varint.readVarlong(window, at: &position) else {
            throw RecordBatchError.invalidRecord("malformed varlong for \(what)")
        }
        return value
    }

    /// A varint length then that many bytes; length -1 (any negative, as Kafka reads it) is null.
    private func nullableBytes(_ position: inout Int, _ limit: Int, _ what: String, copy: Bool) throws -> [UInt8]? {
        let length = try varint(&position, limit, "\(what) length")
        if length < 0 { return nil }
        guard Int(length) <= limit - position else {
            throw RecordBatchError.invalidRecord("\(what) length \(length) with \(limit - position) bytes left")
        }
        let start = position
        position += Int(length)
        return copy ? Array(bytes[start..<position]) : []
    }
}
