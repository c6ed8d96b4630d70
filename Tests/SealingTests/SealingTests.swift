import Foundation
import Primitives
import Testing

@testable import Sealing

private func key(_ byte: UInt8) -> ClusterKey {
    try! ClusterKey(bytes: [UInt8](repeating: byte, count: ClusterKey.byteCount))
}

private let now: Int64 = 1_700_000_000_000

@Suite struct SealerTests {
    @Test func roundTrip() throws {
        var rng = SeededRandom(seed: 1)
        var alice = Sealer(keyring: Keyring(primary: key(1)), senderID: 10)
        var bob = Sealer(keyring: Keyring(primary: key(1)), senderID: 20)
        for plaintext in [[], [0x42], Array("hello, cluster".utf8), [UInt8](repeating: 7, count: 5000)] as [[UInt8]] {
            let sealed = alice.seal(plaintext, nowMillis: now, using: &rng)
            #expect(sealed.count == plaintext.count + Sealer.overhead)
            #expect(sealed[0] == 1)
            #expect(try bob.open(sealed, nowMillis: now) == plaintext)
        }
        #expect(Sealer.overhead == 65)
    }

    @Test func ciphertextDoesNotContainPlaintext() {
        var rng = SeededRandom(seed: 2)
        var alice = Sealer(keyring: Keyring(primary: key(1)), senderID: 10)
        let plaintext = Array("a very recognisable secret payload".utf8)
        let sealed = alice.seal(plaintext, nowMillis: now, using: &rng)
        #expect(!sealed.windowsContain(plaintext))
    }

    @Test func wrongKeyFailsAuthentication() {
        var rng = SeededRandom(seed: 3)
        var alice = Sealer(keyring: Keyring(primary: key(1)), senderID: 10)
        var eve = Sealer(keyring: Keyring(primary: key(2)), senderID: 30)
        let sealed = alice.seal(Array("hi".utf8), nowMillis: now, using: &rng)
        #expect(throws: SealingError.authenticationFailed) { try eve.open(sealed, nowMillis: now) }
    }

