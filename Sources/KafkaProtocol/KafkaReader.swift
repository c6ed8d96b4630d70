/// Big-endian reader over a byte slice. Reads check the remaining length first and fail with a typed error;
/// lengths and counts are checked against what remains before anything is allocated.
public struct KafkaReader: Sendable {
    public let bytes: ArraySlice<UInt8>
    /// Index into `bytes` of the next unread byte.
    public private(set) var position: Int

    public init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        self.position = bytes.startIndex
    }

    public init(_ bytes: [UInt8]) {
        self.init(bytes[...])
    }

    public var remaining: Int { bytes.endIndex - position }

    private mutating func require(_ count: Int) throws(KafkaDecodeError) {
        guard count <= remaining else { throw .truncated }
    }

    private mutating func bigEndian<T: FixedWidthInteger>(_: T.Type) throws(KafkaDecodeError) -> T {
        let size = MemoryLayout<T>.size
        try require(size)
        var value: T = 0
        for index in position..<(position + size) {
            value = (value << 8) | T(truncatingIfNeeded: bytes[index])
        }
        position += size
        return value
    }

    public mutating func int8() throws(KafkaDecodeError) -> Int8 { try bigEndian(Int8.self) }
    public mutating func int16() throws(KafkaDecodeError) -> Int16 { try bigEndian(Int16.self) }
    public mutating func int32() throws(KafkaDecodeError) -> Int32 { try bigEndian(Int32.self) }
    public mutating func int64() throws(KafkaDecodeError) -> Int64 { try bigEndian(Int64.self) }
    public mutating func uint32() throws(KafkaDecodeError) -> UInt32 { try bigEndian(UInt32.self) }
    /// Kafka reads any non-zero byte as true.
    public mutating func bool() throws(KafkaDecodeError) -> Bool { try int8() != 0 }

    /// Unsigned LEB128 varint of at most 32 bits (5 bytes).
    public mutating func unsignedVarint() throws(KafkaDecodeError) -> UInt32 {
        UInt32(truncatingIfNeeded: try leb128(maxBytes: 5))
    }

    /// Zigzag-encoded signed 32-bit varint (record fields).
    public mutating func varint() throws(KafkaDecodeError) -> Int32 {
        let raw = try unsignedVarint()
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Zigzag-encoded signed 64-bit varint (record fields).
    public mutating func varlong() throws(KafkaDecodeError) -> Int64 {
        let raw = try leb128(maxBytes: 10)
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    private mutating func leb128(maxBytes: Int) throws(KafkaDecodeError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0..<maxBytes {
            try require(1)
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        throw .malformedVarint
    }

    /// Takes `count` raw bytes, copying them once.
    public mutating func rawBytes(_ count: Int) throws(KafkaDecodeError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw .invalidLength(count) }
        let out = [UInt8](bytes[position..<(position + count)])
        position += count
        return out
    }

    public mutating func skip(_ count: Int) throws(KafkaDecodeError) {
        guard count >= 0, count <= remaining else { throw .invalidLength(count) }
        position += count
    }

    /// Length of a string, bytes or array: int16/int32 in classic versions, unsigned varint N+1 in compact ones.
    /// Returns nil for null; a length that cannot fit in what remains (at `minElementSize` bytes each) is an error.
    public mutating func length(
        compact: Bool,
        wide: Bool,
        minElementSize: Int = 1
    ) throws(KafkaDecodeError) -> Int? {
        let length: Int
        if compact {
            let raw = try unsignedVarint()
            if raw == 0 { return nil }
            length = Int(raw) - 1
        } else {
            length = wide ? Int(try int32()) : Int(try int16())
            if length == -1 { return nil }
        }
        guard length >= 0, length <= remaining / max(minElementSize, 1) else { throw .invalidLength(length) }
        return length
    }

    /// A string as Kafka writes it; invalid UTF-8 is repaired rather than rejected, as the JVM does.
    public mutating func nullableString(compact: Bool) throws(KafkaDecodeError) -> String? {
        guard let count = try length(compact: compact, wide: false) else { return nil }
        let string = String(decoding: bytes[position..<(position + count)], as: UTF8.self)
        position += count
        return string
    }

    public mutating func nullableBytes(compact: Bool) throws(KafkaDecodeError) -> [UInt8]? {
        guard let count = try length(compact: compact, wide: true) else { return nil }
        return try rawBytes(count)
    }

    /// Skips a tagged-field section (flexible versions): this codec knows no tags, so it reads past them all.
    public mutating func skipTaggedFields() throws(KafkaDecodeError) {
        let count = try unsignedVarint()
        guard Int(count) <= remaining else { throw .invalidLength(Int(count)) }
        for _ in 0..<count {
            _ = try unsignedVarint()
            let size = try unsignedVarint()
            try skip(Int(size))
        }
    }
}
