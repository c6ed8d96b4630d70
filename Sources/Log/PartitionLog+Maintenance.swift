import Records

extension PartitionLog {
    // MARK: Truncation (a follower cutting a divergent tail)

    /// Removes every batch from the one holding `offset` on (a batch is never split; truncation points are batch
    /// boundaries in practice). Returns the new log end offset. An offset at or before the first segment's base
    /// empties the log and restarts it at `offset`.
    @discardableResult
    public func truncate(to offset: Int64, now: Int64) throws -> Int64 {
        guard offset < logEndOffset else { return logEndOffset }
        if offset <= segments[0].baseOffset || offset < logStartOffset {
            try truncateFully(startingAt: max(0, offset), now: now)
            return logEndOffset
        }
        while segments.count > 1, activeSegment.baseOffset >= offset {
            let removed = segments.removeLast()
            try removeFiles(of: removed)
        }
        try activeSegment.truncate(to: offset)
        afterTruncation()
        try writeCheckpoint()
        return logEndOffset
    }

    /// Deletes every segment and starts an empty log at `offset` (a follower whose log is out of the leader's
    /// range). Log start, high watermark and recovery point all move to `offset`; the epoch cache is cleared.
    public func truncateFully(startingAt offset: Int64, now: Int64) throws {
        for segment in segments { try removeFiles(of: segment) }
        let fresh = try LogSegment(
            storage: storage,
            directory: directory,
            baseOffset: max(0, offset),
            indexIntervalBytes: config.indexIntervalBytes,
            now: now
        )
        try fresh.index.reset()
        try fresh.file.truncate(to: 0)
        segments = [fresh]
        rolledUnflushed.removeAll()
        logStartOffset = fresh.baseOffset
        leaderEpochCache = LeaderEpochCache()
        try writeEpochCheckpoint()
        afterTruncation()
        try storage.syncDirectory(directory)
        try writeCheckpoint()
    }

    private func afterTruncation() {
        highWatermark = min(highWatermark, logEndOffset)
        recoveryPoint = min(recoveryPoint, logEndOffset)
        unflushedRecords = 0
        if leaderEpochCache.truncateFromEnd(endOffset: logEndOffset) { try? writeEpochCheckpoint() }
    }

    // MARK: Log start (DeleteRecords) and retention

    /// Moves the log start offset to `offset` (DeleteRecords), which must not pass the high watermark, and deletes
    /// the segments wholly before it. Returns the new log start offset.
    @discardableResult
    public func deleteRecords(before offset: Int64, now: Int64) throws -> Int64 {
        guard offset <= highWatermark, offset >= 0 else {
            throw LogError.offsetOutOfRange(offset: offset, logStartOffset: logStartOffset, logEndOffset: logEndOffset)
        }
        guard offset > logStartOffset else { return logStartOffset }
        logStartOffset = offset
        _ = try deletePrefix(now: now) { segment, _ in segment.nextOffset <= offset }
        try writeCheckpoint()
        return logStartOffset
    }

    /// Applies `retention.ms` (segments whose newest record is older) and `retention.bytes` (oldest segments while
    /// the log is larger), deleting whole segments from the oldest on, never past the high watermark, and moves the
    /// log start offset. The active segment is rolled first when it too has expired.
    @discardableResult
    public func applyRetention(now: Int64) throws -> RetentionResult {
        var excess: Int64? = config.retentionBytes >= 0 ? sizeInBytes - config.retentionBytes : nil
        let deleted = try deletePrefix(now: now) { segment, isActive in
            let expired = config.retentionMs >= 0 && segment.maxTimestamp < now &- config.retentionMs
            let tooBig = !isActive && (excess ?? -1) >= segment.size
            let belowStart = segment.nextOffset <= logStartOffset
            guard expired || tooBig || belowStart else { return false }
            excess = excess.map { $0 - segment.size }
            return true
        }
        if !deleted.segments.isEmpty { try writeCheckpoint() }
        return RetentionResult(
            deletedSegments: deleted.segments,
            bytesDeleted: deleted.bytes,
            logStartOffset: logStartOffset
        )
    }

    /// Deletes the longest run of oldest segments matching `shouldDelete`, all below the high watermark; rolls
    /// first when the (non-empty) active segment matches too. Moves the log start offset past them.
    private func deletePrefix(
        now: Int64,
        _ shouldDelete: (LogSegment, _ isActive: Bool) -> Bool
    ) throws -> (segments: [Int64], bytes: Int64) {
        var count = 0
        while count < segments.count {
            let segment = segments[count]
            let isActive = count == segments.count - 1
            if isActive && segment.isEmpty { break }
            guard segment.nextOffset <= highWatermark, shouldDelete(segment, isActive) else { break }
            count += 1
        }
        guard count > 0 else { return ([], 0) }
        if count == segments.count { try roll(at: logEndOffset, now: now) }
        let doomed = Array(segments.prefix(count))
        segments.removeFirst(count)
        var bytes: Int64 = 0
        for segment in doomed {
            bytes += segment.size
            try removeFiles(of: segment)
        }
        try storage.syncDirectory(directory)
        logStartOffset = max(logStartOffset, segments[0].baseOffset)
        if leaderEpochCache.truncateFromStart(startOffset: logStartOffset) { try writeEpochCheckpoint() }
        return (doomed.map(\.baseOffset), bytes)
    }

    // MARK: Flushing (group commit)

    /// Whether the flush policy (`flush.messages`, `flush.ms`) or a rolled segment asks for an fdatasync now.
    public func needsFlush(now: Int64) -> Bool {
        if !rolledUnflushed.isEmpty { return true }
        guard unflushedRecords > 0 else { return false }
        return unflushedRecords >= config.flushMessages || now &- lastFlushTime >= config.flushMs
    }

    /// Whether anything was appended since the last completed flush.
    public var hasUnflushedData: Bool {
        unflushedRecords > 0 || !rolledUnflushed.isEmpty || recoveryPoint < logEndOffset
    }

    /// Captures what a flush must sync now; appends may continue while `run()` goes on another thread. One flush
    /// covers every append before it.
    public func prepareFlush() throws -> LogFlush {
        var files: [any LogFile] = []
        for segment in rolledUnflushed { files += try segment.filesToSync(includeIndexes: true) }
        files += try activeSegment.filesToSync(includeIndexes: false)
        return LogFlush(
            files: files,
            upToOffset: logEndOffset,
            records: unflushedRecords,
            segments: rolledUnflushed.map(\.baseOffset)
        )
    }

    /// Records a flush whose `run()` succeeded: advances the recovery point and writes the checkpoint.
    public func completeFlush(_ flush: LogFlush, now: Int64) throws {
        for segment in rolledUnflushed where flush.segments.contains(segment.baseOffset) {
            try segment.index.releaseFiles()
        }
        rolledUnflushed.removeAll { flush.segments.contains($0.baseOffset) }
        unflushedRecords = max(0, unflushedRecords - flush.records)
        lastFlushTime = now
        if flush.upToOffset > recoveryPoint, flush.upToOffset <= logEndOffset { recoveryPoint = flush.upToOffset }
        try writeCheckpoint()
    }

    /// Flushes on the calling thread: prepare, run and complete.
    public func flush(now: Int64) throws {
        let flush = try prepareFlush()
        try flush.run()
        try completeFlush(flush, now: now)
    }

    /// Flushes everything and writes the checkpoints (clean shutdown).
    public func close(now: Int64) throws {
        try flush(now: now)
        try writeEpochCheckpoint()
    }
}
