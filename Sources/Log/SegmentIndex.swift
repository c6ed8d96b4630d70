import Records

/// The sparse offset index and time index of one segment, kept in memory and mirrored in two files.
///
/// Our own format (not Kafka's), all big-endian, no file header, every entry ending in the CRC-32C of its other
/// bytes so a damaged entry is detected:
/// - `.index`: 12-byte entries (relative offset u32, file position u32, crc u32). An entry names a batch start: the
///   batch with base offset `segmentBase + relative offset` starts at that position. One entry whenever more than
///   `index.interval.bytes` of log were appended since the last one.
/// - `.timeindex`: 16-byte entries (timestamp i64, relative offset u32, crc u32), written with each offset entry:
///   the timestamp is the largest max timestamp of the batches *before* that batch in the segment, so all batches
///   before an entry whose timestamp is below t hold only older records.
///
/// Both are hints: loading checks every entry (checksum, order, bounds) and the last one against the log, recovery
/// rebuilds them from the log, and `LogSegment` checks each entry it uses against the batch it points at.
struct SegmentIndex {
    struct OffsetEntry: Equatable {
        var relativeOffset: UInt32
        var position: UInt32
    }

    struct TimeEntry: Equatable {
        var timestamp: Int64
        var relativeOffset: UInt32
    }

    static let offsetEntrySize = 12
    static let timeEntrySize = 16

    let storage: any LogStorage
    let offsetPath: String
    let timePath: String
    /// Open handles, dropped by `releaseFiles()` for segments that no longer change, reopened on demand.
    private var offsetHandle: (any LogFile)?
    private var timeHandle: (any LogFile)?
    private(set) var offsets: [OffsetEntry] = []
    private(set) var times: [TimeEntry] = []
    /// Encoded entries not yet written (flushed to the files once per append).
    private var pendingOffsets: [UInt8] = []
    private var pendingTimes: [UInt8] = []

    init(storage: any LogStorage, offsetPath: String, timePath: String) {
        self.storage = storage
        self.offsetPath = offsetPath
        self.timePath = timePath
    }

    /// The `.index` file, opened (created) when needed.
    mutating func offsetFile() throws -> any LogFile {
        if let offsetHandle { return offsetHandle }
        let file = try storage.openFile(offsetPath, create: true)
        offsetHandle = file
        return file
    }

    /// The `.timeindex` file, opened (created) when needed.
    mutating func timeFile() throws -> any LogFile {
        if let timeHandle { return timeHandle }
        let file = try storage.openFile(timePath, create: true)
        timeHandle = file
        return file
    }

    /// Closes the files (entries stay in memory): inactive segments hold one descriptor, their log's, not three.
    mutating func releaseFiles() throws {
        try writePending()
        offsetHandle = nil
        timeHandle = nil
    }

    /// Adds an entry for the batch at `position` with relative offset `relativeOffset`; `timestampBefore` is the
    /// largest timestamp of earlier batches in the segment (-1 when none).
    mutating func add(relativeOffset: UInt32, position: UInt32, timestampBefore: Int64) {
        if let last = offsets.last, last.relativeOffset >= relativeOffset || last.position >= position { return }
        offsets.append(OffsetEntry(relativeOffset: relativeOffset, position: position))
        let timestamp = max(timestampBefore, times.last?.timestamp ?? -1)
        times.append(TimeEntry(timestamp: timestamp, relativeOffset: relativeOffset))
        var offsetEntry: [UInt8] = []
        offsetEntry.appendUInt32BE(relativeOffset)
        offsetEntry.appendUInt32BE(position)
        offsetEntry.appendUInt32BE(CRC32C.checksum(offsetEntry))
        pendingOffsets += offsetEntry
        var timeEntry: [UInt8] = []
        timeEntry.appendInt64BE(timestamp)
        timeEntry.appendUInt32BE(relativeOffset)
        timeEntry.appendUInt32BE(CRC32C.checksum(timeEntry))
        pendingTimes += timeEntry
    }

    /// Writes the entries added since the last call to the files.
    mutating func writePending() throws {
        if !pendingOffsets.isEmpty {
            let written = offsets.count - pendingOffsets.count / Self.offsetEntrySize
            try offsetFile().write(pendingOffsets, at: Int64(written * Self.offsetEntrySize))
            pendingOffsets.removeAll(keepingCapacity: true)
        }
        if !pendingTimes.isEmpty {
            let written = times.count - pendingTimes.count / Self.timeEntrySize
            try timeFile().write(pendingTimes, at: Int64(written * Self.timeEntrySize))
            pendingTimes.removeAll(keepingCapacity: true)
        }
    }

