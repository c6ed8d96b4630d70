/// Kafka's zigzag variable-length integers (protobuf style), used inside RecordBatch v2 records for lengths and
/// deltas: small magnitudes of either sign take few bytes.
public enum Varint {
    /// Appends `value` as a zigzag varint (at most 5 bytes).
    public static func writeVarint(_ value: Int32, to bytes: inout [UInt8]) {
        let zigzag = UInt32(bitPattern: (value << 1) ^ (value >> 31))
        writeUnsigned(UInt64(zigzag), to: &bytes)
    }

    /// Appends `value` as a zigzag varlong (at most 10 bytes).
    public static func writeVarlong(_ value: Int64, to bytes: inout [UInt8]) {
        let zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        writeUnsigned(zigzag, to: &bytes)
    }

    /// The number of bytes `writeVarint(value)` appends.
    public static func sizeOfVarint(_ value: Int32) -> Int {
        sizeOfUnsigned(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))))
    }

    /// The number of bytes `writeVarlong(value)` appends.
    public static func sizeOfVarlong(_ value: Int64) -> Int {
        sizeOfUnsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    static func writeUnsigned(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(truncatingIfNeeded: rest))
    }

    static func sizeOfUnsigned(_ value: UInt64) -> Int {
        var size = 1
        var rest = value >> 7
        while rest != 0 {
            size += 1
            rest >>= 7
        }
        return size
    }

    /// Reads a zigzag varint from `bytes` at `offset`, advancing it; nil when truncated or longer than 5 bytes.
    public static func readVarint(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> Int32? {
        guard let raw = readUnsigned(bytes, at: &offset, maxBytes: 5) else { return nil }
        let bits = UInt32(truncatingIfNeeded: raw)
        return Int32(bitPattern: (bits >> 1) ^ (0 &- (bits & 1)))
    }

    /// Reads a zigzag varlong from `bytes` at `offset`, advancing it; nil when truncated or longer than 10 bytes.
    public static func readVarlong(_ bytes: UnsafeRawBufferPointer, at offset: inout Int) -> Int64? {
        guard let raw = readUnsigned(bytes, at: &offset, maxBytes: 10) else { return nil }
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Reads a zigzag varint from an array; convenience for tests and small callers.
    public static func readVarint(_ bytes: [UInt8], at offset: inout Int) -> Int32? {
        bytes.withUnsafeBytes { readVarint($0, at: &offset) }
    }

    /// Reads a zigzag varlong from an array; convenience for tests and small callers.
    public static func readVarlong(_ bytes: [UInt8], at offset: inout Int) -> Int64? {
        bytes.withUnsafeBytes { readVarlong($0, at: &offset) }
    }

    static func readUnsigned(_ bytes: UnsafeRawBufferPointer, at offset: inout Int, maxBytes: Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var position = offset
        for _ in 0..<maxBytes {
            guard position >= 0, position < bytes.count else { return nil }
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                offset = position
                return value
            }
            shift += 7
        }
        return nil
    }
}
