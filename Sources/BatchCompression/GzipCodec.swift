import CZlib
import Records

/// Kafka's gzip codec (attributes value 1) over zlib: the records section is a gzip stream (RFC 1952), as Java's
/// GZIPOutputStream writes it. Decoding also takes zlib-wrapped (RFC 1950) and raw deflate, and concatenated gzip
/// members.
enum GzipCodec {
    /// windowBits for inflate that detects a gzip or a zlib header; 15 + 16 writes gzip; -15 is raw deflate.
    private static let autoDetectWindow: Int32 = 15 + 32
    private static let gzipWindow: Int32 = 15 + 16
    private static let rawWindow: Int32 = -15
    private static let chunkSize = 64 * 1024

    static func decompress(_ input: UnsafeRawBufferPointer, maxSize: Int) throws -> [UInt8] {
        guard !input.isEmpty else { throw CompressionError.truncated(.gzip) }
        guard input.count <= Int(UInt32.max) else { throw CompressionError.tooLarge(.gzip, limit: maxSize) }
        var output = BoundedOutput(codec: .gzip, limit: maxSize)
        let scratch = ScratchBuffer(size: chunkSize)
        var stream = z_stream()
        let window = hasWrapper(input) ? autoDetectWindow : rawWindow
        guard inflateInit2_(&stream, window, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw CompressionError.compressionFailed(.gzip, "inflateInit2 failed")
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.nonNullBase.assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(input.count)
        while true {
            stream.next_out = scratch.base.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(scratch.count)
            let status = inflate(&stream, Z_NO_FLUSH)
            try output.append(scratch.prefix(scratch.count - Int(stream.avail_out)))
            switch status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                let left = Int(stream.avail_in)
                if left == 0 { return output.bytes }
                // Another gzip member may follow (a concatenation is still one gzip stream); anything else is junk.
                let next = UnsafeRawBufferPointer(rebasing: input[(input.count - left)...])
                guard next.count >= 2, next[0] == 0x1F, next[1] == 0x8B, inflateReset(&stream) == Z_OK else {
                    throw CompressionError.corrupt(.gzip, "\(left) bytes after the end of the gzip stream")
                }
            case Z_BUF_ERROR where stream.avail_in == 0:
                throw CompressionError.truncated(.gzip)
            default:
                throw CompressionError.corrupt(.gzip, message(stream, status))
            }
        }
    }

    /// A gzip stream at `level` (nil: zlib's default, 6, what Java's GZIPOutputStream uses).
    static func compress(_ input: UnsafeRawBufferPointer, level: Int?) throws -> [UInt8] {
        guard input.count <= Int(UInt32.max) else {
            throw CompressionError.compressionFailed(.gzip, "input of \(input.count) bytes")
        }
        var stream = z_stream()
        let zlibLevel = level.map { Int32(clamping: $0) } ?? Z_DEFAULT_COMPRESSION
        let initStatus = deflateInit2_(
            &stream,
            zlibLevel,
            Z_DEFLATED,
            gzipWindow,
            8,
            Z_DEFAULT_STRATEGY,
            zlibVersion(),
            Int32(MemoryLayout<z_stream>.size)
        )
        guard initStatus == Z_OK else {
            throw CompressionError.compressionFailed(.gzip, "deflateInit2 failed (level \(zlibLevel))")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var result = [UInt8](repeating: 0, count: bound)
        let written: Int = try result.withUnsafeMutableBytes { out in
            stream.next_in = UnsafeMutablePointer(mutating: input.nonNullBase.assumingMemoryBound(to: Bytef.self))
            stream.avail_in = uInt(input.count)
            stream.next_out = out.baseAddress?.assumingMemoryBound(to: Bytef.self)
            stream.avail_out = uInt(out.count)
            let status = deflate(&stream, Z_FINISH)
            guard status == Z_STREAM_END else {
                throw CompressionError.compressionFailed(.gzip, message(stream, status))
            }
            return out.count - Int(stream.avail_out)
        }
        result.removeSubrange(written...)
        return result
    }

    /// Whether the bytes start with a gzip header or a valid zlib header (else they are taken as raw deflate).
    private static func hasWrapper(_ input: UnsafeRawBufferPointer) -> Bool {
        guard input.count >= 2 else { return true }
        if input[0] == 0x1F && input[1] == 0x8B { return true }
        let header = UInt16(input[0]) << 8 | UInt16(input[1])
        return input[0] & 0x0F == 8 && header % 31 == 0
    }

    private static func message(_ stream: z_stream, _ status: Int32) -> String {
        if let text = stream.msg { return String(cString: text) }
        return "zlib status \(status)"
    }
}
