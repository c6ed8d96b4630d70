import Records

/// A small file written atomically and guarded by a checksum: used for the partition checkpoint (recovery point,
/// high watermark, log start offset) and the leader-epoch cache.
///
/// Layout: 4-byte magic, the payload, then the CRC-32C of magic and payload (big-endian u32). A write goes to
/// `<name>.tmp`, is fsynced, renamed over the old file and the directory fsynced, so a crash leaves the old or the
/// new file, never a mix; a damaged file is detected and ignored.
struct CheckpointFile {
    let storage: any LogStorage
    let directory: String
    let name: String
    let magic: [UInt8]

    var path: String { joinPath(directory, name) }

    func write(_ payload: [UInt8]) throws {
        var bytes = magic + payload
        bytes.appendUInt32BE(CRC32C.checksum(bytes))
        let temporary = path + ".tmp"
        let file = try storage.openFile(temporary, create: true)
        try file.truncate(to: 0)
        try file.write(bytes, at: 0)
        try file.sync()
        try storage.rename(temporary, to: path)
        try storage.syncDirectory(directory)
    }

    /// The payload, or nil when the file is missing, damaged or of another kind.
    func read() -> [UInt8]? {
        guard storage.exists(path), let file = try? storage.openFile(path, create: false),
            let size = try? file.size(), size >= Int64(magic.count + 4), size < 1 << 24,
            let bytes = try? file.read(at: 0, count: Int(size)), bytes.count == Int(size)
        else { return nil }
        let body = Array(bytes[..<(bytes.count - 4)])
        var crcReader = BytesReader(bytes, at: bytes.count - 4)
        guard Array(body.prefix(magic.count)) == magic, crcReader.uint32() == CRC32C.checksum(body) else {
            return nil
        }
        return Array(body[magic.count...])
    }
}

/// Reads big-endian integers from a byte array, returning nil past the end.
struct BytesReader {
    let bytes: [UInt8]
    var position: Int

    init(_ bytes: [UInt8], at position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var remaining: Int { bytes.count - position }

    mutating func uint32() -> UInt32? {
        guard position >= 0, remaining >= 4 else { return nil }
        var value: UInt32 = 0
        for index in 0..<4 { value = value << 8 | UInt32(bytes[position + index]) }
        position += 4
        return value
    }

    mutating func int32() -> Int32? { uint32().map { Int32(bitPattern: $0) } }

    mutating func int64() -> Int64? {
        guard let high = uint32(), let low = uint32() else { return nil }
        return Int64(bitPattern: UInt64(high) << 32 | UInt64(low))
    }
}

extension Array where Element == UInt8 {
    mutating func appendUInt32BE(_ value: UInt32) {
        append(contentsOf: [UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16)])
        append(contentsOf: [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)])
    }

    mutating func appendInt32BE(_ value: Int32) { appendUInt32BE(UInt32(bitPattern: value)) }

    mutating func appendInt64BE(_ value: Int64) {
        appendUInt32BE(UInt32(truncatingIfNeeded: UInt64(bitPattern: value) >> 32))
        appendUInt32BE(UInt32(truncatingIfNeeded: UInt64(bitPattern: value)))
    }
}
