import CSodium

/// Sealing and opening with replay protection.
///
/// Wire format (all integers big-endian):
/// `[version = 1][24-byte nonce][AEAD(senderID u64, sequence u64, timestampMillis i64, plaintext)][16-byte tag]`
/// with `version ‖ nonce ‖ recipient` as additional authenticated data. XChaCha20-Poly1305's 192-bit nonce makes
/// random nonces safe, so no nonce state has to survive restarts.
///
/// The recipient (for datagrams, the address they are sent to) is authenticated but not sent: a datagram opens
/// only at the node it was sealed for, so one captured on its way to one member cannot be replayed to another,
/// whose replay guard has never seen it. Streams are sealed without a recipient, which also keeps a stream frame
/// from ever opening as a datagram.
///
/// Sans-IO: the caller supplies the time and the nonce RNG, so a simulator gets identical bytes from
/// the same seed; nothing here reads a clock or a global RNG.
public struct Sealer: Sendable {
    /// Current wire-format version.
    public static let version: UInt8 = 1
    static let nonceCount = 24
    static let tagCount = 16
    static let replayFieldsCount = 24
    static let headerCount = 1 + nonceCount

    /// Bytes added by `seal`: version, nonce, replay fields and tag (65).
    public static let overhead: Int = headerCount + replayFieldsCount + tagCount

    /// Largest sealed message `open` will look at; bigger inputs are rejected before any work is done.
    public static let maxSealedSize = 16 << 20

    /// Installed keys; settable so rotation swaps it in place without losing replay state.
    public var keyring: Keyring
    /// This node's per-boot random identity in the replay fields.
    public let senderID: UInt64
    private var sequence: UInt64 = 0
    private var replayGuard: ReplayGuard

    /// - Parameters:
    ///   - senderID: pick randomly at boot so a restarted node does not collide with its old sequence state.
    ///   - replayWindowMillis: tolerated clock skew; messages further from now are rejected as stale.
    public init(keyring: Keyring, senderID: UInt64, replayWindowMillis: Int64 = 60_000) {
        Sodium.ensureReady()
        self.keyring = keyring
        self.senderID = senderID
        self.replayGuard = ReplayGuard(windowMillis: replayWindowMillis)
    }

    /// Seals `plaintext` under the primary key, for no particular recipient (streams). Each call uses the next
    /// sequence number.
    public mutating func seal(
        _ plaintext: some Collection<UInt8>,
        nowMillis: Int64,
        using rng: inout some RandomNumberGenerator
    ) -> [UInt8] {
        seal(plaintext, context: [], nowMillis: nowMillis, using: &rng)
    }

    /// Seals `plaintext` so that it opens only at `recipient` (see `open(_:at:nowMillis:)`).
    public mutating func seal(
        _ plaintext: some Collection<UInt8>,
        to recipient: String,
        nowMillis: Int64,
        using rng: inout some RandomNumberGenerator
    ) -> [UInt8] {
        seal(plaintext, context: Self.recipientContext(recipient), nowMillis: nowMillis, using: &rng)
    }

    /// The associated data naming a recipient; never empty, so it differs from the no-recipient case.
    static func recipientContext(_ recipient: String) -> [UInt8] {
        [UInt8(ascii: ">")] + Array(recipient.utf8)
    }

    private mutating func seal(
        _ plaintext: some Collection<UInt8>,
        context: [UInt8],
        nowMillis: Int64,
        using rng: inout some RandomNumberGenerator
    ) -> [UInt8] {
        var header = [UInt8]()
        header.reserveCapacity(Self.headerCount)
        header.append(Self.version)
        for _ in 0..<(Self.nonceCount / 8) {
            Self.appendBigEndian(rng.next(), to: &header)
        }

        var message = [UInt8]()
        message.reserveCapacity(Self.replayFieldsCount + plaintext.count)
        Self.appendBigEndian(senderID, to: &message)
        Self.appendBigEndian(sequence, to: &message)
        Self.appendBigEndian(UInt64(bitPattern: nowMillis), to: &message)
        message.append(contentsOf: plaintext)
        sequence &+= 1

        var output = header + [UInt8](repeating: 0, count: message.count + Self.tagCount)
        let associated = header + context
        let key = keyring.primary.bytes
        var written: UInt64 = 0
        let result = output.withUnsafeMutableBufferPointer { out in
            message.withUnsafeBufferPointer { m in
                associated.withUnsafeBufferPointer { ad in
                    key.withUnsafeBufferPointer { k in
                        crypto_aead_xchacha20poly1305_ietf_encrypt(
                            out.baseAddress! + Self.headerCount,
                            &written,
                            m.baseAddress!,
                            UInt64(m.count),
                            ad.baseAddress!,
                            UInt64(ad.count),
                            nil,
                            ad.baseAddress! + 1,
                            k.baseAddress!
                        )
                    }
                }
            }
        }
        // Encryption only fails for messages larger than libsodium's ~256 GiB limit.
        precondition(result == 0 && Int(written) == message.count + Self.tagCount, "AEAD encryption failed")
        return output
    }

