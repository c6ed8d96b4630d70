/// One leader epoch and the first offset written in it.
public struct LeaderEpochEntry: Sendable, Equatable {
    public var epoch: Int32
    public var startOffset: Int64

    public init(epoch: Int32, startOffset: Int64) {
        self.epoch = epoch
        self.startOffset = startOffset
    }
}

/// The leader-epoch cache of a replica (epoch -> start offset), the basis of truncation by leader epoch: a follower
/// asks the leader where its last epoch ends and cuts its log there. Pure; `PartitionLog` checkpoints it.
public struct LeaderEpochCache: Sendable, Equatable {
    /// Entries with strictly increasing epochs and strictly increasing start offsets.
    public private(set) var entries: [LeaderEpochEntry] = []

    public init(entries: [LeaderEpochEntry] = []) {
        for entry in entries { assign(epoch: entry.epoch, startOffset: entry.startOffset) }
    }

    public var latestEpoch: Int32? { entries.last?.epoch }

    /// Records that `epoch` starts at `startOffset`. Only a newer epoch is added; entries it contradicts (starting
    /// at or after `startOffset`, i.e. epochs that wrote nothing) are dropped. Returns whether the cache changed.
    @discardableResult
    public mutating func assign(epoch: Int32, startOffset: Int64) -> Bool {
        guard epoch >= 0, startOffset >= 0 else { return false }
        if let latest = entries.last, epoch <= latest.epoch { return false }
        entries.removeAll { $0.startOffset >= startOffset }
        entries.append(LeaderEpochEntry(epoch: epoch, startOffset: startOffset))
        return true
    }

    /// Where `epoch` ends, for a follower's OffsetsForLeaderEpoch: the largest known epoch <= `epoch` and the start
    /// offset of the next epoch (the log end offset for the latest epoch). (-1, -1) when `epoch` is -1 or newer than
    /// every known epoch; (`epoch`, first start offset) when it is older than every known epoch.
    public func endOffset(for epoch: Int32, logEndOffset: Int64) -> (epoch: Int32, endOffset: Int64) {
        guard epoch >= 0, let latest = entries.last else { return (-1, -1) }
        if epoch == latest.epoch { return (epoch, logEndOffset) }
        guard let higherIndex = entries.firstIndex(where: { $0.epoch > epoch }) else { return (-1, -1) }
        let higher = entries[higherIndex]
        guard higherIndex > 0 else { return (epoch, higher.startOffset) }
        return (entries[higherIndex - 1].epoch, higher.startOffset)
    }

    /// `endOffset(for:logEndOffset:)` as the leader of `leaderEpoch` answers it: its own epoch counts as started at
    /// the log end offset even before it has written anything (Kafka records the epoch on election; we record it
    /// on the first append). Without this, a follower asking for an epoch between the last one written here and
    /// the current one would get (-1, -1) instead of the earlier epoch and where it ends.
    public func endOffset(
        for epoch: Int32,
        logEndOffset: Int64,
        leaderEpoch: Int32
    ) -> (epoch: Int32, endOffset: Int64) {
        var withCurrent = self
        withCurrent.assign(epoch: leaderEpoch, startOffset: logEndOffset)
        return withCurrent.endOffset(for: epoch, logEndOffset: logEndOffset)
    }

    /// The epoch of the record at `offset`, when known.
    public func epoch(at offset: Int64) -> Int32? {
        entries.last { $0.startOffset <= offset }?.epoch
    }

    /// Forgets epochs starting at or after `endOffset` (the log was truncated there). Returns whether it changed.
    @discardableResult
    public mutating func truncateFromEnd(endOffset: Int64) -> Bool {
        let before = entries.count
        entries.removeAll { $0.startOffset >= endOffset }
        return entries.count != before
    }

    /// Drops epochs wholly before `startOffset` (the log start moved); the epoch holding `startOffset` is kept,
    /// starting there. Returns whether it changed.
    @discardableResult
    public mutating func truncateFromStart(startOffset: Int64) -> Bool {
        guard let holding = entries.lastIndex(where: { $0.startOffset <= startOffset }) else { return false }
        let before = entries
        entries.removeFirst(holding)
        entries[0].startOffset = startOffset
        return entries != before
    }

    /// Checkpoint payload: count u32, then (epoch i32, start offset i64) per entry, big-endian.
    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendUInt32BE(UInt32(truncatingIfNeeded: entries.count))
        for entry in entries {
            bytes.appendInt32BE(entry.epoch)
            bytes.appendInt64BE(entry.startOffset)
        }
        return bytes
    }

    /// Decodes a checkpoint payload; nil when malformed.
    static func decode(_ payload: [UInt8]) -> LeaderEpochCache? {
        var reader = BytesReader(payload)
        guard let count = reader.uint32(), Int(count) * 12 == reader.remaining else { return nil }
        var entries: [LeaderEpochEntry] = []
        for _ in 0..<Int(count) {
            guard let epoch = reader.int32(), let start = reader.int64() else { return nil }
            entries.append(LeaderEpochEntry(epoch: epoch, startOffset: start))
        }
        let cache = LeaderEpochCache(entries: entries)
        return cache.entries == entries ? cache : nil
    }
}
