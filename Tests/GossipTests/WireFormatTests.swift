import Primitives
import Testing

@testable import Gossip

@Suite("Wire format")
struct WireFormatTests {
    static let address = PeerAddress(host: "127.0.0.1", port: 7946)
    static let metadata = NodeMetadata(roles: ["controller", "broker"], tags: ["rack": "r1", "zone": "é"])
    static let messages: [GossipMessage] = [
        .ping(sequence: 7, target: "n2", source: "n1"),
        .ack(sequence: .max, source: "n2"),
        .nack(sequence: 0),
        .pingRequest(sequence: 9, target: "n3", targetAddress: address, source: "n1"),
        .alive(AliveUpdate(name: "n4", incarnation: 3, address: address, metadata: metadata)),
        .suspect(Accusation(name: "n5", incarnation: 2, accuser: "n1")),
        .dead(Accusation(name: "n6", incarnation: .max, accuser: "n2")),
        .left(name: "n7", incarnation: 1),
        .state(StateEntry(key: "partition/t/0", version: StateVersion(major: 7, minor: 3), value: [1, 2, 3])),
    ]

    @Test func everyMessageRoundTripsInOneCompoundDatagram() throws {
        let datagram = WireFormat.datagram(Self.messages.map(WireFormat.encode))
        #expect(try WireFormat.decodeDatagram(datagram) == Self.messages)
    }

    @Test func pushPullStateRoundTrips() throws {
        let state = PushPullState(
            isJoin: true,
            isReply: false,
            members: MemberStatus.allCases.enumerated().map { index, status in
                PushPullEntry(
                    name: "n\(index)",
                    address: Self.address,
                    status: status,
                    incarnation: UInt64(index),
                    metadata: Self.metadata
                )
            },
            state: [StateEntry(key: "topic/t", version: StateVersion(major: 1, minor: 0), value: Array("x".utf8))]
        )
        #expect(try WireFormat.decodePushPull(WireFormat.encode(state)) == state)
    }

    @Test func everyTruncationIsRejected() {
        let datagram = WireFormat.datagram(Self.messages.map(WireFormat.encode))
        for length in 0..<datagram.count {
            #expect(throws: DecodeError.self) { try WireFormat.decodeDatagram(Array(datagram.prefix(length))) }
        }
        let state = WireFormat.encode(
            PushPullState(
                isJoin: false,
                isReply: true,
                members: [
                    PushPullEntry(
                        name: "a",
                        address: Self.address,
                        status: .alive,
                        incarnation: 1,
                        metadata: Self.metadata
                    )
                ]
            )
        )
        for length in 0..<state.count {
            #expect(throws: DecodeError.self) { try WireFormat.decodePushPull(Array(state.prefix(length))) }
        }
    }

    @Test func malformedInputGivesTypedErrors() {
        let ping = WireFormat.encode(GossipMessage.nack(sequence: 1))
        #expect(throws: DecodeError.unknownVersion(9)) { try WireFormat.decodeDatagram([9, 1, 1] + ping) }
        #expect(throws: DecodeError.unknownKind(2)) { try WireFormat.decodeDatagram([1, 2, 1] + ping) }
        #expect(throws: DecodeError.unknownMessageType(200)) { try WireFormat.decodeDatagram([1, 1, 1, 200, 0, 0]) }
        #expect(throws: DecodeError.trailingBytes(1)) { try WireFormat.decodeDatagram([1, 1, 1] + ping + [0]) }
        // A string that is not UTF-8.
        let badName: [UInt8] = [8, 0, 11, 0, 2, 0xFF, 0xFE, 0, 0, 0, 0, 0, 0, 0, 1]
        #expect(throws: DecodeError.invalidString) { try WireFormat.decodeDatagram([1, 1, 1] + badName) }
        // A push-pull claiming a billion members.
        #expect(throws: DecodeError.oversized("push-pull member count")) {
            try WireFormat.decodePushPull([1, 2, 0, 0x40, 0, 0, 0])
        }
        // An empty name.
        let emptyName: [UInt8] = [8, 0, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        #expect(throws: DecodeError.invalidValue("empty name")) {
            try WireFormat.decodeDatagram([1, 1, 1] + emptyName)
        }
    }

    /// Random and mutated input either decodes to messages that encode back to the same messages (and nearly always to
    /// the same bytes) or is refused with a `DecodeError`; both outcomes must occur.
    @Test func randomBytesDecodeExactlyOrThrowATypedError() {
        var rng = SeededRandom(seed: 42)
        let valid = WireFormat.datagram(Self.messages.map(WireFormat.encode))
        var decoded = 0
        var reordered = 0
        var refused = 0
        for round in 0..<3_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0..<600, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            } else {
                // Mutations of a valid datagram reach deeper into the decoder.
                bytes = valid
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            do throws(DecodeError) {
                let messages = try WireFormat.decodeDatagram(bytes)
                decoded += 1
                // Roles are a set and encode sorted, so a mutated role may come back in another place: the bytes
                // may differ, the messages they carry may not.
                let again = WireFormat.datagram(messages.map(WireFormat.encode))
                if again != bytes { reordered += 1 }
                #expect(try WireFormat.decodeDatagram(again) == messages, "round \(round)")
            } catch {
                refused += 1
            }
            do throws(DecodeError) {
                let state = try WireFormat.decodePushPull(bytes)
                #expect(try WireFormat.decodePushPull(WireFormat.encode(state)) == state, "round \(round)")
            } catch {
                refused += 1
            }
        }
        #expect(decoded > 100, "mutations should often stay decodable")
        #expect(reordered < decoded / 10, "nearly every decodable datagram has exactly one encoding")
        #expect(refused > 3_000)
    }

    @Test func badInputChangesNoState() {
        var node = SWIMInstance(
            name: "n1",
            address: Self.address,
            configuration: .lan,
            seed: 1
        )
        _ = node.start(seeds: [], now: .zero)
        let before = node.members
        var rng = SeededRandom(seed: 7)
        var rejected = 0
        for _ in 0..<500 {
            let junk = (0..<Int.random(in: 0..<200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            do {
                _ = try node.receiveDatagram(junk, from: Self.address, now: .zero)
            } catch {
                rejected += 1
            }
            do {
                _ = try node.receivePushPull(junk, now: .zero)
                Issue.record("junk push-pull accepted")
            } catch {}
        }
        #expect(rejected == 500)
        #expect(node.members == before)
        #expect(node.counters.decodeErrors == 1_000)
    }

    @Test func piggybackedDatagramsStayWithinTheBudget() {
        var configuration = GossipConfiguration.lan
        configuration.sealingOverhead = 65
        var node = SWIMInstance(name: "n0", address: Self.address, configuration: configuration, seed: 3)
        _ = node.start(seeds: [], now: .zero)
        // Learn 300 members so many updates queue up.
        for i in 1...300 {
            var out: [GossipDirective] = []
            node.applyAlive(
                AliveUpdate(
                    name: "member-with-a-longish-name-\(i)",
                    incarnation: 1,
                    address: PeerAddress(host: "10.1.2.3", port: UInt16(1000 + i)),
                    metadata: Self.metadata
                ),
                now: .zero,
                &out
            )
        }
        var out: [GossipDirective] = []
        node.gossip(&out, now: .zero)
        let sizes = out.compactMap { directive -> Int? in
            if case .send(let datagram, _) = directive { return datagram.count }
            return nil
        }
        #expect(!sizes.isEmpty)
        for size in sizes {
            #expect(size <= 1400 - 65)
            #expect(size > 1000, "datagrams should be packed close to the budget")
        }
    }
}
