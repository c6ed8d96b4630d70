import Foundation
import Primitives
import Testing

@testable import Sealing

/// The broker link's handshake and numbered frames, without sockets.
@Suite("Link handshake and frames")
struct LinkHandshakeTests {
    static func key(_ byte: UInt8) -> ClusterKey {
        try! ClusterKey(bytes: [UInt8](repeating: byte, count: ClusterKey.byteCount))
    }

    /// A client and a server session for `client` → `server`, both holding `keyring`.
    static func sessions(
        clientKeyring: Keyring = Keyring(primary: key(1)),
        serverKeyring: Keyring = Keyring(primary: key(1)),
        seed: UInt64 = 1
    ) throws -> (client: LinkSession, server: LinkSession) {
        var random = SeededRandom(seed: seed)
        let (hello, pending) = try LinkHandshake.start(
            from: "follower",
            to: "leader",
            keyring: clientKeyring,
            using: &random
        )
        let (reply, server) = try LinkHandshake.accept(hello, as: "leader", keyring: serverKeyring, using: &random)
        return (try pending.finish(reply), server)
    }

    @Test("both sides agree: frames open in each direction, and each side knows the other's name")
    func roundTrip() throws {
        var (client, server) = try Self.sessions()
        #expect(client.peerName == "leader")
        #expect(server.peerName == "follower")
        for index in 0..<5 {
            let request: [UInt8] = [1, 2, 3, UInt8(index)]
            #expect(try server.receiver.open(client.sender.seal(request)) == request)
            let reply = [UInt8](repeating: UInt8(index), count: 1000)
            #expect(try client.receiver.open(server.sender.seal(reply)) == reply)
        }
        // An empty payload is a valid frame too.
        #expect(try server.receiver.open(client.sender.seal([])) == [])
    }

    @Test("a replayed, skipped or reordered frame is refused, and the receiver refuses everything after")
    func framesMustComeInOrder() throws {
        var (client, server) = try Self.sessions()
        let first = client.sender.seal([1])
        let second = client.sender.seal([2])
        _ = try server.receiver.open(first)
        #expect(throws: LinkError.outOfOrder(expected: 1, received: 0)) { try server.receiver.open(first) }
        // After a failure even the right next frame is refused: the connection must close.
        #expect(throws: LinkError.self) { try server.receiver.open(second) }

        (client, server) = try Self.sessions(seed: 2)
        let zero = client.sender.seal([0])
        let one = client.sender.seal([1])
        #expect(throws: LinkError.outOfOrder(expected: 0, received: 1)) { try server.receiver.open(one) }
        #expect(throws: LinkError.self) { try server.receiver.open(zero) }
    }

    @Test("a frame of one direction or session does not open in another; a flipped bit does not open")
    func framesAreBoundToTheirSessionAndDirection() throws {
        var (client, server) = try Self.sessions(seed: 3)
        var (otherClient, _) = try Self.sessions(seed: 4)
        // Same counter, other session.
        #expect(throws: LinkError.authenticationFailed) { try server.receiver.open(otherClient.sender.seal([7])) }

        (client, server) = try Self.sessions(seed: 5)
        // Reflected: the client's own frame sent back to it.
        var reflectedTo = client
        #expect(throws: LinkError.authenticationFailed) { try reflectedTo.receiver.open(client.sender.seal([7])) }

        (client, server) = try Self.sessions(seed: 6)
        var frame = client.sender.seal([1, 2, 3])
        frame[frame.count - 1] ^= 1
        #expect(throws: LinkError.authenticationFailed) { try server.receiver.open(frame) }
        #expect(throws: LinkError.tooShort) {
            var fresh = try Self.sessions(seed: 7).server
            return try fresh.receiver.open([0, 0, 0])
        }
    }

    @Test("a hello under another cluster key, or meant for another node, does not open")
    func helloIsBoundToKeyAndRecipient() throws {
        var random = SeededRandom(seed: 8)
        let (hello, _) = try LinkHandshake.start(
            from: "follower",
            to: "leader",
            keyring: Keyring(primary: Self.key(1)),
            using: &random
        )
        #expect(throws: LinkError.authenticationFailed) {
            try LinkHandshake.accept(hello, as: "leader", keyring: Keyring(primary: Self.key(2)), using: &random)
        }
        #expect(throws: LinkError.authenticationFailed) {
            try LinkHandshake.accept(hello, as: "other", keyring: Keyring(primary: Self.key(1)), using: &random)
        }
        #expect(LinkHandshake.isClientHello(hello))
        #expect(throws: LinkError.malformedHello) {
            try LinkHandshake.accept(
                [0x01] + hello.dropFirst(),
                as: "leader",
                keyring: Keyring(primary: Self.key(1)),
                using: &random
            )
        }
        #expect(throws: LinkError.tooShort) {
            try LinkHandshake.accept(
                [LinkHandshake.clientHelloTag],
                as: "leader",
                keyring: Keyring(primary: Self.key(1)),
                using: &random
            )
        }
        #expect(throws: LinkError.badName) {
            try LinkHandshake.start(from: "", to: "leader", keyring: Keyring(primary: Self.key(1)), using: &random)
        }
    }

    @Test("a replayed client hello yields a session its replayer cannot use, and a forged server hello fails")
    func replayedHelloIsUseless() throws {
        var random = SeededRandom(seed: 9)
        let keyring = Keyring(primary: Self.key(1))
        let (hello, pending) = try LinkHandshake.start(from: "follower", to: "leader", keyring: keyring, using: &random)
        let (reply, _) = try LinkHandshake.accept(hello, as: "leader", keyring: keyring, using: &random)
        var client = try pending.finish(reply)
        // The same hello accepted again (a replay) gets a fresh server random: the original client's frames do
        // not open in that second session.
        var (_, replayed) = try LinkHandshake.accept(hello, as: "leader", keyring: keyring, using: &random)
        #expect(throws: LinkError.authenticationFailed) { try replayed.receiver.open(client.sender.seal([1])) }

        // A server hello from another key holder's handshake (another client random) does not finish this one.
        let (otherHello, _) = try LinkHandshake.start(from: "follower", to: "leader", keyring: keyring, using: &random)
        let (otherReply, _) = try LinkHandshake.accept(otherHello, as: "leader", keyring: keyring, using: &random)
        #expect(throws: LinkError.authenticationFailed) { try pending.finish(otherReply) }
    }

    @Test("during a key rotation a client sealing with the new key links to a server that has it installed")
    func rotation() throws {
        var (client, server) = try Self.sessions(
            clientKeyring: Keyring(primary: Self.key(2), others: [Self.key(1)]),
            serverKeyring: Keyring(primary: Self.key(1), others: [Self.key(2)])
        )
        #expect(try server.receiver.open(client.sender.seal([4, 2])) == [4, 2])
        #expect(try client.receiver.open(server.sender.seal([2, 4])) == [2, 4])
    }
}
