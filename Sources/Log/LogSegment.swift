import Records

/// What the log needs to know about one stored batch, read from its header.
struct BatchInfo: Equatable {
    var position: Int64
    var baseOffset: Int64
    var lastOffset: Int64
    var size: Int
    var maxTimestamp: Int64
}

/// One segment of a partition's log: `<base offset>.log` plus its sparse indexes. Holds its file handles open.
final class LogSegment {
    let baseOffset: Int64
    let directory: String
    let file: any LogFile
    var index: SegmentIndex
    /// Bytes in the `.log` file.
    private(set) var size: Int64 = 0
    /// The offset after the last batch; `baseOffset` while empty.
    private(set) var nextOffset: Int64
    /// The largest batch max timestamp; -1 while empty.
    private(set) var maxTimestamp: Int64 = -1
    /// The first batch's max timestamp, which `segment.ms` rolls are measured from (Kafka's rule).
    private(set) var firstBatchTimestamp: Int64?
    /// When the segment was created or opened (ms), for `segment.ms` while no batch has a timestamp.
    let openedAt: Int64
    private var bytesSinceIndexEntry = 0
    /// Whether the index files changed since a flush last took them.
    var indexDirty = false
    let indexIntervalBytes: Int

    static func fileName(_ baseOffset: Int64, _ suffix: String) -> String {
        let digits = String(baseOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    var logPath: String { joinPath(directory, Self.fileName(baseOffset, ".log")) }
    var indexPath: String { index.offsetPath }
    var timeIndexPath: String { index.timePath }

    /// The files a flush of this segment syncs: the log, and the indexes when they changed (they are checked
    /// against the log at open, so syncing them is for a faster restart, not for correctness).
    func filesToSync(includeIndexes: Bool) throws -> [any LogFile] {
        guard includeIndexes || indexDirty else { return [file] }
        indexDirty = false
        return [file, try index.offsetFile(), try index.timeFile()]
    }

    /// Opens (creating when missing) the segment's three files; the caller then loads or rebuilds the index.
    init(storage: any LogStorage, directory: String, baseOffset: Int64, indexIntervalBytes: Int, now: Int64) throws {
        self.baseOffset = baseOffset
        self.directory = directory
        self.nextOffset = baseOffset
        self.indexIntervalBytes = indexIntervalBytes
        self.openedAt = now
        file = try storage.openFile(joinPath(directory, Self.fileName(baseOffset, ".log")), create: true)
        index = SegmentIndex(
            storage: storage,
            offsetPath: joinPath(directory, Self.fileName(baseOffset, ".index")),
            timePath: joinPath(directory, Self.fileName(baseOffset, ".timeindex"))
        )
        size = try file.size()
    }

    var isEmpty: Bool { size == 0 }

    /// Whether a batch ending at `lastOffset` can still go here (relative offsets are u32).
    func canHold(lastOffset: Int64) -> Bool {
        lastOffset >= baseOffset && lastOffset - baseOffset <= Int64(UInt32.max)
    }

    /// Writes `bytes` (whole batches described by `batches`, positions relative to `bytes`) at the end in one write.
    func append(_ bytes: UnsafeRawBufferPointer, batches: [BatchInfo]) throws {
        let start = size
        do {
            try file.write(bytes, at: start)
        } catch {
            try? file.truncate(to: start)
            throw error
        }
        size = start + Int64(bytes.count)
        let entriesBefore = index.offsets.count
        for batch in batches { noteBatch(batch, at: start + batch.position) }
        if index.offsets.count != entriesBefore { indexDirty = true }
        try index.writePending()
    }

    /// Updates the in-memory state for a batch stored at `position`, adding index entries by the interval rule.
    private func noteBatch(_ batch: BatchInfo, at position: Int64) {
        if bytesSinceIndexEntry > indexIntervalBytes {
            index.add(
                relativeOffset: UInt32(clamping: batch.baseOffset - baseOffset),
                position: UInt32(clamping: position),
                timestampBefore: maxTimestamp
            )
            bytesSinceIndexEntry = 0
        }
        bytesSinceIndexEntry += batch.size
        if firstBatchTimestamp == nil { firstBatchTimestamp = batch.maxTimestamp }
        maxTimestamp = max(maxTimestamp, batch.maxTimestamp)
        nextOffset = batch.lastOffset &+ 1
    }

    // MARK: Reading batch headers

    /// The header of the batch at `position`, or nil past the end or when it does not parse.
    func batch(at position: Int64) throws -> BatchInfo? {
        guard position >= 0, position + Int64(RecordBatchHeader.size) <= size else { return nil }
        let bytes = try file.read(at: position, count: RecordBatchHeader.size)
        guard let header = try? RecordBatchHeader(parsing: bytes),
            header.batchLength >= Int32(RecordBatchHeader.minimumBatchLength),
            position + Int64(header.totalSize) <= size
        else { return nil }
        return BatchInfo(
            position: position,
            baseOffset: header.baseOffset,
            lastOffset: header.lastOffset,
            size: header.totalSize,
            maxTimestamp: header.maxTimestamp
        )
    }

    /// The first batch whose last offset is >= `offset` (the batch holding it, or the next one after a gap).
    func firstBatch(endingAtOrAfter offset: Int64) throws -> BatchInfo? {
        guard offset < nextOffset else { return nil }
        let relative = UInt32(clamping: max(0, offset - baseOffset))
        var position = try checkedPosition { $0.floor(relativeOffset: relative) }
        while let batch = try batch(at: position) {
            if batch.lastOffset >= offset { return batch }
            position += Int64(batch.size)
        }
        return nil
    }

    /// The end of the last whole batch that starts at or after `start` and ends at or before `limit`.
    func lastBoundary(from start: Int64, notAfter limit: Int64) throws -> Int64 {
        let indexed = try checkedPosition { $0.floor(position: UInt32(clamping: limit)) }
        var position = max(start, indexed)
        while let batch = try batch(at: position), position + Int64(batch.size) <= limit {
            position += Int64(batch.size)
        }
        return position
    }

    /// The first batch whose max timestamp is >= `timestamp`.
    func firstBatch(withTimestampAtLeast timestamp: Int64) throws -> BatchInfo? {
        guard maxTimestamp >= timestamp else { return nil }
        var position = try checkedPosition { index in
            index.scanStart(forTimestamp: timestamp).flatMap { index.floor(relativeOffset: $0) }
        }
        while let batch = try batch(at: position) {
            if batch.maxTimestamp >= timestamp { return batch }
            position += Int64(batch.size)
        }
        return nil
    }

    /// The position of the index entry `pick` chooses (0 without one), after checking that a batch with the
    /// entry's offset starts there: an entry that disagrees with the log makes the index be rebuilt from the log.
    private func checkedPosition(_ pick: (SegmentIndex) -> SegmentIndex.OffsetEntry?) throws -> Int64 {
        guard let entry = pick(index) else { return 0 }
        let position = Int64(entry.position)
        if let batch = try batch(at: position), batch.baseOffset == baseOffset + Int64(entry.relativeOffset) {
            return position
        }
        try rebuildIndex()
        return Int64(pick(index)?.position ?? 0)
    }

    /// Rebuilds both indexes from the batch headers (no CRC check, nothing cut).
    func rebuildIndex() throws {
        try index.reset()
        nextOffset = baseOffset
        maxTimestamp = -1
        firstBatchTimestamp = nil
        bytesSinceIndexEntry = 0
        var position: Int64 = 0
        while let batch = try batch(at: position) {
            noteBatch(batch, at: position)
            position += Int64(batch.size)
        }
        indexDirty = true
        try index.writePending()
    }

    /// Reads `count` bytes at `position`.
    func read(at position: Int64, count: Int) throws -> [UInt8] {
        try file.read(at: position, count: count)
    }

    // MARK: Truncation, recovery, index loading

    /// Cuts the segment before the batch holding `offset` (or the first batch after it). Returns bytes removed.
    @discardableResult
    func truncate(to offset: Int64) throws -> Int64 {
        guard let batch = try firstBatch(endingAtOrAfter: offset) else { return 0 }
        return try cut(at: batch.position)
    }

    /// Cuts the log file at `position` and rebuilds the in-memory state from what is left.
    private func cut(at position: Int64) throws -> Int64 {
        let removed = size - position
        try file.truncate(to: position)
        try index.truncate(fromPosition: position)
        size = position
        try rescanTail()
        return removed
    }

    /// Sets `nextOffset`, `maxTimestamp` and the index interval counter by scanning from the last index entry; the
    /// loaded index covers everything before it. Returns false when the log disagrees with the index.
    @discardableResult
    func rescanTail() throws -> Bool {
        let last = index.offsets.last
        nextOffset = baseOffset
        maxTimestamp = index.times.last?.timestamp ?? -1
        firstBatchTimestamp = nil
        if let first = try batch(at: 0) {
            guard first.baseOffset == baseOffset else { return false }
            firstBatchTimestamp = first.maxTimestamp
        }
        var position = Int64(last?.position ?? 0)
        bytesSinceIndexEntry = 0
        var first = true
        while let batch = try batch(at: position) {
            if first, let last, batch.baseOffset != baseOffset + Int64(last.relativeOffset) { return false }
            first = false
            // The interval rule would have indexed this batch: entries are missing, so rebuild.
            if bytesSinceIndexEntry > indexIntervalBytes { return false }
            bytesSinceIndexEntry += batch.size
            maxTimestamp = max(maxTimestamp, batch.maxTimestamp)
            nextOffset = batch.lastOffset &+ 1
            position += Int64(batch.size)
        }
        if position != size { return false }
        if last != nil, first { return false }
        return true
    }

    /// Scans every batch (sizes, magic, CRC, offsets contiguous from the segment's base), cutting the file at the first
    /// bad one, and rebuilds the indexes. Returns what was cut, if anything.
    func recover() throws -> (bytesCut: Int64, reason: String)? {
        try index.reset()
        size = try file.size()
        nextOffset = baseOffset
        maxTimestamp = -1
        firstBatchTimestamp = nil
        bytesSinceIndexEntry = 0
        var scanner = SegmentScanner(file: file, size: size)
        var position: Int64 = 0
        var expected = baseOffset
        var problem: String?
        while position < size {
            let result = try scanner.checkBatch(at: position)
            switch result {
            case .failure(let reason):
                problem = reason.description
            case .success(let header):
                if header.baseOffset != expected {
                    problem = "batch base offset \(header.baseOffset) where \(expected) was expected"
                } else if !canHold(lastOffset: header.lastOffset) || header.lastOffsetDelta < 0 {
                    problem = "batch offsets \(header.baseOffset)...\(header.lastOffset) do not fit the segment"
                }
                if problem == nil {
                    let info = BatchInfo(
                        position: position,
                        baseOffset: header.baseOffset,
                        lastOffset: header.lastOffset,
                        size: header.totalSize,
                        maxTimestamp: header.maxTimestamp
                    )
                    noteBatch(info, at: position)
                    expected = header.lastOffset &+ 1
                    position += Int64(header.totalSize)
                }
            }
            if problem != nil { break }
        }
        indexDirty = true
        try index.writePending()
        guard let problem else { return nil }
        let removed = size - position
        try file.truncate(to: position)
        size = position
        return (removed, "at byte \(position): \(problem)")
    }
}
