/// The layout of the small state files an agent keeps in its data directory (cluster state, voter record): a 4-byte
/// magic, a CRC-32C of the payload (u32 big-endian), then the payload, so a torn or corrupt file is recognised.
enum ChecksummedFile {
    enum Problem: Error {
        case truncated
        case checksumMismatch
    }

    static func encode(magic: [UInt8], payload: [UInt8]) -> [UInt8] {
        let crc = CRC32C.checksum(payload)
        return magic + [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
            + payload
    }

    /// The checked payload; nil when `bytes` does not start with `magic` (not this layout at all).
    static func payload(of bytes: [UInt8], magic: [UInt8]) throws(Problem) -> ArraySlice<UInt8>? {
        guard bytes.starts(with: magic) else { return nil }
        guard bytes.count >= magic.count + 4 else { throw .truncated }
        let stored = bytes[magic.count..<(magic.count + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let payload = bytes[(magic.count + 4)...]
        guard CRC32C.checksum(payload) == stored else { throw .checksumMismatch }
        return payload
    }
}
