import Gossip
import Primitives
import Testing

@testable import Partitions

@Suite("Topic definitions and controller announcements: formats")
struct TopicCodecTests {
    /// Format 2 was only ever written for partition states; a topic definition or an announcement claiming it is
    /// not one we can read, and must not be parsed with the format-1 layout.
    @Test func topicDefinitionRejectsFormatTwo() throws {
        let plain = TopicDefinition(name: "orders", partitionCount: 3, replicationFactor: 2, controllerEpoch: 4)
        var bytes = plain.encoded()
        #expect(bytes.first == 1)
        #expect(try TopicDefinition(decoding: bytes) == plain)
        bytes[0] = 2
        #expect(throws: DecodeError.unknownVersion(2)) { try TopicDefinition(decoding: bytes) }
    }

    @Test func controllerAnnouncementRejectsFormatTwo() throws {
        let announcement = ControllerAnnouncement(controller: "n2", epoch: 9, leaseRemaining: .milliseconds(1500))
        var bytes = announcement.encoded()
        #expect(bytes.first == 1)
        #expect(try ControllerAnnouncement(decoding: bytes) == announcement)
        bytes[0] = 2
        #expect(throws: DecodeError.unknownVersion(2)) { try ControllerAnnouncement(decoding: bytes) }
    }

    static let extendedDefinitions: [TopicDefinition] = [
        TopicDefinition(
            name: "orders",
            partitionCount: 12,
            replicationFactor: 3,
            controllerEpoch: 7,
            configs: ["retention.ms": "604800000", "cleanup.policy": "compact", "segment.bytes": "1073741824"]
        ),
        TopicDefinition(
            name: "orders",
            partitionCount: 12,
            replicationFactor: 3,
            controllerEpoch: 8,
            sequence: 2,
            incarnation: TopicIncarnation(epoch: 7, sequence: 1),
            isDeleted: true
        ),
        TopicDefinition(
            name: "t",
            partitionCount: 1,
            replicationFactor: 1,
            controllerEpoch: 9,
            sequence: 1,
            incarnation: TopicIncarnation(epoch: 9, sequence: 1),
            configs: ["min.insync.replicas": "2", "empty.value": ""]
        ),
    ]

    @Test func aTopicWithoutConfigsOrHistoryKeepsFormatOne() throws {
        let plain = TopicDefinition(name: "orders", partitionCount: 3, replicationFactor: 2, controllerEpoch: 4)
        // The exact bytes older nodes and data dirs hold: format, name, partitions, replication factor, epoch.
        let expected: [UInt8] =
            [1, 0, 6] + Array("orders".utf8) + [0, 0, 0, 3] + [0, 2] + [0, 0, 0, 0, 0, 0, 0, 4]
        #expect(plain.encoded() == expected)
        #expect(plain.version == StateVersion(major: 4, minor: 0))
    }

    @Test func configsTombstonesAndIncarnationsRoundTripInFormatThree() throws {
        for definition in Self.extendedDefinitions {
            let bytes = definition.encoded()
            #expect(bytes.first == 3)
            #expect(try TopicDefinition(decoding: bytes) == definition)
            for length in 0..<bytes.count {
                #expect(throws: DecodeError.self) { try TopicDefinition(decoding: Array(bytes.prefix(length))) }
            }
            #expect(throws: DecodeError.trailingBytes(1)) { try TopicDefinition(decoding: bytes + [0]) }
        }
    }

    @Test func configsAreEncodedInNameOrder() {
        let a = TopicDefinition(
            name: "t",
            partitionCount: 1,
            replicationFactor: 1,
            controllerEpoch: 1,
            configs: ["b": "2", "a": "1", "c": "3"]
        )
        var b = a
        b.configs = ["c": "3", "a": "1"]
        b.configs["b"] = "2"
        #expect(a.encoded() == b.encoded())
    }

    @Test func unknownFlagsDuplicateConfigsAndTooManyConfigsAreRejected() throws {
        let definition = Self.extendedDefinitions[0]
        var bytes = definition.encoded()
        // The flags byte follows format, name, partitions, replication factor, epoch and sequence.
        let flags = 1 + 2 + definition.name.utf8.count + 4 + 2 + 8 + 8
        bytes[flags] = 2
        #expect(throws: DecodeError.invalidValue("topic flags")) { try TopicDefinition(decoding: bytes) }

        let one = TopicDefinition(
            name: "t",
            partitionCount: 1,
            replicationFactor: 1,
            controllerEpoch: 1,
            configs: ["a": "1"]
        )
        var duplicated = one.encoded()
        duplicated[duplicated.count - 7] = 2  // the config count's low byte, before one name and one value
        duplicated += [0, 1] + Array("a".utf8) + [0, 1] + Array("2".utf8)
        #expect(throws: DecodeError.invalidValue("duplicate topic config")) {
            try TopicDefinition(decoding: duplicated)
        }

