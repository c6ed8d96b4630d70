import Foundation
import Gossip
import NIOCore
import NIOEmbedded
import Partitions
import Primitives
import Testing

@testable import PeerNode

/// The pieces of the Kafka listener that need no running agent: framing, topic names, broker ids, the cluster view.
@Suite("Kafka listener parts")
struct KafkaListenerTests {
    private func decoderChannel(limit: Int = 1024) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: limit)))
        return channel
    }

    @Test("frames split at their size prefix, whatever the read boundaries")
    func framing() throws {
        let channel = try decoderChannel()
        var bytes = ByteBuffer()
        bytes.writeInteger(Int32(3))
        bytes.writeBytes([1, 2, 3])
        bytes.writeInteger(Int32(0))
        bytes.writeInteger(Int32(2))
        bytes.writeBytes([9])
        // Deliver one byte at a time.
        while let byte = bytes.readSlice(length: 1) { try channel.writeInbound(byte) }
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == [1, 2, 3])
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == [])
        // The third frame is incomplete: nothing yet.
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil)
        _ = try? channel.finish()
    }

    @Test("a negative or oversized size is an error before anything is buffered", arguments: [Int32(-1), 1025, .max])
    func oversized(size: Int32) throws {
        let channel = try decoderChannel()
        var bytes = ByteBuffer()
        bytes.writeInteger(size)
        #expect(throws: KafkaFrameDecoder.OversizedFrame.self) { try channel.writeInbound(bytes) }
        _ = try? channel.finish()
    }

    @Test("topic names follow Kafka's rules")
    func topicNames() {
        #expect(TopicName.problem(with: "orders.v1_eu-west") == nil)
        #expect(TopicName.problem(with: "") != nil)
        #expect(TopicName.problem(with: ".") != nil)
        #expect(TopicName.problem(with: "..") != nil)
        #expect(TopicName.problem(with: "has space") != nil)
        #expect(TopicName.problem(with: "slash/name") != nil)
        #expect(TopicName.problem(with: String(repeating: "a", count: TopicName.maxLength)) == nil)
        #expect(TopicName.problem(with: String(repeating: "a", count: TopicName.maxLength + 1)) != nil)
    }

    @Test("a broker id is kept in the data directory; a different configured id is refused")
    func brokerIdentity() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("broker-id-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try BrokerIdentity.resolve(configured: nil, dataDirectory: directory, name: "n1")
        #expect(first > 0)
        #expect(try BrokerIdentity.resolve(configured: nil, dataDirectory: directory, name: "renamed") == first)
        #expect(try BrokerIdentity.resolve(configured: first, dataDirectory: directory, name: "n1") == first)
        #expect(throws: BrokerIdentity.Failure.self) {
            try BrokerIdentity.resolve(configured: first + 1, dataDirectory: directory, name: "n1")
        }
        try "garbage".write(toFile: directory + "/broker.id", atomically: true, encoding: .utf8)
        #expect(throws: BrokerIdentity.Failure.self) {
            try BrokerIdentity.resolve(configured: nil, dataDirectory: directory, name: "n1")
        }
    }

    @Test("the cluster view lists alive brokers with Kafka tags, and knows dead replicas' ids")
    func clusterView() {
        func member(_ name: String, _ status: MemberStatus, id: String?, address: String? = "127.0.0.1:9092") -> Member
        {
            var tags: [String: String] = [:]
            if let id { tags[KafkaMetadataTags.nodeID] = id }
            if let address { tags[KafkaMetadataTags.address] = address }
            return Member(
                name: name,
                address: PeerAddress(host: "127.0.0.1", port: 7946),
                status: status,
                incarnation: 1,
                metadata: NodeMetadata(roles: ["broker"], tags: tags),
                statusChangedAt: Timestamp(nanoseconds: 0)
            )
        }
        let members = [
            member("a", .alive, id: "3"),
            member("b", .dead, id: "1"),
            member("c", .alive, id: nil),
            member("d", .alive, id: "x"),
            member("e", .suspect, id: "2", address: "127.0.0.1:9093"),
        ]
        let view = KafkaClusterView(
            members: members,
            selfName: "a",
            selfMetadata: members[0].metadata
        )
        #expect(view.brokers.map(\.nodeID) == [2, 3])
        #expect(view.aliveID(of: "b") == nil)
        #expect(view.knownID(of: "b") == 1)
        #expect(view.knownID(of: "c") == nil)
        #expect(view.knownID(of: "d") == nil)
    }
}
