/// Appends big-endian fields. Shared by every binary encoding in the project; each layer adds writers for its own
/// values in an extension. `@inlinable`, so encoding in another module runs as fast as it did inside one.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8] = []

    @inlinable
    public init() {}

    @inlinable
    public mutating func write(_ value: UInt8) { bytes.append(value) }

    @inlinable
    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable
    public mutating func write(_ string: String) {
        let count = min(string.utf8.count, Int(UInt16.max))
        write(UInt16(count))
        if count == string.utf8.count {
            bytes.append(contentsOf: string.utf8)
        } else {
            bytes.append(contentsOf: string.utf8.prefix(count))
        }
    }
}
