import CSodium

/// XChaCha20-Poly1305 (IETF) and keyed BLAKE2b through libsodium, for broker links. The sealer keeps its own calls;
/// these take an explicit nonce, which a link derives from a per-session key and a frame counter.
enum AEAD {
    static let keyCount = 32
    static let nonceCount = 24
    static let tagCount = 16

    /// Encrypts and authenticates `message`; `associated` is authenticated but not sent.
    static func seal(_ message: [UInt8], associated: [UInt8], nonce: [UInt8], key: [UInt8]) -> [UInt8] {
        // Callers pass fixed-size nonces and keys, never input bytes.
        precondition(nonce.count == nonceCount && key.count == keyCount, "bad AEAD nonce or key size")
        Sodium.ensureReady()
        var output = [UInt8](repeating: 0, count: message.count + tagCount)
        var written: UInt64 = 0
        let result = output.withUnsafeMutableBufferPointer { out in
            message.withUnsafeBufferPointer { m in
                associated.withUnsafeBufferPointer { ad in
                    nonce.withUnsafeBufferPointer { n in
                        key.withUnsafeBufferPointer { k in
                            crypto_aead_xchacha20poly1305_ietf_encrypt(
                                out.baseAddress!,
                                &written,
                                m.baseAddress,
                                UInt64(m.count),
                                ad.baseAddress,
                                UInt64(ad.count),
                                nil,
                                n.baseAddress!,
                                k.baseAddress!
                            )
                        }
                    }
                }
            }
        }
        // Encryption only fails for messages larger than libsodium's ~256 GiB limit.
        precondition(result == 0 && Int(written) == output.count, "AEAD encryption failed")
        return output
    }

    /// The plaintext, or nil when `cipher` does not authenticate under `key` with `associated` and `nonce`.
    static func open(_ cipher: [UInt8], associated: [UInt8], nonce: [UInt8], key: [UInt8]) -> [UInt8]? {
        guard cipher.count >= tagCount, nonce.count == nonceCount, key.count == keyCount else { return nil }
        Sodium.ensureReady()
        // One spare byte keeps the buffer non-empty, so its base address is never nil.
        var message = [UInt8](repeating: 0, count: cipher.count - tagCount + 1)
        var written: UInt64 = 0
        let result = message.withUnsafeMutableBufferPointer { m in
            cipher.withUnsafeBufferPointer { c in
                associated.withUnsafeBufferPointer { ad in
                    nonce.withUnsafeBufferPointer { n in
                        key.withUnsafeBufferPointer { k in
                            crypto_aead_xchacha20poly1305_ietf_decrypt(
                                m.baseAddress,
                                &written,
                                nil,
                                c.baseAddress!,
                                UInt64(c.count),
                                ad.baseAddress,
                                UInt64(ad.count),
                                n.baseAddress!,
                                k.baseAddress!
                            )
                        }
                    }
                }
            }
        }
        guard result == 0, Int(written) == cipher.count - tagCount else { return nil }
        message.removeLast()
        return message
    }

    /// `count` bytes of keyed BLAKE2b over `input`: a key derivation from a cluster key and public session values.
    static func derive(count: Int, key: [UInt8], input: [UInt8]) -> [UInt8] {
        Sodium.ensureReady()
        var output = [UInt8](repeating: 0, count: count)
        precondition(count > 0 && !key.isEmpty, "bad key derivation sizes")
        let result = output.withUnsafeMutableBufferPointer { out in
            input.withUnsafeBufferPointer { i in
                key.withUnsafeBufferPointer { k in
                    crypto_generichash(
                        out.baseAddress!,
                        out.count,
                        i.baseAddress,
                        UInt64(i.count),
                        k.baseAddress!,
                        k.count
                    )
                }
            }
        }
        // Fails only for output or key sizes outside BLAKE2b's limits, which the callers never pass.
        precondition(result == 0, "key derivation failed")
        return output
    }
}
