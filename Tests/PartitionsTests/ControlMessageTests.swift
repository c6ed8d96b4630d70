import Gossip
import Primitives
import Testing

@testable import Partitions

@Suite("Control messages and partition state encoding")
struct ControlMessageTests {
    static let messages: [ControlMessage] = [
        .leaseRequest(candidate: "n1", epoch: 7, request: 3),
        .leaseReply(voter: "n2", candidate: "n1", epoch: 7, request: 3, granted: true, highestEpoch: 7),
        .request(id: 9, origin: "n4", .createTopic(name: "orders", partitions: 12, replicationFactor: 3)),
        .request(id: 10, origin: "n4", .electPreferredLeaders),
        .request(id: 11, origin: "n5", .controlledShutdown(broker: "n5")),
        .response(id: 9, error: nil),
        .response(id: 9, error: .rejected("topic orders already exists")),
        .response(id: 9, error: .notController("n2")),
        .response(id: 9, error: .noController),
        .response(id: 9, error: .timedOut),
        .response(id: 9, error: .shuttingDown),
        .replicaCaughtUp(
            replica: "n3",
            partition: PartitionID(topic: "orders", partition: 4),
            leaderEpoch: LeaderEpoch(term: 3, number: 2)
        ),
    ]

    @Test func everyMessageRoundTripsAndEveryTruncationIsRejected() throws {
        for message in Self.messages {
            let bytes = message.encoded()
            #expect(try ControlMessage(decoding: bytes) == message)
            #expect(WireFormat.kind(of: bytes) == WireFormat.controlKind)
            for length in 0..<bytes.count {
                #expect(throws: DecodeError.self) { try ControlMessage(decoding: Array(bytes.prefix(length))) }
            }
        }
    }

    /// Random bytes, and mutations of every valid message, either decode to a message that encodes back to exactly
    /// the same bytes or are refused with a `DecodeError`; both outcomes must occur.
    @Test func randomBytesDecodeExactlyOrThrowATypedError() {
        var rng = SeededRandom(seed: 11)
        var decoded = 0
        var refused = 0
        for round in 0..<4_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0..<80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if bytes.count >= 2, Bool.random(using: &rng) {
                    bytes[0] = WireFormat.version
                    bytes[1] = WireFormat.controlKind
                }
            } else {
                bytes = Self.messages[round / 2 % Self.messages.count].encoded()
                bytes[Int.random(in: 2..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
            do throws(DecodeError) {
                let message = try ControlMessage(decoding: bytes)
                decoded += 1
                #expect(message.encoded() == bytes, "round \(round): \(message)")
            } catch {
                refused += 1
            }
            do throws(DecodeError) {
                let state = try PartitionState(decoding: bytes)
                #expect(state.encoded() == bytes, "round \(round): \(state)")
            } catch {
                refused += 1
            }
        }
        #expect(decoded > 100, "mutations should often stay decodable")
        #expect(refused > 4_000)
    }

    @Test func partitionStateRoundTrips() throws {
        let state = PartitionState(
            id: PartitionID(topic: "orders", partition: 4),
            replicas: ["n3", "n1", "n2"],
            leader: nil,
            leaderEpoch: LeaderEpoch(term: 2, number: 5),
            isr: ["n3"],
            controllerEpoch: 2,
            partitionEpoch: 8
        )
        #expect(try PartitionState(decoding: state.encoded()) == state)
        #expect(state.isOffline && state.isUnderReplicated)
    }

    @Test func failuresSayWhetherRetryingMayHelp() {
        #expect(RequestFailure.noController.isUnavailable)
        #expect(RequestFailure.timedOut.isUnavailable)
        #expect(!RequestFailure.rejected("bad").isUnavailable)
        #expect(RequestFailure.rejected("topic t already exists").description == "topic t already exists")
    }
}
