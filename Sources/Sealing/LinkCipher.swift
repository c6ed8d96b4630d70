/// One direction of a broker link: seals or opens frames under that direction's session key, numbering them.
///
/// Wire format of a frame: `[counter u64 big-endian][AEAD(payload)][16-byte tag]`. The nonce is the counter, which
/// is safe because every session and direction has its own key (`LinkHandshake`). The receiver accepts exactly the
/// next counter: a replayed, dropped or reordered frame is an error, after which the cipher refuses everything (the
/// connection must be closed). This replaces the sealer's replay window for links, so link frames never compete
/// with a sender's datagrams for that window.
public struct LinkCipher: Sendable {
    /// Bytes a sealed frame adds to its payload: the counter and the tag.
    public static let overhead = 8 + AEAD.tagCount

    private let key: [UInt8]
    /// The counter of the next frame sealed, or expected when opening.
    public private(set) var nextCounter: UInt64 = 0
    private var failure: LinkError?

    init(key: [UInt8]) {
        self.key = key
    }

    /// Seals the next frame.
    public mutating func seal(_ payload: some Collection<UInt8>) -> [UInt8] {
        let counter = nextCounter
        // 2^64 frames never happen; wrapping instead of trapping keeps this total.
        nextCounter &+= 1
        var frame = Self.counterBytes(counter)
        frame += AEAD.seal(Array(payload), associated: [], nonce: Self.nonce(counter), key: key)
        return frame
    }

    /// Opens the next frame: it must carry exactly the expected counter and authenticate under this session's key.
    public mutating func open(_ frame: some Collection<UInt8>) throws(LinkError) -> [UInt8] {
        if let failure { throw failure }
        let bytes = Array(frame)
        guard bytes.count >= Self.overhead else { try fail(.tooShort) }
        var counter: UInt64 = 0
        for byte in bytes[0..<8] { counter = counter << 8 | UInt64(byte) }
        guard counter == nextCounter else { try fail(.outOfOrder(expected: nextCounter, received: counter)) }
        guard let payload = AEAD.open(Array(bytes[8...]), associated: [], nonce: Self.nonce(counter), key: key) else {
            try fail(.authenticationFailed)
        }
        nextCounter &+= 1
        return payload
    }

    private mutating func fail(_ error: LinkError) throws(LinkError) -> Never {
        failure = error
        throw error
    }

    private static func counterBytes(_ counter: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: counter >> UInt64(56 - 8 * $0)) }
    }

    private static func nonce(_ counter: UInt64) -> [UInt8] {
        [UInt8](repeating: 0, count: AEAD.nonceCount - 8) + counterBytes(counter)
    }
}

/// Why a link handshake or frame was rejected. Any of them ends the connection.
public enum LinkError: Error, Equatable, CustomStringConvertible {
    /// Shorter than its fixed fields.
    case tooShort
    /// Not a hello of the expected kind or version.
    case malformedHello
    /// A node name that is empty or longer than 255 bytes, or not UTF-8.
    case badName
    /// No installed key authenticates it (wrong cluster key, a hello for another node, forgery or corruption).
    case authenticationFailed
    /// A frame whose counter is not the next one: replayed, reordered or dropped.
    case outOfOrder(expected: UInt64, received: UInt64)

    public var description: String {
        switch self {
        case .tooShort: "link message is too short"
        case .malformedHello: "not a link hello this build understands"
        case .badName: "link node names must be 1 to 255 bytes of UTF-8"
        case .authenticationFailed: "link message failed authentication"
        case .outOfOrder(let expected, let received): "link frame \(received) arrived when \(expected) was due"
        }
    }
}
