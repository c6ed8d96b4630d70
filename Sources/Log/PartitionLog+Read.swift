import Records

extension PartitionLog {
    /// Where the batches from `offset` on are: whole batches of one segment, starting with the batch that holds
    /// `offset` (Kafka returns it whole even when `offset` is in its middle), at most `maxBytes` unless the first
    /// batch alone is larger (then that batch whole, KIP-74), and only batches that end before `limitOffset` (the
    /// high watermark). nil when there is nothing to return yet (`offset` at the end or the limit).
    /// Throws `LogError.offsetOutOfRange` when `offset` is below the log start or above the log end.
    public func read(from offset: Int64, maxBytes: Int, upTo limitOffset: Int64) throws -> LogReadSlice? {
        guard offset >= logStartOffset, offset <= logEndOffset else {
            throw LogError.offsetOutOfRange(offset: offset, logStartOffset: logStartOffset, logEndOffset: logEndOffset)
        }
        let limit = min(limitOffset, logEndOffset)
        guard offset < limit else { return nil }
        var segmentIndex = segmentIndex(holding: offset)
        while segmentIndex < segments.count {
            let segment = segments[segmentIndex]
            if let first = try segment.firstBatch(endingAtOrAfter: offset) {
                guard first.lastOffset < limit else { return nil }
                let endByLimit: Int64
                if limit >= segment.nextOffset {
                    endByLimit = segment.size
                } else {
                    endByLimit = try segment.firstBatch(endingAtOrAfter: limit)?.position ?? segment.size
                }
                let budgetEnd = first.position + min(Int64(max(0, maxBytes)), Int64.max - first.position)
                var end = endByLimit
                if endByLimit > budgetEnd {
                    end = try segment.lastBoundary(from: first.position, notAfter: budgetEnd)
                    if end <= first.position { end = first.position + Int64(first.size) }
                }
                return LogReadSlice(
                    path: segment.logPath,
                    segmentBaseOffset: segment.baseOffset,
                    position: first.position,
                    length: Int(end - first.position),
                    firstBatchBaseOffset: first.baseOffset,
                    file: segment.file
                )
            }
            segmentIndex += 1
        }
        return nil
    }

    /// The bytes of a slice (convenience for tests and the simulator).
    public func readBytes(_ slice: LogReadSlice) throws -> [UInt8] {
        try slice.readBytes()
    }

    /// ListOffsets by timestamp: the first record whose timestamp is >= `timestamp` and whose offset is at or after
    /// the log start and below `limitOffset`, as (offset, timestamp); nil when there is none. For a compressed
    /// batch, whose records are not decoded here, the answer is the batch's first offset and max timestamp.
    public func offset(
        forTimestamp timestamp: Int64,
        upTo limitOffset: Int64
    ) throws
        -> (offset: Int64, timestamp: Int64)?
    {
        for segment in segments where segment.maxTimestamp >= timestamp {
            guard var batch = try segment.firstBatch(withTimestampAtLeast: timestamp) else { continue }
            while true {
                if batch.baseOffset >= limitOffset { return nil }
                if batch.lastOffset >= logStartOffset, batch.maxTimestamp >= timestamp,
                    let found = try firstRecord(in: segment, batch: batch, atLeast: timestamp)
                {
                    return found.offset < limitOffset ? found : nil
                }
                guard let next = try segment.batch(at: batch.position + Int64(batch.size)) else { break }
                batch = next
            }
        }
        return nil
    }

    private func firstRecord(
        in segment: LogSegment,
        batch: BatchInfo,
        atLeast timestamp: Int64
    ) throws
        -> (offset: Int64, timestamp: Int64)?
    {
        let bytes = try segment.read(at: batch.position, count: batch.size)
        var reader = RecordBatchReader(bytes, verifyCRC: false)
        guard let decoded = try? reader.next() else { return nil }
        switch try? decoded.records() {
        case .records(let records):
            let match = records.first { $0.timestamp >= timestamp && $0.offset >= logStartOffset }
            return match.map { ($0.offset, $0.timestamp) }
        case .compressed, nil:
            return (max(batch.baseOffset, logStartOffset), batch.maxTimestamp)
        }
    }

    /// Index of the last segment whose base offset is <= `offset` (0 when `offset` is before every segment).
    func segmentIndex(holding offset: Int64) -> Int {
        var low = 0
        var high = segments.count
        while low < high {
            let middle = (low + high) / 2
            if segments[middle].baseOffset <= offset { low = middle + 1 } else { high = middle }
        }
        return max(0, low - 1)
    }
}
