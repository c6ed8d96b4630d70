/// Builds one uncompressed RecordBatch v2 from records, as a client sends it: offsets from 0, CRC filled in,
/// producer fields -1 unless set (idempotent producers set producerId, producerEpoch and baseSequence).
public struct RecordBatchBuilder: Sendable {
    /// A record to put in the batch.
    public struct Entry: Sendable, Equatable {
        public var key: [UInt8]?
        public var value: [UInt8]?
        public var headers: [RecordHeader]
        public var timestamp: Int64

        public init(key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader] = [], timestamp: Int64) {
            self.key = key
            self.value = value
            self.headers = headers
            self.timestamp = timestamp
        }
    }

    public var baseOffset: Int64 = 0
    public var partitionLeaderEpoch: Int32 = -1
    public var producerId: Int64 = -1
    public var producerEpoch: Int16 = -1
    public var baseSequence: Int32 = -1
    public var isTransactional = false
    public private(set) var entries: [Entry] = []

    public init() {}

    public var count: Int { entries.count }

    public var isEmpty: Bool { entries.isEmpty }

    /// Adds a record; headers as (key, value) pairs.
    public mutating func append(
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [(String, [UInt8]?)] = [],
        timestamp: Int64
    ) {
        let converted = headers.map { RecordHeader(key: $0.0, value: $0.1) }
        entries.append(Entry(key: key, value: value, headers: converted, timestamp: timestamp))
    }

    /// Adds a record.
    public mutating func append(_ entry: Entry) {
        entries.append(entry)
    }

    /// The bytes of the batch (header and records).
    public func build() -> [UInt8] {
        let baseTimestamp = entries.first?.timestamp ?? -1
        let maxTimestamp = entries.map(\.timestamp).max() ?? -1
        var records: [UInt8] = []
        for (index, entry) in entries.enumerated() {
            Self.encode(
                entry,
                offsetDelta: Int32(truncatingIfNeeded: index),
                baseTimestamp: baseTimestamp,
                to: &records
            )
        }
        let attributes: Int16 = isTransactional ? 0x10 : 0
        var header = RecordBatchHeader(
            baseOffset: baseOffset,
            batchLength: Int32(truncatingIfNeeded: RecordBatchHeader.minimumBatchLength + records.count),
            partitionLeaderEpoch: partitionLeaderEpoch,
            magic: RecordBatchHeader.currentMagic,
            crc: 0,
            attributes: attributes,
            lastOffsetDelta: Int32(truncatingIfNeeded: max(entries.count - 1, 0)),
            baseTimestamp: baseTimestamp,
            maxTimestamp: maxTimestamp,
            producerId: producerId,
            producerEpoch: producerEpoch,
            baseSequence: baseSequence,
            recordsCount: Int32(truncatingIfNeeded: entries.count)
        )
        var bytes: [UInt8] = []
        bytes.reserveCapacity(RecordBatchHeader.size + records.count)
        header.write(to: &bytes)
        bytes.append(contentsOf: records)
        header.crc = bytes.withUnsafeBytes {
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[RecordBatchHeader.Field.attributes...]))
        }
        bytes.withUnsafeMutableBytes { $0.storeUInt32BE(header.crc, at: RecordBatchHeader.Field.crc) }
        return bytes
    }

    /// Appends one record in v2 framing: length, attributes, deltas, key, value, headers.
    static func encode(_ entry: Entry, offsetDelta: Int32, baseTimestamp: Int64, to bytes: inout [UInt8]) {
        var body: [UInt8] = [0]
        Varint.writeVarlong(entry.timestamp &- baseTimestamp, to: &body)
        Varint.writeVarint(offsetDelta, to: &body)
        writeNullable(entry.key, to: &body)
        writeNullable(entry.value, to: &body)
        Varint.writeVarint(Int32(truncatingIfNeeded: entry.headers.count), to: &body)
        for header in entry.headers {
            let key = Array(header.key.utf8)
            Varint.writeVarint(Int32(truncatingIfNeeded: key.count), to: &body)
            body.append(contentsOf: key)
            writeNullable(header.value, to: &body)
        }
        Varint.writeVarint(Int32(truncatingIfNeeded: body.count), to: &bytes)
        bytes.append(contentsOf: body)
    }

    private static func writeNullable(_ value: [UInt8]?, to bytes: inout [UInt8]) {
        guard let value else {
            Varint.writeVarint(-1, to: &bytes)
            return
        }
        Varint.writeVarint(Int32(truncatingIfNeeded: value.count), to: &bytes)
        bytes.append(contentsOf: value)
    }
}