    /// The entry of the last batch start at or before relative offset `relativeOffset`, if any.
    func floor(relativeOffset: UInt32) -> OffsetEntry? {
        let index = lastIndex { $0.relativeOffset <= relativeOffset }
        return index.map { offsets[$0] }
    }

    /// The entry of the last indexed batch starting at or before `position`, if any.
    func floor(position: UInt32) -> OffsetEntry? {
        let index = lastIndex { $0.position <= position }
        return index.map { offsets[$0] }
    }

    /// The relative offset from which a scan for the first record with timestamp >= `timestamp` can start.
    func scanStart(forTimestamp timestamp: Int64) -> UInt32? {
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle].timestamp < timestamp { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : times[low - 1].relativeOffset
    }

    /// Drops entries for batches at or after `position` (the log was cut there) and cuts the files to match.
    mutating func truncate(fromPosition position: Int64) throws {
        try writePending()
        let keep = offsets.prefix { Int64($0.position) < position }.count
        guard keep < offsets.count else { return }
        offsets.removeSubrange(keep...)
        times.removeSubrange(keep...)
        try offsetFile().truncate(to: Int64(keep * Self.offsetEntrySize))
        try timeFile().truncate(to: Int64(keep * Self.timeEntrySize))
    }

    /// Empties both indexes (before a rebuild).
    mutating func reset() throws {
        offsets.removeAll()
        times.removeAll()
        pendingOffsets.removeAll()
        pendingTimes.removeAll()
        try offsetFile().truncate(to: 0)
        try timeFile().truncate(to: 0)
    }

    /// Loads the entries from the files; false (and empty) when the files are malformed: wrong sizes, entries out
    /// of order, positions at or past `logSize`. The caller still checks the entries against the log.
    mutating func load(logSize: Int64) throws -> Bool {
        offsets.removeAll()
        times.removeAll()
        let offsetSize = try offsetFile().size()
        let timeSize = try timeFile().size()
        guard offsetSize % Int64(Self.offsetEntrySize) == 0, timeSize % Int64(Self.timeEntrySize) == 0,
            offsetSize / Int64(Self.offsetEntrySize) == timeSize / Int64(Self.timeEntrySize),
            offsetSize <= Int64(Int32.max)
        else { return false }
        let offsetBytes = try offsetFile().read(at: 0, count: Int(offsetSize))
        let timeBytes = try timeFile().read(at: 0, count: Int(timeSize))
        guard offsetBytes.count == Int(offsetSize), timeBytes.count == Int(timeSize) else { return false }
        var offsetReader = BytesReader(offsetBytes)
        var timeReader = BytesReader(timeBytes)
        var loadedOffsets: [OffsetEntry] = []
        var loadedTimes: [TimeEntry] = []
        while offsetReader.remaining > 0 {
            let offsetStart = offsetReader.position
            let timeStart = timeReader.position
            guard let relative = offsetReader.uint32(), let position = offsetReader.uint32(),
                let offsetCRC = offsetReader.uint32(),
                offsetCRC == CRC32C.checksum(offsetBytes[offsetStart..<(offsetStart + 8)]),
                let timestamp = timeReader.int64(), let timeRelative = timeReader.uint32(),
                let timeCRC = timeReader.uint32(), timeCRC == CRC32C.checksum(timeBytes[timeStart..<(timeStart + 12)]),
                timeRelative == relative, Int64(position) < logSize
            else { return false }
            if let last = loadedOffsets.last, last.relativeOffset >= relative || last.position >= position {
                return false
            }
            if let last = loadedTimes.last, last.timestamp > timestamp { return false }
            loadedOffsets.append(OffsetEntry(relativeOffset: relative, position: position))
            loadedTimes.append(TimeEntry(timestamp: timestamp, relativeOffset: relative))
        }
        offsets = loadedOffsets
        times = loadedTimes
        return true
    }

    private func lastIndex(where isBefore: (OffsetEntry) -> Bool) -> Int? {
        // Entries are sorted by both fields, so the matching ones form a prefix: binary search its end.
        var low = 0
        var high = offsets.count
        while low < high {
            let middle = (low + high) / 2
            if isBefore(offsets[middle]) { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }
}
