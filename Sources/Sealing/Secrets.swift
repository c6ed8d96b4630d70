import CSodium

/// Shared secrets other than cluster keys (the RPC token): generation from libsodium's CSPRNG and a comparison
/// whose time does not depend on where, or whether, two secrets differ.
public enum Secrets {
    /// A fresh random token: 32 bytes from libsodium's CSPRNG in lower-case hex (64 characters).
    public static func generateToken() -> String {
        Sodium.ensureReady()
        var bytes = [UInt8](repeating: 0, count: 32)
        bytes.withUnsafeMutableBytes { buffer in
            randombytes_buf(buffer.baseAddress!, buffer.count)
        }
        return bytes.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 0x10 ? "0" + hex : hex
        }.joined()
    }

    /// Whether `presented` equals `expected`, in time independent of their contents and of where they differ.
    /// Both are hashed to 32 bytes first, so not even the length of the expected secret shows in the timing.
    public static func equal(_ presented: String, _ expected: String) -> Bool {
        let left = digest(Array(presented.utf8))
        let right = digest(Array(expected.utf8))
        return left.withUnsafeBytes { a in
            right.withUnsafeBytes { b in
                sodium_memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
            }
        }
    }

    private static func digest(_ bytes: [UInt8]) -> [UInt8] {
        Sodium.ensureReady()
        var output = [UInt8](repeating: 0, count: 32)
        output.withUnsafeMutableBufferPointer { out in
            bytes.withUnsafeBufferPointer { input in
                _ = crypto_generichash(out.baseAddress!, out.count, input.baseAddress, UInt64(input.count), nil, 0)
            }
        }
        return output
    }
}
