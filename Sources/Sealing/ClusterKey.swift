import CSodium
import Foundation

/// A 32-byte symmetric cluster key. Every peer in a cluster shares it; without it a node can neither
/// read nor forge cluster traffic.
///
/// `description` prints only the fingerprint so a key never leaks into logs by accident.
public struct ClusterKey: Sendable, Hashable, CustomStringConvertible {
    /// Key size required by XChaCha20-Poly1305.
    public static let byteCount = 32

    /// The raw secret. Treat as sensitive: never log it.
    public let bytes: [UInt8]

    /// Wraps raw key bytes; rejects anything that is not exactly `byteCount` long.
    public init(bytes: [UInt8]) throws(KeyError) {
        guard bytes.count == Self.byteCount else { throw .wrongLength(bytes.count) }
        self.bytes = bytes
    }

    /// Parses the base64 form used on the command line and in keyring files. Surrounding whitespace
    /// (for example a trailing newline from a file) is ignored.
    public init(base64: String) throws(KeyError) {
        let trimmed = base64.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let data = Data(base64Encoded: trimmed) else { throw .invalidBase64 }
        try self.init(bytes: [UInt8](data))
    }

    /// A fresh random key from libsodium's CSPRNG. Only key generation uses a global RNG; sealing never does.
    public static func generate() -> ClusterKey {
        Sodium.ensureReady()
        var bytes = [UInt8](repeating: 0, count: byteCount)
        bytes.withUnsafeMutableBytes { buffer in
            randombytes_buf(buffer.baseAddress!, buffer.count)
        }
        return try! ClusterKey(bytes: bytes)
    }

    /// The key in standard base64, for keyring files and `--key` flags.
    public var base64: String {
        Data(bytes).base64EncodedString()
    }

    /// A short, non-secret identifier (first 8 hex digits of a BLAKE2b hash) so operators can tell
    /// keys apart in logs and `keyring list` output without revealing them.
    public var fingerprint: String {
        Sodium.ensureReady()
        var digest = [UInt8](repeating: 0, count: 16)
        let label = Array("peer-cluster-key-fingerprint".utf8)
        digest.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                label.withUnsafeBufferPointer { key in
                    _ = crypto_generichash(
                        out.baseAddress!,
                        out.count,
                        input.baseAddress,
                        UInt64(input.count),
                        key.baseAddress,
                        key.count
                    )
                }
            }
        }
        return digest.prefix(4).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined()
    }

    public var description: String {
        "ClusterKey(\(fingerprint))"
    }

    /// Constant-time comparison, so equality checks on secrets do not leak timing.
    public static func == (lhs: ClusterKey, rhs: ClusterKey) -> Bool {
        guard lhs.bytes.count == rhs.bytes.count else { return false }
        Sodium.ensureReady()
        return lhs.bytes.withUnsafeBytes { a in
            rhs.bytes.withUnsafeBytes { b in
                sodium_memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
            }
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(bytes)
    }
}

/// Errors from parsing keys and managing a keyring. Messages are one line and never contain key material.
public enum KeyError: Error, Equatable, CustomStringConvertible {
    /// The text is not valid base64.
    case invalidBase64
    /// The key decoded to this many bytes instead of `ClusterKey.byteCount`.
    case wrongLength(Int)
    /// The key (identified by fingerprint) is not in the keyring.
    case notInstalled(String)
    /// The primary key seals all outgoing traffic, so it cannot be removed; `use` another key first.
    case cannotRemovePrimary
    /// A keyring file could not be parsed.
    case malformedKeyring(String)

    public var description: String {
        switch self {
        case .invalidBase64:
            return "key is not valid base64"
        case .wrongLength(let count):
            return "key must be \(ClusterKey.byteCount) bytes, got \(count)"
        case .notInstalled(let fingerprint):
            return "key \(fingerprint) is not installed in the keyring"
        case .cannotRemovePrimary:
            return "cannot remove the primary key; make another key primary first"
        case .malformedKeyring(let reason):
            return "malformed keyring: \(reason)"
        }
    }
}
