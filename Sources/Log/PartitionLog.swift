import Records

/// Kafka's log for one partition replica: a directory of segments, appended to by the leader (or a follower),
/// read by fetches, cut by retention and truncation. Writes go to the page cache; `prepareFlush`/`completeFlush`
/// make them durable in groups when a flush policy asks for it.
///
/// Not thread-safe: confine a log to one thread (event loop); only `LogFlush.run()` may run elsewhere.
public final class PartitionLog {
    public let topic: String
    public let partition: Int32
    public let directory: String
    public var config: LogConfig
    let storage: any LogStorage

    /// Segments by increasing base offset; never empty; the last one is active.
    var segments: [LogSegment] = []
    public internal(set) var logStartOffset: Int64 = 0
    public internal(set) var highWatermark: Int64 = 0
    /// Everything before this offset is durable (fdatasynced).
    public internal(set) var recoveryPoint: Int64 = 0
    public internal(set) var leaderEpochCache = LeaderEpochCache()
    /// What opening the log found and repaired.
    public internal(set) var recoveryReport = LogRecoveryReport()

    /// Records appended since the last completed flush, and when that flush was.
    var unflushedRecords: Int64 = 0
    var lastFlushTime: Int64
    /// Rolled segments whose files still need an fdatasync.
    var rolledUnflushed: [LogSegment] = []

    static let epochCheckpointName = "leader-epoch-checkpoint"
    static let epochMagic: [UInt8] = Array("LEC1".utf8)

    var activeSegment: LogSegment { segments[segments.count - 1] }

    /// The offset the next record gets.
    public var logEndOffset: Int64 { activeSegment.nextOffset }

    /// Bytes in all segments.
    public var sizeInBytes: Int64 { segments.reduce(0) { $0 + $1.size } }

    public var segmentCount: Int { segments.count }

    /// Base offsets of the segments, oldest first.
    public var segmentBaseOffsets: [Int64] { segments.map(\.baseOffset) }

    /// Opens the log in `directory` (creating it), recovering whatever is past the last recovery point.
    public init(
        storage: any LogStorage,
        directory: String,
        topic: String,
        partition: Int32,
        config: LogConfig = LogConfig(),
        now: Int64
    ) throws {
        self.storage = storage
        self.directory = directory
        self.topic = topic
        self.partition = partition
        self.config = config
        self.lastFlushTime = now
        try open(now: now)
    }

    // MARK: Appending

    /// Appends validated batches from a leader: stamps each batch's baseOffset (from `logEndOffset` on) and
    /// partitionLeaderEpoch in place, writes them all in one write, and records `leaderEpoch` in the epoch cache.
    /// Throws `RecordBatchError` for broken framing or a batch above `max.message.bytes`, storage errors otherwise.
    @discardableResult
    public func append(
        validatedBatches bytes: UnsafeMutableRawBufferPointer,
        leaderEpoch: Int32,
        now: Int64
    ) throws -> AppendResult {
        var batches = try Self.frame(UnsafeRawBufferPointer(bytes), maxBatchSize: config.maxMessageBytes)
        let firstOffset = logEndOffset
        var next = firstOffset
        for index in batches.indices {
            let count = batches[index].lastOffset &- batches[index].baseOffset
            RecordBatchStamp.stamp(
                bytes,
                at: Int(batches[index].position),
                baseOffset: next,
                partitionLeaderEpoch: leaderEpoch
            )
            batches[index].baseOffset = next
            batches[index].lastOffset = next &+ count
            next = next &+ count &+ 1
        }
        try write(UnsafeRawBufferPointer(bytes), batches: batches, now: now)
        if leaderEpochCache.assign(epoch: leaderEpoch, startOffset: firstOffset) { try writeEpochCheckpoint() }
        return result(for: UnsafeRawBufferPointer(bytes), batches: batches)
    }

    /// Appends validated batches from a leader; see the buffer variant.
    @discardableResult
    public func append(
        validatedBatches bytes: consuming [UInt8],
        leaderEpoch: Int32,
        now: Int64
    ) throws
        -> AppendResult
    {
        try bytes.withUnsafeMutableBytes { try append(validatedBatches: $0, leaderEpoch: leaderEpoch, now: now) }
    }

