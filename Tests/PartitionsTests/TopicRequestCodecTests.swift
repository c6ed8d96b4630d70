import Gossip
import Primitives
import Testing

@testable import Partitions

@Suite("Topic requests and typed refusals on the wire")
struct TopicRequestCodecTests {
    static let messages: [ControlMessage] =
        [
            .request(
                id: 1,
                origin: "n4",
                .createTopic(
                    name: "orders",
                    partitions: 12,
                    replicationFactor: 3,
                    configs: ["retention.ms": "604800000", "cleanup.policy": "delete", "empty": ""]
                )
            ),
            .request(id: 2, origin: "n4", .deleteTopic(name: "orders")),
        ] + RejectionReason.allCases.map { .response(id: 3, error: .rejected("refused: \($0)", reason: $0)) }

    @Test func everyMessageRoundTripsAndEveryTruncationIsRejected() throws {
        for message in Self.messages {
            let bytes = message.encoded()
            #expect(try ControlMessage(decoding: bytes) == message)
            for length in 0..<bytes.count {
                #expect(throws: DecodeError.self) { try ControlMessage(decoding: Array(bytes.prefix(length))) }
            }
            #expect(throws: DecodeError.trailingBytes(1)) { try ControlMessage(decoding: bytes + [0]) }
        }
    }

    /// A creation without configs and a refusal without a reason keep the layout older nodes send and read.
    @Test func olderLayoutsAreUnchanged() throws {
        let header: [UInt8] = [WireFormat.version, WireFormat.controlKind]
        let create = ControlMessage.request(
            id: 9,
            origin: "n4",
            .createTopic(name: "t", partitions: 12, replicationFactor: 3)
        )
        let createBytes: [UInt8] =
            header + [3] + [0, 0, 0, 0, 0, 0, 0, 9] + [0, 2] + Array("n4".utf8) + [1] + [0, 1] + Array("t".utf8)
            + [0, 0, 0, 12] + [0, 0, 0, 3]
        #expect(create.encoded() == createBytes)
        #expect(try ControlMessage(decoding: createBytes) == create)

        let refusal = ControlMessage.response(id: 9, error: .rejected("no"))
        let refusalBytes: [UInt8] = header + [4] + [0, 0, 0, 0, 0, 0, 0, 9] + [1] + [0, 2] + Array("no".utf8)
        #expect(refusal.encoded() == refusalBytes)
        #expect(try ControlMessage(decoding: refusalBytes) == refusal)
        #expect(RequestFailure.rejected("no").rejectionReason == .invalidRequest)
    }

    @Test func unknownOrNonCanonicalReasonsAndBadConfigsAreRejected() throws {
        let header: [UInt8] = [WireFormat.version, WireFormat.controlKind, 4, 0, 0, 0, 0, 0, 0, 0, 9, 6]
        // 7–10 are the AlterPartition refusals; 11 is the first unknown reason.
        for reason: UInt8 in [0, 11, 255] {
            #expect(throws: DecodeError.invalidValue("rejection reason")) {
                try ControlMessage(decoding: header + [reason, 0, 0])
            }
        }
        #expect(
            try ControlMessage(decoding: header + [2, 0, 0])
                == .response(id: 9, error: .rejected("", reason: .unknownTopic))
        )

        let request: [UInt8] =
            [WireFormat.version, WireFormat.controlKind, 3, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2] + Array("n4".utf8) + [4]
            + [0, 1] + Array("t".utf8) + [0, 0, 0, 1, 0, 0, 0, 1]
        let pair: [UInt8] = [0, 1] + Array("a".utf8) + [0, 1] + Array("1".utf8)
        #expect(
            try ControlMessage(decoding: request + [0, 1] + pair)
                == .request(
                    id: 9,
                    origin: "n4",
                    .createTopic(name: "t", partitions: 1, replicationFactor: 1, configs: ["a": "1"])
                )
        )
        #expect(throws: DecodeError.invalidValue("empty topic configs")) {
            try ControlMessage(decoding: request + [0, 0])
        }
        #expect(throws: DecodeError.invalidValue("duplicate topic config")) {
            try ControlMessage(decoding: request + [0, 2] + pair + pair)
        }
        #expect(throws: DecodeError.oversized("topic config count")) {
            try ControlMessage(decoding: request + [0xFF, 0xFF] + pair)
        }
    }

    @Test func configsAreSentInNameOrder() {
        var configs = ["b": "2", "a": "1"]
        let first = ControlMessage.request(
            id: 1,
            origin: "n1",
            .createTopic(name: "t", partitions: 1, replicationFactor: 1, configs: configs)
        )
        configs = [:]
        configs["a"] = "1"
        configs["b"] = "2"
        let second = ControlMessage.request(
            id: 1,
            origin: "n1",
            .createTopic(name: "t", partitions: 1, replicationFactor: 1, configs: configs)
        )
        #expect(first.encoded() == second.encoded())
    }
}
