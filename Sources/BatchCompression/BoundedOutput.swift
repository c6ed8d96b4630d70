import Records

/// Collects decompressed bytes and refuses to grow past a limit, so a small input cannot claim unbounded memory.
struct BoundedOutput {
    let codec: CompressionCodec
    let limit: Int
    private(set) var bytes: [UInt8] = []

    init(codec: CompressionCodec, limit: Int) {
        self.codec = codec
        self.limit = max(0, limit)
    }

    /// Bytes that may still be appended.
    var remaining: Int { limit - bytes.count }

    /// Appends `chunk`; throws `.tooLarge` when it would pass the limit.
    mutating func append(_ chunk: UnsafeRawBufferPointer) throws {
        guard chunk.count <= remaining else { throw CompressionError.tooLarge(codec, limit: limit) }
        bytes.append(contentsOf: chunk)
    }

    /// Checks that `count` more bytes fit before they are produced.
    func reserve(_ count: Int) throws {
        guard count >= 0, count <= remaining else { throw CompressionError.tooLarge(codec, limit: limit) }
    }
}

/// A scratch buffer that decompressors write into before the bytes go to a `BoundedOutput`.
final class ScratchBuffer {
    let pointer: UnsafeMutableRawBufferPointer

    /// The address of the buffer (never nil: the buffer holds at least one byte).
    let base: UnsafeMutableRawPointer

    init(size: Int) {
        base = UnsafeMutableRawPointer.allocate(byteCount: max(1, size), alignment: 16)
        pointer = UnsafeMutableRawBufferPointer(start: base, count: max(1, size))
    }

    deinit { base.deallocate() }

    var count: Int { pointer.count }

    /// The first `count` bytes as a read-only buffer.
    func prefix(_ count: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: pointer[0..<count])
    }
}

/// One byte of static storage: C libraries get its address instead of nil for an empty input.
nonisolated(unsafe) private let emptyInput: UnsafeMutableRawPointer = .allocate(byteCount: 1, alignment: 1)

extension UnsafeRawBufferPointer {
    /// The start of the bytes, never nil (an empty buffer gets the address of a static byte), for C APIs that want a
    /// pointer even with a length of zero.
    var nonNullBase: UnsafeRawPointer { baseAddress ?? UnsafeRawPointer(emptyInput) }
}