    /// Authenticates a message sealed for no particular recipient under any installed key (primary first), then
    /// applies the replay guard. Never traps: every malformed, forged or replayed input throws.
    public mutating func open(_ sealed: some Collection<UInt8>, nowMillis: Int64) throws(SealingError) -> [UInt8] {
        try open(sealed, contexts: [[]], nowMillis: nowMillis)
    }

    /// Opens a message sealed for one of `recipients` (the names this node answers to, e.g. its advertised and
    /// bound addresses); one sealed for anyone else fails authentication.
    public mutating func open(
        _ sealed: some Collection<UInt8>,
        at recipients: [String],
        nowMillis: Int64
    ) throws(SealingError) -> [UInt8] {
        try open(sealed, contexts: recipients.map(Self.recipientContext), nowMillis: nowMillis)
    }

    private mutating func open(
        _ sealed: some Collection<UInt8>,
        contexts: [[UInt8]],
        nowMillis: Int64
    ) throws(SealingError) -> [UInt8] {
        let count = sealed.count
        guard count <= Self.maxSealedSize else { throw .tooLarge(count) }
        guard count >= Self.overhead else { throw .tooShort }
        let input = [UInt8](sealed)
        guard input[0] == Self.version else { throw .unknownVersion(input[0]) }

        let cipherCount = count - Self.headerCount
        var message = [UInt8](repeating: 0, count: cipherCount - Self.tagCount)
        var opened = false
        for context in contexts where !opened {
            let associated = Array(input[0..<Self.headerCount]) + context
            for key in keyring.keys where !opened {
                opened = Self.decrypt(
                    input,
                    associated: associated,
                    cipherCount: cipherCount,
                    key: key.bytes,
                    into: &message
                )
            }
        }
        guard opened else { throw .authenticationFailed }

        let sender = Self.readBigEndian(message, at: 0)
        let sequence = Self.readBigEndian(message, at: 8)
        let timestamp = Int64(bitPattern: Self.readBigEndian(message, at: 16))
        try replayGuard.check(senderID: sender, sequence: sequence, timestampMillis: timestamp, nowMillis: nowMillis)
        return Array(message[Self.replayFieldsCount...])
    }

    private static func decrypt(
        _ input: [UInt8],
        associated: [UInt8],
        cipherCount: Int,
        key: [UInt8],
        into message: inout [UInt8]
    ) -> Bool {
        var written: UInt64 = 0
        let result = message.withUnsafeMutableBufferPointer { m in
            input.withUnsafeBufferPointer { i in
                associated.withUnsafeBufferPointer { ad in
                    key.withUnsafeBufferPointer { k in
                        crypto_aead_xchacha20poly1305_ietf_decrypt(
                            m.baseAddress!,
                            &written,
                            nil,
                            i.baseAddress! + headerCount,
                            UInt64(cipherCount),
                            ad.baseAddress!,
                            UInt64(ad.count),
                            i.baseAddress! + 1,
                            k.baseAddress!
                        )
                    }
                }
            }
        }
        return result == 0 && Int(written) == cipherCount - tagCount
    }

    private static func appendBigEndian(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    private static func readBigEndian(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in offset..<(offset + 8) {
            value = value << 8 | UInt64(bytes[index])
        }
        return value
    }
}

/// Why a sealed message was rejected. Callers usually just drop the datagram and count the reason.
public enum SealingError: Error, Equatable, CustomStringConvertible {
    /// Shorter than `Sealer.overhead`.
    case tooShort
    /// Larger than `Sealer.maxSealedSize` (the size is attached).
    case tooLarge(Int)
    /// A version byte this build does not understand.
    case unknownVersion(UInt8)
    /// No installed key authenticates it: wrong cluster key, corruption or forgery.
    case authenticationFailed
    /// Already seen, or too far behind the sender's newest sequence.
    case replayed
    /// Timestamp further from now than the replay window (clock skew or an old capture).
    case stale

    public var description: String {
        switch self {
        case .tooShort:
            return "sealed message is shorter than the \(Sealer.overhead)-byte envelope"
        case .tooLarge(let count):
            return "sealed message of \(count) bytes exceeds the \(Sealer.maxSealedSize)-byte limit"
        case .unknownVersion(let version):
            return "unknown sealed message version \(version)"
        case .authenticationFailed:
            return "message failed authentication under every installed key"
        case .replayed:
            return "message was replayed"
        case .stale:
            return "message timestamp is outside the replay window"
        }
    }
    /// A short stable label per kind of rejection (`too_short`, `authentication_failed`, ...), without the attached
    /// values: the real shell's rejection metric and the simulator's report count by it.
    public var label: String {
        switch self {
        case .tooShort: "too_short"
        case .tooLarge: "too_large"
        case .unknownVersion: "unknown_version"
        case .authenticationFailed: "authentication_failed"
        case .replayed: "replayed"
        case .stale: "stale"
        }
    }
}