    @Test func everySingleFlippedByteIsRejected() throws {
        var rng = SeededRandom(seed: 4)
        var alice = Sealer(keyring: Keyring(primary: key(1)), senderID: 10)
        let sealed = alice.seal(Array("flip me".utf8), nowMillis: now, using: &rng)
        for index in sealed.indices {
            for mask: UInt8 in [0x01, 0x80] {
                var bob = Sealer(keyring: Keyring(primary: key(1)), senderID: 20)
                var tampered = sealed
                tampered[index] ^= mask
                #expect(throws: SealingError.self) { try bob.open(tampered, nowMillis: now) }
            }
        }
        var bob = Sealer(keyring: Keyring(primary: key(1)), senderID: 20)
        #expect(throws: SealingError.unknownVersion(3)) {
            var tampered = sealed
            tampered[0] = 3
            return try bob.open(tampered, nowMillis: now)
        }
        var tampered = sealed
        tampered[30] ^= 1
        #expect(throws: SealingError.authenticationFailed) { try bob.open(tampered, nowMillis: now) }
        #expect(try bob.open(sealed, nowMillis: now) == Array("flip me".utf8))
    }

    @Test func truncatedInputIsRejected() {
        var rng = SeededRandom(seed: 5)
        var alice = Sealer(keyring: Keyring(primary: key(1)), senderID: 10)
        let sealed = alice.seal(Array("truncate me please".utf8), nowMillis: now, using: &rng)
        var bob = Sealer(keyring: Keyring(primary: key(1)), senderID: 20)
        for length in 0..<sealed.count {
            let prefix = sealed.prefix(length)
            if length < Sealer.overhead {
                #expect(throws: SealingError.tooShort) { try bob.open(prefix, nowMillis: now) }
            } else {
                #expect(throws: SealingError.authenticationFailed) { try bob.open(prefix, nowMillis: now) }
            }
        }
        // Dropping the version byte shifts everything: the first nonce byte becomes the version.
        #expect(throws: SealingError.unknownVersion(sealed[1])) { try bob.open(sealed.dropFirst(), nowMillis: now) }
        var withVersion = Array(sealed.dropFirst())
        withVersion[0] = Sealer.version
        #expect(throws: SealingError.authenticationFailed) { try bob.open(withVersion, nowMillis: now) }
    }

    @Test func tooLargeInputIsRejected() {
        var bob = Sealer(keyring: Keyring(primary: key(1)), senderID: 20)
        let huge = [UInt8](repeating: 1, count: Sealer.maxSealedSize + 1)
        #expect(throws: SealingError.tooLarge(huge.count)) { try bob.open(huge, nowMillis: now) }
    }

    @Test func randomGarbageNeverTrapsAndAlwaysThrows() {
        var rng = SeededRandom(seed: 0xBAD)
        var bob = Sealer(keyring: Keyring(primary: key(1), others: [key(2)]), senderID: 20)
        var failures = 0
        for iteration in 0..<2000 {
            let length = Int(rng.next() % 2001)
            var garbage = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Half the inputs carry a valid version byte so they reach the AEAD check.
            if iteration.isMultiple(of: 2), !garbage.isEmpty { garbage[0] = Sealer.version }
            do {
                _ = try bob.open(garbage, nowMillis: now)
            } catch {
                failures += 1
            }
        }
        #expect(failures == 2000)
    }

    @Test func replayIsRejected() throws {
        var rng = SeededRandom(seed: 6)
        var alice = Sealer(keyring: Keyring(primary: key(1)), senderID: 10)
        var bob = Sealer(keyring: Keyring(primary: key(1)), senderID: 20)
        let sealed = alice.seal(Array("once".utf8), nowMillis: now, using: &rng)
        #expect(try bob.open(sealed, nowMillis: now) == Array("once".utf8))
        #expect(throws: SealingError.replayed) { try bob.open(sealed, nowMillis: now + 1) }
        // A different message from the same sender is still fine.
        let next = alice.seal(Array("twice".utf8), nowMillis: now, using: &rng)
        #expect(try bob.open(next, nowMillis: now + 2) == Array("twice".utf8))
    }

    @Test func outOfOrderWithinWindowAcceptedOlderRejected() throws {
        var rng = SeededRandom(seed: 7)
        var alice = Sealer(keyring: Keyring(primary: key(1)), senderID: 10)
        var bob = Sealer(keyring: Keyring(primary: key(1)), senderID: 20)
        let messages = (0..<1100).map { alice.seal([UInt8(truncatingIfNeeded: $0)], nowMillis: now, using: &rng) }
        _ = try bob.open(messages[1099], nowMillis: now)
        // 1099 - 1023 = 76 is the oldest sequence still inside the window.
        _ = try bob.open(messages[76], nowMillis: now)
        _ = try bob.open(messages[500], nowMillis: now)
        #expect(throws: SealingError.replayed) { try bob.open(messages[500], nowMillis: now) }
        #expect(throws: SealingError.replayed) { try bob.open(messages[75], nowMillis: now) }
        #expect(throws: SealingError.replayed) { try bob.open(messages[0], nowMillis: now) }
        #expect(try bob.open(messages[1098], nowMillis: now) == [UInt8(truncatingIfNeeded: 1098)])
    }

    @Test func staleTimestampIsRejected() throws {
        var rng = SeededRandom(seed: 8)
        var alice = Sealer(keyring: Keyring(primary: key(1)), senderID: 10)
        var bob = Sealer(keyring: Keyring(primary: key(1)), senderID: 20, replayWindowMillis: 1000)
        let old = alice.seal([1], nowMillis: now - 1001, using: &rng)
        let future = alice.seal([2], nowMillis: now + 1001, using: &rng)
        let edge = alice.seal([3], nowMillis: now - 1000, using: &rng)
        let extreme = alice.seal([4], nowMillis: .min, using: &rng)
        #expect(throws: SealingError.stale) { try bob.open(old, nowMillis: now) }
        #expect(throws: SealingError.stale) { try bob.open(future, nowMillis: now) }
        #expect(throws: SealingError.stale) { try bob.open(extreme, nowMillis: .max) }
        #expect(try bob.open(edge, nowMillis: now) == [3])
    }

    @Test func nodeHearingItselfIsAccepted() throws {
        var rng = SeededRandom(seed: 9)
        var node = Sealer(keyring: Keyring(primary: key(1)), senderID: 10)
        let sealed = node.seal([9], nowMillis: now, using: &rng)
        #expect(try node.open(sealed, nowMillis: now) == [9])
        #expect(throws: SealingError.replayed) { try node.open(sealed, nowMillis: now) }
    }

    @Test func rotationAcceptsInstalledKeysUntilRemoved() throws {
        var rng = SeededRandom(seed: 10)
        let a = key(0xA)
        let b = key(0xB)
        var sender = Sealer(keyring: Keyring(primary: a), senderID: 10)
        var receiver = Sealer(keyring: Keyring(primary: b, others: [a]), senderID: 20)
        let first = sender.seal([1], nowMillis: now, using: &rng)
        let second = sender.seal([2], nowMillis: now, using: &rng)
        #expect(try receiver.open(first, nowMillis: now) == [1])
        try receiver.keyring.remove(a)
        #expect(throws: SealingError.authenticationFailed) { try receiver.open(second, nowMillis: now) }

        // Sender finishes rotating to B; receiver still talks.
        sender.keyring.install(b)
        try sender.keyring.use(b)
        #expect(sender.keyring.primary == b)
        let third = sender.seal([3], nowMillis: now, using: &rng)
        #expect(try receiver.open(third, nowMillis: now) == [3])
    }

    @Test func sealIsDeterministicForSameSeedSenderAndTime() {
        func run() -> [[UInt8]] {
            var rng = SeededRandom(seed: 42)
            var sealer = Sealer(keyring: Keyring(primary: key(1)), senderID: 77)
            return (0..<5).map { sealer.seal([UInt8($0)], nowMillis: now + Int64($0), using: &rng) }
        }
        let first = run()
        #expect(first == run())
        // Different nonces and sequences each time, so no two seals repeat.
        #expect(Set(first).count == first.count)

        var otherRNG = SeededRandom(seed: 43)
        var sealer = Sealer(keyring: Keyring(primary: key(1)), senderID: 77)
        #expect(sealer.seal([0], nowMillis: now, using: &otherRNG) != first[0])
    }
}

