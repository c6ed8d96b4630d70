/// Big-endian fixed-width loads and stores at a byte position; callers check bounds first.
extension UnsafeRawBufferPointer {
    @inline(__always)
    func int8(at offset: Int) -> Int8 { Int8(bitPattern: self[offset]) }

    @inline(__always)
    func int16BE(at offset: Int) -> Int16 {
        Int16(bigEndian: loadUnaligned(fromByteOffset: offset, as: Int16.self))
    }

    @inline(__always)
    func int32BE(at offset: Int) -> Int32 {
        Int32(bigEndian: loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }

    @inline(__always)
    func uint32BE(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func int64BE(at offset: Int) -> Int64 {
        Int64(bigEndian: loadUnaligned(fromByteOffset: offset, as: Int64.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    @inline(__always)
    func storeInt32BE(_ value: Int32, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: Int32.self)
    }

    @inline(__always)
    func storeUInt32BE(_ value: UInt32, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
    }

    @inline(__always)
    func storeInt64BE(_ value: Int64, at offset: Int) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: Int64.self)
    }
}

/// Appending big-endian integers to a growing byte array (the builder's output).
extension Array where Element == UInt8 {
    mutating func appendBE(_ value: Int8) { append(UInt8(bitPattern: value)) }

    mutating func appendBE(_ value: Int16) {
        let bits = UInt16(bitPattern: value)
        append(UInt8(truncatingIfNeeded: bits >> 8))
        append(UInt8(truncatingIfNeeded: bits))
    }

    mutating func appendBE(_ value: Int32) { appendBE(UInt32(bitPattern: value)) }

    mutating func appendBE(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func appendBE(_ value: Int64) {
        let bits = UInt64(bitPattern: value)
        for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
    }
}
