import Primitives
import Testing

@testable import Sealing

/// A datagram sealed for one member opens only there: replayed to a third member it fails authentication, before
/// that member's replay guard (which has never seen it) is even consulted.
@Suite struct RecipientBindingTests {
    private let now: Int64 = 1_700_000_000_000
    private let key = try! ClusterKey(bytes: [UInt8](repeating: 9, count: ClusterKey.byteCount))

    @Test func sealedForOneMemberOpensOnlyThere() throws {
        var rng = SeededRandom(seed: 3)
        var n2 = Sealer(keyring: Keyring(primary: key), senderID: 2)
        var n1 = Sealer(keyring: Keyring(primary: key), senderID: 1)
        var n3 = Sealer(keyring: Keyring(primary: key), senderID: 3)
        let sealed = n2.seal(Array("ping".utf8), to: "10.0.0.1:7946", nowMillis: now, using: &rng)
        #expect(sealed.count == 4 + Sealer.overhead)
        #expect(throws: SealingError.authenticationFailed) {
            try n3.open(sealed, at: ["10.0.0.3:7946"], nowMillis: now)
        }
        #expect(try n1.open(sealed, at: ["10.0.0.1:7946"], nowMillis: now) == Array("ping".utf8))
        // The failed attempt at n3 left its replay guard alone, and n1 still refuses a second copy.
        #expect(throws: SealingError.replayed) { try n1.open(sealed, at: ["10.0.0.1:7946"], nowMillis: now) }
    }

    @Test func anyOfSeveralRecipientNamesOpens() throws {
        var rng = SeededRandom(seed: 4)
        var sender = Sealer(keyring: Keyring(primary: key), senderID: 2)
        var receiver = Sealer(keyring: Keyring(primary: key), senderID: 1)
        let sealed = sender.seal([1, 2, 3], to: "127.0.0.1:9000", nowMillis: now, using: &rng)
        #expect(try receiver.open(sealed, at: ["10.0.0.1:9000", "127.0.0.1:9000"], nowMillis: now) == [1, 2, 3])
    }

    @Test func datagramsAndStreamsNeverOpenAsEachOther() throws {
        var rng = SeededRandom(seed: 5)
        var sender = Sealer(keyring: Keyring(primary: key), senderID: 2)
        var receiver = Sealer(keyring: Keyring(primary: key), senderID: 1)
        let datagram = sender.seal([7], to: "10.0.0.1:7946", nowMillis: now, using: &rng)
        let stream = sender.seal([8], nowMillis: now, using: &rng)
        #expect(throws: SealingError.authenticationFailed) { try receiver.open(datagram, nowMillis: now) }
        #expect(throws: SealingError.authenticationFailed) {
            try receiver.open(stream, at: ["10.0.0.1:7946"], nowMillis: now)
        }
        #expect(try receiver.open(stream, nowMillis: now) == [8])
    }
}