@Suite struct ReplayGuardTests {
    @Test func forgetsQuietSendersAndBoundsMemory() throws {
        var guardian = ReplayGuard(windowMillis: 1000, maxSenders: 4)
        for sender: UInt64 in 0..<4 {
            try guardian.check(senderID: sender, sequence: 0, timestampMillis: now, nowMillis: now)
        }
        #expect(guardian.trackedSenderCount == 4)
        try guardian.check(senderID: 1, sequence: 1, timestampMillis: now + 5, nowMillis: now + 5)
        // A fifth sender evicts the least recently heard (sender 0), never exceeding the bound.
        try guardian.check(senderID: 99, sequence: 0, timestampMillis: now + 10, nowMillis: now + 10)
        #expect(guardian.trackedSenderCount == 4)
        #expect(throws: SealingError.replayed) {
            try guardian.check(senderID: 1, sequence: 1, timestampMillis: now + 5, nowMillis: now + 20)
        }
        // Long silence: everyone is forgotten and the old messages are stale anyway.
        let later = now + 5000
        try guardian.check(senderID: 500, sequence: 0, timestampMillis: later, nowMillis: later)
        #expect(guardian.trackedSenderCount == 1)
        #expect(throws: SealingError.stale) {
            try guardian.check(senderID: 1, sequence: 1, timestampMillis: now + 5, nowMillis: later)
        }
    }

    @Test func futureStampedSenderIsRememberedUntilItsMessagesAreStale() throws {
        var guardian = ReplayGuard(windowMillis: 1000)
        // Sender's clock runs 1000 ms ahead.
        try guardian.check(senderID: 1, sequence: 0, timestampMillis: now + 1000, nowMillis: now)
        // 1500 ms later the sender is quiet for over a window, but the message is still fresh.
        #expect(throws: SealingError.replayed) {
            try guardian.check(senderID: 1, sequence: 0, timestampMillis: now + 1000, nowMillis: now + 1500)
        }
    }

    @Test func largeSequenceJumpsAndWraparoundDoNotTrap() throws {
        var guardian = ReplayGuard()
        try guardian.check(senderID: 1, sequence: .max, timestampMillis: now, nowMillis: now)
        #expect(throws: SealingError.replayed) {
            try guardian.check(senderID: 1, sequence: 0, timestampMillis: now, nowMillis: now)
        }
        try guardian.check(senderID: 1, sequence: .max - 1023, timestampMillis: now, nowMillis: now)
        #expect(throws: SealingError.replayed) {
            try guardian.check(senderID: 1, sequence: .max - 1024, timestampMillis: now, nowMillis: now)
        }
        // Shifts by every amount around word boundaries keep exact bookkeeping.
        var g2 = ReplayGuard()
        var accepted: Set<UInt64> = []
        var seq: UInt64 = 0
        var rng = SeededRandom(seed: 11)
        for _ in 0..<3000 {
            seq += rng.next() % 130
            let candidate = seq - min(seq, rng.next() % 1100)
            let expectAccepted = !accepted.contains(candidate) && (accepted.max().map { $0 < candidate + 1024 } ?? true)
            do {
                try g2.check(senderID: 2, sequence: candidate, timestampMillis: now, nowMillis: now)
                #expect(expectAccepted, "sequence \(candidate) accepted unexpectedly")
                accepted.insert(candidate)
            } catch {
                #expect(!expectAccepted, "sequence \(candidate) rejected unexpectedly")
            }
        }
    }
}

