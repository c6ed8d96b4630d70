/// Big-endian writer that builds a size-prefixed frame as a list of parts, so large record payloads can stay
/// outside (files sent with sendfile) while the size prefix still covers them.
public struct KafkaWriter: Sendable {
    private var parts: [EncodedPart] = []
    private var buffer: [UInt8]
    private var written = 0

    /// Starts a frame: 4 bytes reserved for the size prefix, filled in by `finish()`.
    public init(reservingCapacity capacity: Int = 256) {
        buffer = []
        buffer.reserveCapacity(capacity)
        buffer.append(contentsOf: [0, 0, 0, 0])
    }

    public mutating func int8(_ value: Int8) { buffer.append(UInt8(bitPattern: value)) }
    public mutating func int16(_ value: Int16) { bigEndian(value) }
    public mutating func int32(_ value: Int32) { bigEndian(value) }
    public mutating func int64(_ value: Int64) { bigEndian(value) }
    public mutating func uint32(_ value: UInt32) { bigEndian(value) }
    public mutating func bool(_ value: Bool) { buffer.append(value ? 1 : 0) }

    private mutating func bigEndian<T: FixedWidthInteger>(_ value: T) {
        var shift = T.bitWidth - 8
        while shift >= 0 {
            buffer.append(UInt8(truncatingIfNeeded: value >> shift))
            shift -= 8
        }
    }

    public mutating func unsignedVarint(_ value: UInt32) { leb128(UInt64(value)) }
    public mutating func varint(_ value: Int32) {
        unsignedVarint(UInt32(bitPattern: (value << 1) ^ (value >> 31)))
    }
    public mutating func varlong(_ value: Int64) { leb128(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    private mutating func leb128(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        buffer.append(UInt8(truncatingIfNeeded: rest))
    }

    public mutating func rawBytes<C: Collection>(_ bytes: C) where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
    }

    /// Length prefix for a string, bytes or array of `count` (nil = null).
    public mutating func length(_ count: Int?, compact: Bool, wide: Bool) {
        if compact {
            unsignedVarint(count.map { UInt32(truncatingIfNeeded: $0 + 1) } ?? 0)
        } else if wide {
            int32(count.map { Int32(truncatingIfNeeded: $0) } ?? -1)
        } else {
            int16(count.map { Int16(truncatingIfNeeded: $0) } ?? -1)
        }
    }

    public mutating func nullableString(_ value: String?, compact: Bool) {
        guard let value else { return length(nil, compact: compact, wide: false) }
        let utf8 = value.utf8
        length(utf8.count, compact: compact, wide: false)
        buffer.append(contentsOf: utf8)
    }

    public mutating func nullableBytes(_ value: [UInt8]?, compact: Bool) {
        length(value?.count, compact: compact, wide: true)
        if let value { buffer.append(contentsOf: value) }
    }

    /// An empty tagged-field section: this codec writes no tagged fields.
    public mutating func emptyTaggedFields() { buffer.append(0) }

    /// `length` bytes that the shell writes itself (from a file); only their place in the frame is recorded.
    public mutating func external(token: Int, length: Int) {
        flush()
        parts.append(.external(token: token, length: length))
        written += length
    }

    private mutating func flush() {
        guard !buffer.isEmpty else { return }
        written += buffer.count
        parts.append(.bytes(buffer))
        buffer = []
    }

    /// The finished frame: the 4-byte size prefix (of everything after it) followed by the parts.
    public mutating func finish() -> [EncodedPart] {
        let size = Int32(truncatingIfNeeded: written + buffer.count - 4)
        if parts.isEmpty {
            Self.patchPrefix(&buffer, size)
        } else if case .bytes(var first) = parts[0] {
            parts[0] = .bytes([])  // drop the second reference so the patch does not copy
            Self.patchPrefix(&first, size)
            parts[0] = .bytes(first)
        }
        flush()
        let result = parts
        parts = []
        written = 0
        return result
    }

    private static func patchPrefix(_ bytes: inout [UInt8], _ size: Int32) {
        guard bytes.count >= 4 else { return }
        bytes[0] = UInt8(truncatingIfNeeded: size >> 24)
        bytes[1] = UInt8(truncatingIfNeeded: size >> 16)
        bytes[2] = UInt8(truncatingIfNeeded: size >> 8)
        bytes[3] = UInt8(truncatingIfNeeded: size)
    }
}