    /// Appends batches fetched from the leader as they are (offsets and epochs already stamped). The first batch
    /// must start at `logEndOffset` and the others follow without gaps, except on an empty log, whose first batch
    /// may start before `logEndOffset` if it holds `logStartOffset` (a follower that restarted its log at the
    /// leader's log start, which can sit inside a batch). Each batch's partitionLeaderEpoch feeds the epoch cache.
    @discardableResult
    public func appendAsFollower(_ bytes: [UInt8], now: Int64) throws -> AppendResult {
        try bytes.withUnsafeBytes { raw in
            let batches = try Self.frame(raw, maxBatchSize: Int(Int32.max))
            var expected = logEndOffset
            if segments.count == 1, activeSegment.isEmpty, let first = batches.first, first.baseOffset < expected,
                first.lastOffset >= logStartOffset
            {
                expected = first.baseOffset
            }
            for batch in batches {
                guard batch.baseOffset == expected, batch.lastOffset >= batch.baseOffset else {
                    throw LogError.nonMonotonicAppend(firstOffset: batch.baseOffset, logEndOffset: expected)
                }
                expected = batch.lastOffset &+ 1
            }
            try write(raw, batches: batches, now: now)
            var changed = false
            for batch in batches {
                let epoch = raw.loadEpoch(at: Int(batch.position))
                changed = leaderEpochCache.assign(epoch: epoch, startOffset: batch.baseOffset) || changed
            }
            if changed { try writeEpochCheckpoint() }
            return result(for: raw, batches: batches)
        }
    }

    /// Reads the framing of whole batches (positions relative to `bytes`); the caller validated CRCs already.
    static func frame(_ bytes: UnsafeRawBufferPointer, maxBatchSize: Int) throws -> [BatchInfo] {
        guard !bytes.isEmpty else { throw RecordBatchError.corruptMessage("no record batch") }
        var batches: [BatchInfo] = []
        var position = 0
        while position < bytes.count {
            let header = try RecordBatchHeader(parsing: bytes, at: position)
            guard header.batchLength >= Int32(RecordBatchHeader.minimumBatchLength),
                header.totalSize <= bytes.count - position, header.lastOffsetDelta >= 0
            else { throw RecordBatchError.corruptMessage("malformed batch at byte \(position)") }
            guard header.totalSize <= maxBatchSize else {
                throw RecordBatchError.messageTooLarge(size: header.totalSize, limit: maxBatchSize)
            }
            batches.append(
                BatchInfo(
                    position: Int64(position),
                    baseOffset: header.baseOffset,
                    lastOffset: header.lastOffset,
                    size: header.totalSize,
                    maxTimestamp: header.maxTimestamp
                )
            )
            position += header.totalSize
        }
        return batches
    }

    /// Rolls when needed, then writes the batches to the active segment in one write.
    private func write(_ bytes: UnsafeRawBufferPointer, batches: [BatchInfo], now: Int64) throws {
        guard let last = batches.last else { return }
        try maybeRoll(
            incomingBytes: bytes.count,
            firstOffset: batches[0].baseOffset,
            lastOffset: last.lastOffset,
            now: now
        )
        try activeSegment.append(bytes, batches: batches)
        for batch in batches { unflushedRecords &+= Int64(bytes.loadRecordsCount(at: Int(batch.position))) }
    }

    private func result(for bytes: UnsafeRawBufferPointer, batches: [BatchInfo]) -> AppendResult {
        var records: Int64 = 0
        for batch in batches { records &+= Int64(bytes.loadRecordsCount(at: Int(batch.position))) }
        return AppendResult(
            firstOffset: batches.first?.baseOffset ?? logEndOffset,
            lastOffset: batches.last?.lastOffset ?? logEndOffset - 1,
            maxTimestamp: batches.map(\.maxTimestamp).max() ?? -1,
            logAppendTime: -1,
            logStartOffset: logStartOffset,
            recordCount: records,
            byteCount: bytes.count
        )
    }

    /// Starts a new segment when the active one is full (`segment.bytes`), old (`segment.ms`, measured both from its
    /// first batch's timestamp and from when it was opened, so old producer clocks cannot cause a roll per append),
    /// or cannot hold the offsets, or when the offsets jump back to a segment base.
    func maybeRoll(incomingBytes: Int, firstOffset: Int64, lastOffset: Int64, now: Int64) throws {
        let active = activeSegment
        guard !active.isEmpty else {
            if !active.canHold(lastOffset: lastOffset) || firstOffset < active.baseOffset {
                try replaceEmptyActive(baseOffset: firstOffset, now: now)
            }
            return
        }
        let full = active.size + Int64(incomingBytes) > Int64(config.segmentBytes)
        let recordAge = now &- (active.firstBatchTimestamp ?? active.openedAt)
        let old = recordAge >= config.segmentMs && now &- active.openedAt >= config.segmentMs
        if full || old || !active.canHold(lastOffset: lastOffset) { try roll(at: firstOffset, now: now) }
    }