@Suite struct KeyTests {
    @Test func base64RoundTripAndErrors() throws {
        let generated = ClusterKey.generate()
        #expect(generated.bytes.count == 32)
        #expect(try ClusterKey(base64: "  \(generated.base64)\n") == generated)
        #expect(ClusterKey.generate() != generated)
        #expect(throws: KeyError.invalidBase64) { try ClusterKey(base64: "not base64!!") }
        #expect(throws: KeyError.wrongLength(3)) { try ClusterKey(base64: "AQID") }
        #expect(throws: KeyError.wrongLength(31)) { try ClusterKey(bytes: [UInt8](repeating: 0, count: 31)) }
    }

    @Test func fingerprintAndDescriptionDoNotRevealKey() {
        let secret = ClusterKey.generate()
        #expect(secret.fingerprint.count == 8)
        #expect(secret.fingerprint.allSatisfy { "0123456789abcdef".contains($0) })
        // Known answers: the first 4 bytes of BLAKE2b-128 keyed with "peer-cluster-key-fingerprint" (computed
        // independently with Python's hashlib), so the fingerprint is a hash of the key, not a piece of it.
        #expect(key(1).fingerprint == "fc822895")
        #expect(key(2).fingerprint == "441daf5e")
        let hex = secret.bytes.map { String(format: "%02x", $0) }.joined()
        #expect(!hex.hasPrefix(secret.fingerprint))
        #expect(!secret.description.contains(secret.base64))
        #expect(secret.description.contains(secret.fingerprint))
    }

    @Test func keyringUseAndRemove() throws {
        var ring = Keyring(primary: key(1), others: [key(2), key(1), key(2)])
        #expect(ring.keys == [key(1), key(2)])
        ring.install(key(3))
        ring.install(key(3))
        #expect(ring.keys == [key(1), key(2), key(3)])
        #expect(throws: KeyError.notInstalled(key(9).fingerprint)) { try ring.use(key(9)) }
        #expect(throws: KeyError.cannotRemovePrimary) { try ring.remove(key(1)) }
        #expect(throws: KeyError.notInstalled(key(9).fingerprint)) { try ring.remove(key(9)) }
        try ring.use(key(3))
        #expect(ring.primary == key(3))
        #expect(ring.keys.first == key(3))
        #expect(Set(ring.keys) == [key(1), key(2), key(3)])
        try ring.remove(key(1))
        #expect(ring.keys == [key(3), key(2)])
    }

    @Test func keyringJSONRoundTripAndErrors() throws {
        let ring = Keyring(primary: key(1), others: [key(2), key(3)])
        let json = ring.encodedJSON()
        let decoded = try Keyring(json: json)
        #expect(decoded == ring)
        let object = try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any]
        #expect(object?["primary"] as? String == key(1).base64)
        #expect(object?["keys"] as? [String] == [key(1).base64, key(2).base64, key(3).base64])

