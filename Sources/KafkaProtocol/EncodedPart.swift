/// The `records` field of Produce requests and Fetch responses: record-batch bytes the codec does not look into.
public enum RecordsPayload: Equatable, Sendable {
    /// Bytes in memory.
    case bytes([UInt8])
    /// `length` bytes the shell supplies itself (a file region sent with sendfile); `token` says which.
    case external(token: Int, length: Int)

    /// Number of bytes on the wire.
    public var count: Int {
        switch self {
        case .bytes(let bytes): return bytes.count
        case .external(_, let length): return length
        }
    }
}

/// One piece of an encoded frame. The shell writes the parts in order, filling `external` parts from files.
public enum EncodedPart: Equatable, Sendable {
    case bytes([UInt8])
    case external(token: Int, length: Int)

    public var count: Int {
        switch self {
        case .bytes(let bytes): return bytes.count
        case .external(_, let length): return length
        }
    }
}

extension Array where Element == EncodedPart {
    /// Total number of bytes the parts put on the wire (the 4-byte size prefix included).
    public var byteCount: Int { reduce(0) { $0 + $1.count } }

    /// The frame as one array when it holds no external part, else nil.
    public func flattened() -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(byteCount)
        for part in self {
            guard case .bytes(let bytes) = part else { return nil }
            out.append(contentsOf: bytes)
        }
        return out
    }
}
