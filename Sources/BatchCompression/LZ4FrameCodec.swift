import CLZ4
import Records

/// Kafka's lz4 codec (attributes value 3) over liblz4: the records section is an LZ4 frame (lz4frame.h). Kafka's Java
/// reader decompresses each block on its own, so frames are written with independent 64 KiB blocks, as its writer
/// does.
enum LZ4FrameCodec {
    private static let chunkSize = 64 * 1024

    static func decompress(_ input: UnsafeRawBufferPointer, maxSize: Int) throws -> [UInt8] {
        var context: OpaquePointer?
        guard !isLZ4FError(LZ4F_createDecompressionContext(&context, UInt32(LZ4F_VERSION))), let context else {
            throw CompressionError.compressionFailed(.lz4, "LZ4F_createDecompressionContext failed")
        }
        defer { LZ4F_freeDecompressionContext(context) }
        var output = BoundedOutput(codec: .lz4, limit: maxSize)
        let scratch = ScratchBuffer(size: chunkSize)
        var position = 0
        while true {
            var consumed = input.count - position
            var produced = scratch.count
            let hint = LZ4F_decompress(context, scratch.base, &produced, input.nonNullBase + position, &consumed, nil)
            if isLZ4FError(hint) {
                throw CompressionError.corrupt(.lz4, String(cString: LZ4F_getErrorName(hint)))
            }
            position += consumed
            try output.append(scratch.prefix(produced))
            let inputLeft = input.count - position
            if hint == 0 {
                // A frame ended; another may follow (the context starts over by itself).
                if inputLeft == 0 { return output.bytes }
                continue
            }
            if inputLeft == 0 && produced == 0 { throw CompressionError.truncated(.lz4) }
            if consumed == 0 && produced == 0 { throw CompressionError.corrupt(.lz4, "no progress") }
        }
    }

    /// One LZ4 frame: independent 64 KiB blocks, no checksums or content size (as Kafka's Java writer), `level` as
    /// lz4 takes it (nil or 0: the fast default; 3 and up: high compression).
    static func compress(_ input: UnsafeRawBufferPointer, level: Int?) throws -> [UInt8] {
        var preferences = LZ4F_preferences_t()
        preferences.frameInfo.blockSizeID = LZ4F_max64KB
        preferences.frameInfo.blockMode = LZ4F_blockIndependent
        preferences.compressionLevel = Int32(clamping: level ?? 0)
        let bound = LZ4F_compressFrameBound(input.count, &preferences)
        var result = [UInt8](repeating: 0, count: bound)
        let written = result.withUnsafeMutableBytes { out in
            LZ4F_compressFrame(out.baseAddress, out.count, input.nonNullBase, input.count, &preferences)
        }
        if isLZ4FError(written) {
            throw CompressionError.compressionFailed(.lz4, String(cString: LZ4F_getErrorName(written)))
        }
        result.removeSubrange(written...)
        return result
    }
}

/// LZ4F's error check as a Bool (the C function returns an unsigned flag).
private func isLZ4FError(_ code: Int) -> Bool {
    LZ4F_isError(code) != 0
}