        let primaryOnly = try Keyring(json: Array(#"{"primary":"\#(key(4).base64)"}"#.utf8))
        #expect(primaryOnly.keys == [key(4)])

        #expect(throws: KeyError.malformedKeyring("not valid JSON")) { try Keyring(json: Array("{oops".utf8)) }
        #expect(throws: KeyError.malformedKeyring("missing field \"primary\"")) {
            try Keyring(json: Array(#"{"keys":[]}"#.utf8))
        }
        #expect(throws: KeyError.self) { try Keyring(json: Array(#"{"primary":5}"#.utf8)) }
        #expect(throws: KeyError.invalidBase64) { try Keyring(json: Array(#"{"primary":"%%%"}"#.utf8)) }
        #expect(throws: KeyError.wrongLength(3)) {
            try Keyring(json: Array(#"{"primary":"\#(key(1).base64)","keys":["AQID"]}"#.utf8))
        }
        #expect(throws: KeyError.self) { try Keyring(json: []) }
    }

    @Test func errorMessagesAreOneLine() {
        let errors: [any CustomStringConvertible] = [
            KeyError.invalidBase64, KeyError.wrongLength(1), KeyError.notInstalled("abcd1234"),
            KeyError.cannotRemovePrimary, KeyError.malformedKeyring("x"), SealingError.tooShort,
            SealingError.tooLarge(1), SealingError.unknownVersion(2), SealingError.authenticationFailed,
            SealingError.replayed, SealingError.stale, FramingError.frameTooLarge(5),
        ]
        for error in errors {
            #expect(!error.description.isEmpty)
            #expect(!error.description.contains("\n"))
        }
    }
}

@Suite struct FramingTests {
    @Test func arbitrarilySplitInputReassembles() throws {
        var rng = SeededRandom(seed: 12)
        let payloads: [[UInt8]] =
            (0..<50).map { index in
                (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next() &+ UInt64(index)) }
            } + [[]]
        let stream = payloads.flatMap(Framing.frame)
        #expect(Framing.frame([1, 2, 3]) == [0, 0, 0, 3, 1, 2, 3])

        for chunkLimit in [1, 2, 3, 7, 64, 100_000] {
            var decoder = FrameDecoder()
            var received: [[UInt8]] = []
            var offset = 0
            while offset < stream.count {
                let size = chunkLimit == 100_000 ? chunkLimit : 1 + Int(rng.next() % UInt64(chunkLimit))
                let end = min(stream.count, offset + size)
                decoder.append(stream[offset..<end])
                offset = end
                while let frame = try decoder.nextFrame() { received.append(frame) }
            }
            #expect(received == payloads)
            #expect(decoder.bufferedByteCount == 0)
        }
    }

    @Test func oversizeFrameThrows() throws {
        var decoder = FrameDecoder(maxFrameSize: 10)
        decoder.append(Framing.frame([UInt8](repeating: 1, count: 10)))
        #expect(try decoder.nextFrame() == [UInt8](repeating: 1, count: 10))
        decoder.append([0x00, 0x00])
        #expect(try decoder.nextFrame() == nil)
        decoder.append([0x00, 0x0B])
        #expect(throws: FramingError.frameTooLarge(11)) { try decoder.nextFrame() }
        #expect(throws: FramingError.frameTooLarge(11)) { try decoder.nextFrame() }

        var big = FrameDecoder()
        big.append([0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: FramingError.frameTooLarge(Int(UInt32.max))) { try big.nextFrame() }
    }

    @Test func sealedFramesSurviveTheStream() throws {
        var rng = SeededRandom(seed: 13)
        var alice = Sealer(keyring: Keyring(primary: key(1)), senderID: 1)
        var bob = Sealer(keyring: Keyring(primary: key(1)), senderID: 2)
        var decoder = FrameDecoder()
        let stream = (0..<3).flatMap { Framing.frame(alice.seal([UInt8($0)], nowMillis: now, using: &rng)) }
        for byte in stream { decoder.append([byte]) }
        var opened: [[UInt8]] = []
        while let frame = try decoder.nextFrame() { opened.append(try bob.open(frame, nowMillis: now)) }
        #expect(opened == [[0], [1], [2]])
    }
}

extension Array where Element == UInt8 {
    fileprivate func windowsContain(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { Array(self[$0..<($0 + needle.count)]) == needle }
    }
}