        var many = one.encoded()
        many[many.count - 8] = 0xFF
        many[many.count - 7] = 0xFF
        #expect(throws: DecodeError.oversized("topic config count")) { try TopicDefinition(decoding: many) }
    }

    @Test func configsThatCannotFitAreRefusedBeforeEncoding() {
        #expect(TopicDefinition.configProblem(name: "t", configs: [:]) == nil)
        #expect(TopicDefinition.configProblem(name: "t", configs: ["retention.ms": "1000"]) == nil)
        let tooMany = Dictionary(uniqueKeysWithValues: (0...TopicDefinition.maxConfigs).map { ("c\($0)", "1") })
        #expect(TopicDefinition.configProblem(name: "t", configs: tooMany)?.contains("at most") == true)
        #expect(TopicDefinition.configProblem(name: "t", configs: ["": "1"]) != nil)
        let big = ["a": String(repeating: "x", count: 600), "b": String(repeating: "y", count: 600)]
        #expect(TopicDefinition.configProblem(name: "t", configs: big)?.contains("bytes") == true)
        // What is accepted fits in one cluster-state value.
        let fitting = ["a": String(repeating: "x", count: 900)]
        #expect(TopicDefinition.configProblem(name: "t", configs: fitting) == nil)
        let definition = TopicDefinition(
            name: "t",
            partitionCount: 1,
            replicationFactor: 1,
            controllerEpoch: 1,
            sequence: 5,
            incarnation: TopicIncarnation(epoch: 1, sequence: 4),
            configs: fitting
        )
        #expect(definition.encoded().count <= WireFormat.maxStateValueBytes)
    }

    @Test func partitionStatesOfALaterIncarnationUseFormatThree() throws {
        var state = PartitionState(
            id: PartitionID(topic: "orders", partition: 4),
            replicas: ["n3", "n1"],
            leader: "n3",
            leaderEpoch: LeaderEpoch(term: 2, number: 5),
            isr: ["n3", "n1"],
            controllerEpoch: 2,
            partitionEpoch: 8
        )
        let original = state.encoded()
        #expect(original.first == 2)
        #expect(try PartitionState(decoding: original) == state)
        state.topicIncarnation = TopicIncarnation(epoch: 2, sequence: 1)
        let bytes = state.encoded()
        #expect(bytes.first == 3)
        #expect(bytes.count == original.count + 16)
        #expect(try PartitionState(decoding: bytes) == state)
        for length in 0..<bytes.count {
            #expect(throws: DecodeError.self) { try PartitionState(decoding: Array(bytes.prefix(length))) }
        }
        // Format 3 with the original incarnation is never written, so it is not read either.
        let nonCanonical = [3] + original.dropFirst() + [UInt8](repeating: 0, count: 16)
        #expect(throws: DecodeError.invalidValue("topic incarnation")) { try PartitionState(decoding: nonCanonical) }
    }

    @Test func aDefinitionOwnsOnlyItsIncarnationsPartitions() {
        let live = TopicDefinition(
            name: "t",
            partitionCount: 2,
            replicationFactor: 1,
            controllerEpoch: 5,
            sequence: 3,
            incarnation: TopicIncarnation(epoch: 5, sequence: 3)
        )
        func state(_ partition: Int, _ incarnation: TopicIncarnation) -> PartitionState {
            PartitionState(
                id: PartitionID(topic: "t", partition: partition),
                replicas: ["n1"],
                leader: "n1",
                leaderEpoch: LeaderEpoch(term: 5, number: 1),
                isr: ["n1"],
                controllerEpoch: 5,
                partitionEpoch: 1,
                topicIncarnation: incarnation
            )
        }
        #expect(live.owns(state(1, live.incarnation)))
        #expect(!live.owns(state(2, live.incarnation)), "beyond the partition count")
        #expect(!live.owns(state(0, .original)), "an earlier incarnation's partition")
        var tombstone = live
        tombstone.isDeleted = true
        #expect(!tombstone.owns(state(0, live.incarnation)))
        #expect(!tombstone.owns(state(0, .original)))
        #expect(tombstone.owns(state(0, TopicIncarnation(epoch: 6, sequence: 0))), "a later incarnation's")
    }
}