    /// Makes a new active segment starting at `baseOffset` (normally the log end offset).
    func roll(at baseOffset: Int64, now: Int64) throws {
        let segment = try LogSegment(
            storage: storage,
            directory: directory,
            baseOffset: baseOffset,
            indexIntervalBytes: config.indexIntervalBytes,
            now: now
        )
        try segment.index.reset()
        try segment.file.truncate(to: 0)
        rolledUnflushed.append(activeSegment)
        try activeSegment.index.releaseFiles()
        segments.append(segment)
        try storage.syncDirectory(directory)
    }

    /// An empty active segment whose base does not suit the next append (a follower jumping ahead) is replaced.
    private func replaceEmptyActive(baseOffset: Int64, now: Int64) throws {
        if segments.count > 1, case let previousEnd = segments[segments.count - 2].nextOffset, previousEnd > baseOffset
        {
            throw LogError.nonMonotonicAppend(firstOffset: baseOffset, logEndOffset: previousEnd)
        }
        let old = segments.removeLast()
        try removeFiles(of: old)
        segments.append(
            try LogSegment(
                storage: storage,
                directory: directory,
                baseOffset: baseOffset,
                indexIntervalBytes: config.indexIntervalBytes,
                now: now
            )
        )
    }

    func removeFiles(of segment: LogSegment) throws {
        try storage.removeFile(segment.logPath)
        try storage.removeFile(segment.indexPath)
        try storage.removeFile(segment.timeIndexPath)
        rolledUnflushed.removeAll { $0 === segment }
    }

    // MARK: High watermark

    /// Sets the high watermark (the caller computes it from the ISR), clamped to `logStartOffset ... logEndOffset`.
    /// Not written to disk at once: `writeCheckpoint()` does, periodically and on flush.
    @discardableResult
    public func updateHighWatermark(_ offset: Int64) -> Int64 {
        highWatermark = min(max(offset, logStartOffset), logEndOffset)
        return highWatermark
    }

    // MARK: Leader epochs

    /// Where `epoch` ends in this log (OffsetsForLeaderEpoch, truncation by leader epoch): see
    /// `LeaderEpochCache.endOffset(for:logEndOffset:)`.
    public func endOffset(forLeaderEpoch epoch: Int32) -> (epoch: Int32, endOffset: Int64) {
        leaderEpochCache.endOffset(for: epoch, logEndOffset: logEndOffset)
    }

    /// Where `epoch` ends in this log as the leader of `leaderEpoch` answers: see
    /// `LeaderEpochCache.endOffset(for:logEndOffset:leaderEpoch:)`.
    public func endOffset(forLeaderEpoch epoch: Int32, leaderEpoch: Int32) -> (epoch: Int32, endOffset: Int64) {
        leaderEpochCache.endOffset(for: epoch, logEndOffset: logEndOffset, leaderEpoch: leaderEpoch)
    }

    // MARK: Checkpoints

    /// Writes recovery point, high watermark and log start offset (atomically, with a checksum).
    public func writeCheckpoint() throws {
        let checkpoint = PartitionCheckpoint(
            recoveryPoint: recoveryPoint,
            highWatermark: highWatermark,
            logStartOffset: logStartOffset
        )
        try checkpointFile.write(checkpoint.encoded())
    }

    func writeEpochCheckpoint() throws {
        try epochFile.write(leaderEpochCache.encoded())
    }

    var checkpointFile: CheckpointFile {
        CheckpointFile(
            storage: storage,
            directory: directory,
            name: PartitionCheckpoint.fileName,
            magic: PartitionCheckpoint.magic
        )
    }

    var epochFile: CheckpointFile {
        CheckpointFile(storage: storage, directory: directory, name: Self.epochCheckpointName, magic: Self.epochMagic)
    }
}

extension UnsafeRawBufferPointer {
    fileprivate func loadEpoch(at position: Int) -> Int32 {
        Int32(bigEndian: loadUnaligned(fromByteOffset: position + 12, as: Int32.self))
    }

    fileprivate func loadRecordsCount(at position: Int) -> Int32 {
        Int32(bigEndian: loadUnaligned(fromByteOffset: position + 57, as: Int32.self))
    }
}
