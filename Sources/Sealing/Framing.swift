/// Length-prefixed frames for TCP streams: a u32 big-endian length, then the payload. TCP delivers
/// bytes, not messages, so each sealed message is framed before writing and re-assembled on read.
public enum Framing {
    /// Size of the length prefix.
    public static let headerCount = 4

    /// Prefixes `payload` with its length. Payloads must fit in a u32 (callers send at most 16 MiB).
    public static func frame(_ payload: [UInt8]) -> [UInt8] {
        precondition(payload.count <= Int(UInt32.max), "frame payload too large")
        let length = UInt32(payload.count)
        var output = [UInt8]()
        output.reserveCapacity(headerCount + payload.count)
        output.append(UInt8(truncatingIfNeeded: length >> 24))
        output.append(UInt8(truncatingIfNeeded: length >> 16))
        output.append(UInt8(truncatingIfNeeded: length >> 8))
        output.append(UInt8(truncatingIfNeeded: length))
        output.append(contentsOf: payload)
        return output
    }
}

/// Re-assembles frames from bytes that may arrive split or merged arbitrarily.
///
/// A length above `maxFrameSize` throws before buffering the body, so a peer cannot make us allocate
/// unbounded memory. After an error the stream is out of sync; the decoder keeps throwing and the
/// connection should be closed.
public struct FrameDecoder: Sendable {
    /// Largest accepted payload. A server raises it once the peer has proven it holds the cluster key.
    public var maxFrameSize: Int {
        didSet { maxFrameSize = max(0, maxFrameSize) }
    }
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var failure: FramingError?

    public init(maxFrameSize: Int = 16 << 20) {
        self.maxFrameSize = max(0, maxFrameSize)
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedByteCount: Int {
        buffer.count - readIndex
    }

    /// Adds bytes read from the stream.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        if readIndex > 0, readIndex >= buffer.count / 2 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete frame, or nil if more bytes are needed.
    public mutating func nextFrame() throws(FramingError) -> [UInt8]? {
        if let failure { throw failure }
        guard bufferedByteCount >= Framing.headerCount else { return nil }
        var length = 0
        for index in readIndex..<(readIndex + Framing.headerCount) {
            length = length << 8 | Int(buffer[index])
        }
        guard length <= maxFrameSize else {
            failure = .frameTooLarge(length)
            throw .frameTooLarge(length)
        }
        guard bufferedByteCount - Framing.headerCount >= length else { return nil }
        let start = readIndex + Framing.headerCount
        let frame = Array(buffer[start..<(start + length)])
        readIndex = start + length
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        return frame
    }
}

/// Why a stream could not be decoded into frames.
public enum FramingError: Error, Equatable, CustomStringConvertible {
    /// A frame announced this many bytes, more than `maxFrameSize`.
    case frameTooLarge(Int)

    public var description: String {
        switch self {
        case .frameTooLarge(let length):
            return "frame of \(length) bytes exceeds the maximum frame size"
        }
    }
}
