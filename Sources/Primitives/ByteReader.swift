/// Reads big-endian fields, throwing (never trapping) on short or malformed input. Each layer adds readers for its
/// own values in an extension. `@inlinable`, so decoding in another module runs as fast as it did inside one.
public struct ByteReader: Sendable {
    @usableFromInline let bytes: [UInt8]
    @usableFromInline var index: Int
    /// One past the last byte this reader may read (a sub-reader stops at its message's end).
    @usableFromInline let end: Int

    @inlinable
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.index = 0
        self.end = bytes.count
    }

    @inlinable
    init(sharing bytes: [UInt8], from start: Int, to end: Int) {
        self.bytes = bytes
        self.index = start
        self.end = end
    }

    @inlinable
    public var remaining: Int { end - index }

    /// A reader over the next `count` bytes that shares this reader's storage (no copy), advancing past them.
    @inlinable
    public mutating func subReader(_ count: Int) throws(DecodeError) -> ByteReader {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { index += count }
        return ByteReader(sharing: bytes, from: index, to: index + count)
    }

    @inlinable
    public mutating func readUInt8() throws(DecodeError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { index += 1 }
        return bytes[index]
    }

    @inlinable
    mutating func readInteger<T: FixedWidthInteger>(_: T.Type) throws(DecodeError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .truncated }
        var value: T = 0
        for i in 0..<size { value = (value << 8) | T(bytes[index + i]) }
        index += size
        return value
    }

    @inlinable
    public mutating func readUInt16() throws(DecodeError) -> UInt16 { try readInteger(UInt16.self) }
    @inlinable
    public mutating func readUInt32() throws(DecodeError) -> UInt32 { try readInteger(UInt32.self) }
    @inlinable
    public mutating func readUInt64() throws(DecodeError) -> UInt64 { try readInteger(UInt64.self) }

    @inlinable
    public mutating func readBytes(_ count: Int) throws(DecodeError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    @inlinable
    public mutating func readString() throws(DecodeError) -> String {
        let length = Int(try readUInt16())
        guard remaining >= length else { throw .truncated }
        defer { index += length }
        guard let string = String(validating: bytes[index..<index + length], as: UTF8.self) else {
            throw .invalidString
        }
        return string
    }

    @inlinable
    public func expectEnd() throws(DecodeError) {
        guard remaining == 0 else { throw .trailingBytes(remaining) }
    }
}
