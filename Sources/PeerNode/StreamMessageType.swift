/// What a stream frame carries. The type is the first byte of the sealed plaintext, so it is authenticated
/// together with the body and a peer without the key cannot even learn which kind of request was made.
enum StreamMessageType: UInt8, Sendable {
    /// A push-pull state exchange (join and anti-entropy).
    case pushPull = 1
    /// A cluster-wide keyring operation and its per-node answer.
    case keyringOperation = 2
    /// The small frame that opens every stream: once it opens, the peer has proven it holds a cluster key, and only
    /// then is a large request frame buffered.
    case hello = 3
}

/// A stream message once opened: its type and its body.
struct StreamMessage: Sendable {
    var type: StreamMessageType
    var body: [UInt8]

    /// The plaintext that gets sealed: type byte, then body.
    var plaintext: [UInt8] { [type.rawValue] + body }

    init(type: StreamMessageType, body: [UInt8]) {
        self.type = type
        self.body = body
    }

    /// Parses opened plaintext; nil for an empty message or an unknown type.
    init?(plaintext: [UInt8]) {
        guard let first = plaintext.first, let type = StreamMessageType(rawValue: first) else { return nil }
        self.type = type
        self.body = Array(plaintext.dropFirst())
    }
}
