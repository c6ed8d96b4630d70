import CZstd
import Records

/// Kafka's zstd codec (attributes value 4) over libzstd. Streamed frames (Java's ZstdOutputStream) do not record
/// their content size, so decoding streams through ZSTD_decompressStream into a bounded output.
enum ZstdCodec {
    private static let chunkSize = 128 * 1024
    /// zstd's own default ceiling on the window a frame may ask for (ZSTD_WINDOWLOG_LIMIT_DEFAULT, 128 MiB).
    private static let maximumWindowLog = 27
    /// The smallest ceiling we set, so that small limits still accept ordinary frames (level 3 streams use 2 MiB).
    private static let minimumWindowLog = 23

    static func decompress(_ input: UnsafeRawBufferPointer, maxSize: Int) throws -> [UInt8] {
        guard let context = ZSTD_createDCtx() else {
            throw CompressionError.compressionFailed(.zstd, "ZSTD_createDCtx failed")
        }
        defer { ZSTD_freeDCtx(context) }
        // The window is memory the decoder allocates up front: keep it near the output limit.
        let windowLog = min(maximumWindowLog, max(minimumWindowLog, Int.bitWidth - max(1, maxSize).leadingZeroBitCount))
        _ = ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, Int32(windowLog))
        var output = BoundedOutput(codec: .zstd, limit: maxSize)
        let scratch = ScratchBuffer(size: chunkSize)
        var source = ZSTD_inBuffer(src: input.nonNullBase, size: input.count, pos: 0)
        while true {
            var target = ZSTD_outBuffer(dst: scratch.base, size: scratch.count, pos: 0)
            let hint = ZSTD_decompressStream(context, &target, &source)
            if ZSTD_isError(hint) != 0 {
                if ZSTD_getErrorCode(hint) == ZSTD_error_frameParameter_windowTooLarge {
                    throw CompressionError.tooLarge(.zstd, limit: maxSize)
                }
                throw CompressionError.corrupt(.zstd, String(cString: ZSTD_getErrorName(hint)))
            }
            try output.append(scratch.prefix(target.pos))
            let inputDone = source.pos == source.size
            // hint 0: a frame is complete and flushed; with input left, the next frame follows.
            if hint == 0 && inputDone { return output.bytes }
            // The decoder wants more input, had room to write and has none left to read.
            if hint != 0 && inputDone && target.pos < target.size { throw CompressionError.truncated(.zstd) }
        }
    }

    /// One zstd frame at `level` (nil: 3, zstd's and Kafka's default).
    static func compress(_ input: UnsafeRawBufferPointer, level: Int?) throws -> [UInt8] {
        let bound = ZSTD_compressBound(input.count)
        var result = [UInt8](repeating: 0, count: bound)
        let written = result.withUnsafeMutableBytes { out in
            ZSTD_compress(out.baseAddress, out.count, input.nonNullBase, input.count, Int32(clamping: level ?? 3))
        }
        if ZSTD_isError(written) != 0 {
            throw CompressionError.compressionFailed(.zstd, String(cString: ZSTD_getErrorName(written)))
        }
        result.removeSubrange(written...)
        return result
    }
}
