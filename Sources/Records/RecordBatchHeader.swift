/// The compression codec in bits 0-2 of a batch's attributes.
public enum CompressionCodec: Int16, Sendable, CaseIterable {
    case none = 0
    case gzip = 1
    case snappy = 2
    case lz4 = 3
    case zstd = 4
}

/// Bit 3 of a batch's attributes: whose clock the timestamps come from.
public enum TimestampType: Sendable, Equatable {
    case createTime
    case logAppendTime
}

/// The fixed 61-byte header of a Kafka RecordBatch v2, all fields big-endian.
public struct RecordBatchHeader: Sendable, Equatable {
    /// Bytes in the header, up to and including recordsCount.
    public static let size = 61
    /// Bytes before the part `batchLength` counts: baseOffset (8) and batchLength (4).
    public static let logOverhead = 12
    /// The smallest legal batchLength: the header without baseOffset and batchLength.
    public static let minimumBatchLength = size - logOverhead
    /// The magic byte of the only format we speak.
    public static let currentMagic: Int8 = 2

    /// Byte positions of the fields within a batch.
    public enum Field {
        public static let baseOffset = 0
        public static let batchLength = 8
        public static let partitionLeaderEpoch = 12
        public static let magic = 16
        public static let crc = 17
        /// The CRC covers everything from here to the end of the batch.
        public static let attributes = 21
        public static let lastOffsetDelta = 23
        public static let baseTimestamp = 27
        public static let maxTimestamp = 35
        public static let producerId = 43
        public static let producerEpoch = 51
        public static let baseSequence = 53
        public static let recordsCount = 57
    }

    public var baseOffset: Int64
    public var batchLength: Int32
    public var partitionLeaderEpoch: Int32
    public var magic: Int8
    public var crc: UInt32
    public var attributes: Int16
    public var lastOffsetDelta: Int32
    public var baseTimestamp: Int64
    public var maxTimestamp: Int64
    public var producerId: Int64
    public var producerEpoch: Int16
    public var baseSequence: Int32
    public var recordsCount: Int32

    public init(
        baseOffset: Int64,
        batchLength: Int32,
        partitionLeaderEpoch: Int32,
        magic: Int8,
        crc: UInt32,
        attributes: Int16,
        lastOffsetDelta: Int32,
        baseTimestamp: Int64,
        maxTimestamp: Int64,
        producerId: Int64,
        producerEpoch: Int16,
        baseSequence: Int32,
        recordsCount: Int32
    ) {
        self.baseOffset = baseOffset
        self.batchLength = batchLength
        self.partitionLeaderEpoch = partitionLeaderEpoch
        self.magic = magic
        self.crc = crc
        self.attributes = attributes
        self.lastOffsetDelta = lastOffsetDelta
        self.baseTimestamp = baseTimestamp
        self.maxTimestamp = maxTimestamp
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.recordsCount = recordsCount
    }

    /// Reads the header at `offset` of `bytes`. Throws `RecordBatchError.corruptMessage` only when fewer than 61 bytes
    /// are there; no field is checked.
    public init(parsing bytes: UnsafeRawBufferPointer, at offset: Int = 0) throws {
        guard offset >= 0, bytes.count - offset >= Self.size else {
            throw RecordBatchError.corruptMessage(
                "record batch header truncated: \(bytes.count - offset) of \(Self.size) bytes"
            )
        }
        baseOffset = bytes.int64BE(at: offset + Field.baseOffset)
        batchLength = bytes.int32BE(at: offset + Field.batchLength)
        partitionLeaderEpoch = bytes.int32BE(at: offset + Field.partitionLeaderEpoch)
        magic = bytes.int8(at: offset + Field.magic)
        crc = bytes.uint32BE(at: offset + Field.crc)
        attributes = bytes.int16BE(at: offset + Field.attributes)
        lastOffsetDelta = bytes.int32BE(at: offset + Field.lastOffsetDelta)
        baseTimestamp = bytes.int64BE(at: offset + Field.baseTimestamp)
        maxTimestamp = bytes.int64BE(at: offset + Field.maxTimestamp)
        producerId = bytes.int64BE(at: offset + Field.producerId)
        producerEpoch = bytes.int16BE(at: offset + Field.producerEpoch)
        baseSequence = bytes.int32BE(at: offset + Field.baseSequence)
        recordsCount = bytes.int32BE(at: offset + Field.recordsCount)
    }

    /// Reads the header at `offset` of `bytes`; fails only when fewer than 61 bytes are there.
    public init(parsing bytes: [UInt8], at offset: Int = 0) throws {
        self = try bytes.withUnsafeBytes { try RecordBatchHeader(parsing: $0, at: offset) }
    }

    /// The whole batch in bytes, header included (batchLength plus the 12 bytes before it).
    public var totalSize: Int { Int(batchLength) + Self.logOverhead }

    /// The offset of the batch's last record (as assigned; may exceed the last surviving record after compaction).
    public var lastOffset: Int64 { baseOffset &+ Int64(lastOffsetDelta) }

    /// The offset after the batch.
    public var nextOffset: Int64 { lastOffset &+ 1 }

    /// The compression codec, nil for the undefined values 5-7.
    public var compression: CompressionCodec? { CompressionCodec(rawValue: attributes & 0x07) }

    public var timestampType: TimestampType { attributes & 0x08 != 0 ? .logAppendTime : .createTime }

    public var isTransactional: Bool { attributes & 0x10 != 0 }

    public var isControl: Bool { attributes & 0x20 != 0 }

    public var hasDeleteHorizon: Bool { attributes & 0x40 != 0 }

    /// Whether the batch belongs to an idempotent or transactional producer.
    public var hasProducerId: Bool { producerId >= 0 }

    /// Appends the 61 header bytes to `bytes`.
    public func write(to bytes: inout [UInt8]) {
        bytes.appendBE(baseOffset)
        bytes.appendBE(batchLength)
        bytes.appendBE(partitionLeaderEpoch)
        bytes.appendBE(magic)
        bytes.appendBE(crc)
        bytes.appendBE(attributes)
        bytes.appendBE(lastOffsetDelta)
        bytes.appendBE(baseTimestamp)
        bytes.appendBE(maxTimestamp)
        bytes.appendBE(producerId)
        bytes.appendBE(producerEpoch)
        bytes.appendBE(baseSequence)
        bytes.appendBE(recordsCount)
    }
}
