import Gossip
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
}
