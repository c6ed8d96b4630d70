import Records

/// Why a log operation was refused.
public enum LogError: Error, Equatable, Sendable {
    /// A fetch or list offset outside `logStartOffset ... logEndOffset` (OFFSET_OUT_OF_RANGE, 1).
    case offsetOutOfRange(offset: Int64, logStartOffset: Int64, logEndOffset: Int64)
    /// A follower append whose offsets do not continue the log.
    case nonMonotonicAppend(firstOffset: Int64, logEndOffset: Int64)
    /// A topic name Kafka would not allow (it becomes a directory name).
    case invalidTopicName(String)
    /// A partition number below zero.
    case invalidPartition(Int32)
}

/// Where an append landed.
public struct AppendResult: Sendable, Equatable {
    /// Offset of the first record (the first batch's new baseOffset).
    public var firstOffset: Int64
    /// Offset of the last record of the last batch.
    public var lastOffset: Int64
    /// The largest maxTimestamp of the appended batches.
    public var maxTimestamp: Int64
    /// -1: timestamps are the producer's (message.timestamp.type CreateTime).
    public var logAppendTime: Int64
    /// The log start offset after the append (Produce responses carry it).
    public var logStartOffset: Int64
    /// Records appended (sum of recordsCount).
    public var recordCount: Int64
    /// Bytes appended.
    public var byteCount: Int
}

/// Where the bytes of a fetch are: a byte range of one segment file, to be sent with sendfile (a SwiftNIO
/// `FileRegion` on a `NIOFileHandle` opened at `path`) or read with `readBytes()`. Always whole batches.
public struct LogReadSlice: Sendable {
    /// The segment file.
    public var path: String
    /// The segment's base offset.
    public var segmentBaseOffset: Int64
    /// Byte position of the first batch in the file.
    public var position: Int64
    /// Bytes from `position`: whole batches only.
    public var length: Int
    /// Base offset of the first batch (at or before the offset asked for).
    public var firstBatchBaseOffset: Int64
    /// The open handle of the segment, so the bytes can be read even if retention deletes the file meanwhile.
    let file: any LogFile

    /// The segment's open file descriptor (nil on in-memory storage), valid while this slice lives. Better than
    /// reopening `path`, which truncation or retention may have replaced or removed since; `dup` it for a
    /// `NIOFileHandle`, which closes what it is given.
    public var fileDescriptor: Int32? { file.descriptor }

    /// The bytes of the slice (for the simulator, tests and TLS connections, where sendfile does not apply).
    public func readBytes() throws -> [UInt8] {
        try file.read(at: position, count: length)
    }
}

/// What opening a partition log found and repaired; the caller logs it.
public struct LogRecoveryReport: Sendable, Equatable, CustomStringConvertible {
    /// A segment whose tail was cut at open.
    public struct Truncation: Sendable, Equatable {
        public var segmentBaseOffset: Int64
        public var bytesCut: Int64
        public var reason: String
    }

    /// Segments scanned batch by batch (CRC checked) because they were past the recovery point or inconsistent.
    public var recoveredSegments: [Int64] = []
    public var truncations: [Truncation] = []
    /// Segments removed because they followed a truncation.
    public var removedSegments: [Int64] = []
    /// Whether the checkpoint (recovery point, high watermark, log start) was present and intact.
    public var checkpointValid = false
    /// Stray files removed (temporary files, indexes without a log).
    public var removedFiles: [String] = []

    public init() {}

    /// Nothing was cut or removed.
    public var isClean: Bool { truncations.isEmpty && removedSegments.isEmpty }

    public var description: String {
        var parts = ["recovered \(recoveredSegments.count) segment(s)"]
        for cut in truncations {
            parts.append("cut \(cut.bytesCut) bytes of segment \(cut.segmentBaseOffset) \(cut.reason)")
        }
        if !removedSegments.isEmpty { parts.append("removed segments \(removedSegments)") }
        if !checkpointValid { parts.append("no valid checkpoint") }
        return parts.joined(separator: "; ")
    }
}

/// Group commit: the files to fdatasync and the offset they cover. `PartitionLog.prepareFlush()` makes one on the
/// log's thread, `run()` may go elsewhere (off the event loop), `PartitionLog.completeFlush(_:)` records it.
public struct LogFlush: Sendable {
    let files: [any LogFile]
    /// Everything before this offset is durable once `run()` returns.
    public let upToOffset: Int64
    let records: Int64
    let segments: [Int64]

    /// Makes the covered data durable.
    public func run() throws {
        for file in files { try file.sync() }
    }
}

/// What retention did.
public struct RetentionResult: Sendable, Equatable {
    public var deletedSegments: [Int64] = []
    public var bytesDeleted: Int64 = 0
    public var logStartOffset: Int64
}

/// The small per-partition checkpoint: recovery point, high watermark and log start offset.
struct PartitionCheckpoint: Equatable {
    var recoveryPoint: Int64
    var highWatermark: Int64
    var logStartOffset: Int64

    static let fileName = "partition.checkpoint"
    static let magic: [UInt8] = Array("PLC1".utf8)

    func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendInt64BE(recoveryPoint)
        bytes.appendInt64BE(highWatermark)
        bytes.appendInt64BE(logStartOffset)
        return bytes
    }

    static func decode(_ payload: [UInt8]) -> PartitionCheckpoint? {
        var reader = BytesReader(payload)
        guard payload.count == 24, let recovery = reader.int64(), let high = reader.int64(), let start = reader.int64()
        else { return nil }
        return PartitionCheckpoint(recoveryPoint: recovery, highWatermark: high, logStartOffset: start)
    }
}
