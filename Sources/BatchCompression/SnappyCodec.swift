import CSnappy
import Records

/// Kafka's snappy codec (attributes value 2) over the snappy C library. Two framings are in use: the Java client
/// (through snappy-java), kafka-python and aiokafka write snappy-java's block stream ("xerial" framing), other clients
/// may write one raw snappy block. Decoding takes both; encoding writes the xerial framing like the Java client.
enum SnappyCodec {
    /// How the compressed bytes are framed.
    enum Framing: Sendable {
        /// snappy-java's stream: a 16-byte header (`0x82 "SNAPPY" 0x00`, version and compatible version as
        /// big-endian Int32), then blocks, each a big-endian Int32 length and one raw snappy block.
        case xerial
        /// One raw snappy block.
        case raw
    }

    /// The first 8 bytes of the xerial framing.
    static let xerialMagic: [UInt8] = [0x82, 0x53, 0x4E, 0x41, 0x50, 0x50, 0x59, 0x00]
    static let xerialHeaderSize = 16
    /// Version and minimum compatible version written in the header (snappy-java writes 1 and 1).
    static let xerialVersion: Int32 = 1
    static let xerialCompatibleVersion: Int32 = 1
    /// Uncompressed bytes per block, snappy-java's default.
    static let xerialBlockSize = 32 * 1024

    static func decompress(_ input: UnsafeRawBufferPointer, maxSize: Int) throws -> [UInt8] {
        var output = BoundedOutput(codec: .snappy, limit: maxSize)
        guard isXerial(input) else {
            try appendBlock(input, to: &output)
            return output.bytes
        }
        // The version fields are not checked: some producers write them little-endian, and only version 1 exists.
        guard input.count >= xerialHeaderSize else { throw CompressionError.truncated(.snappy) }
        var position = xerialHeaderSize
        while position < input.count {
            // Concatenated streams: snappy-java reads a second header where a block length would be (a length
            // starting with 0x82 would be negative, so this cannot be mistaken for a block).
            if isXerial(UnsafeRawBufferPointer(rebasing: input[position...])) {
                guard input.count - position >= xerialHeaderSize else { throw CompressionError.truncated(.snappy) }
                position += xerialHeaderSize
                continue
            }
            guard input.count - position >= 4 else { throw CompressionError.truncated(.snappy) }
            let length = Int(Int32(bitPattern: input.loadBigEndianUInt32(at: position)))
            position += 4
            guard length >= 0 else { throw CompressionError.corrupt(.snappy, "xerial block length \(length)") }
            guard length <= input.count - position else { throw CompressionError.truncated(.snappy) }
            try appendBlock(UnsafeRawBufferPointer(rebasing: input[position..<(position + length)]), to: &output)
            position += length
        }
        return output.bytes
    }

    static func compress(_ input: UnsafeRawBufferPointer, framing: Framing = .xerial) throws -> [UInt8] {
        switch framing {
        case .raw:
            var result: [UInt8] = []
            try appendCompressedBlock(input, to: &result)
            return result
        case .xerial:
            var result = xerialMagic
            result.appendBigEndian(xerialVersion)
            result.appendBigEndian(xerialCompatibleVersion)
            var position = 0
            while position < input.count {
                let end = min(input.count, position + xerialBlockSize)
                let lengthAt = result.count
                result.appendBigEndian(Int32(0))
                try appendCompressedBlock(UnsafeRawBufferPointer(rebasing: input[position..<end]), to: &result)
                let length = UInt32(truncatingIfNeeded: result.count - lengthAt - 4)
                for index in 0..<4 { result[lengthAt + index] = UInt8(truncatingIfNeeded: length >> (24 - 8 * index)) }
                position = end
            }
            return result
        }
    }

    /// Whether the bytes start with snappy-java's magic (a raw snappy block cannot: it starts with a varint length
    /// that these 8 bytes would make implausible).
    static func isXerial(_ input: UnsafeRawBufferPointer) -> Bool {
        input.count >= xerialMagic.count && zip(input, xerialMagic).allSatisfy { $0 == $1 }
    }

    /// Decompresses one raw snappy block onto `output`, checking the size its header announces first.
    private static func appendBlock(_ block: UnsafeRawBufferPointer, to output: inout BoundedOutput) throws {
        let source = block.nonNullBase.assumingMemoryBound(to: CChar.self)
        var length = 0
        guard snappy_uncompressed_length(source, block.count, &length) == SNAPPY_OK else {
            throw CompressionError.corrupt(.snappy, "bad snappy block header")
        }
        try output.reserve(length)
        // Check the block before allocating what its header claims.
        guard snappy_validate_compressed_buffer(source, block.count) == SNAPPY_OK else {
            throw CompressionError.corrupt(.snappy, "bad snappy block")
        }
        let scratch = ScratchBuffer(size: length)
        var produced = length
        let status = snappy_uncompress(source, block.count, scratch.base.assumingMemoryBound(to: CChar.self), &produced)
        guard status == SNAPPY_OK, produced == length else {
            throw CompressionError.corrupt(.snappy, "bad snappy block")
        }
        try output.append(scratch.prefix(produced))
    }

    /// Appends one raw snappy block holding `input`.
    private static func appendCompressedBlock(_ input: UnsafeRawBufferPointer, to result: inout [UInt8]) throws {
        let bound = snappy_max_compressed_length(input.count)
        let scratch = ScratchBuffer(size: bound)
        var produced = bound
        let status = snappy_compress(
            input.nonNullBase.assumingMemoryBound(to: CChar.self),
            input.count,
            scratch.base.assumingMemoryBound(to: CChar.self),
            &produced
        )
        guard status == SNAPPY_OK else { throw CompressionError.compressionFailed(.snappy, "snappy_compress failed") }
        result.append(contentsOf: scratch.prefix(produced))
    }
}

extension UnsafeRawBufferPointer {
    /// The big-endian UInt32 at `offset`; the caller checks that 4 bytes are there.
    func loadBigEndianUInt32(at offset: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 << 8 | UInt32(self[offset + $1]) }
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: Int32) {
        let bits = UInt32(bitPattern: value)
        for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: bits >> UInt32(shift))) }
    }
}
