import Foundation
import KafkaProtocol
import Records
import Sealing
import Testing

@testable import PeerNode

/// A Fetch over a link end to end: the record data the Kafka listener would send from the segment file with
/// sendfile is read and sealed instead, and arrives intact, across several link frames.
@Suite("Broker link fetch", .timeLimit(.minutes(2)))
struct BrokerLinkFetchTests {
    static let topic = "linked"

    /// Sends `request` and decodes the response at the same version.
    static func call(
        _ link: BrokerLink,
        _ request: KafkaRequest,
        version: Int16,
        id: Int32
    ) async throws -> KafkaResponse {
        let frame = KafkaCodec.encodeRequest(request, version: version, correlationId: id, clientId: "link-test")
        let reply = try await link.send(frame)
        return try KafkaCodec.decodeResponse(apiKey: request.apiKey, version: version, frame: reply).response
    }

    /// Repeats `attempt` until it returns true (the controller or leader may still be starting), for at most 30 s.
    static func eventually(_ what: String, _ attempt: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await attempt() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        Issue.record("timed out waiting until \(what)")
    }

    @Test("a Fetch over a link returns the produced records intact, spread over several sealed frames")
    func fetchedRecordsArriveIntact() async throws {
        let keyring = Keyring(primary: ClusterKey.generate())
        let broker = try await BrokerLinkTests.Broker(name: "leader", keyring: keyring, controller: true)
        let link = BrokerLinkTests.link(to: broker, keyring: keyring)
        var id: Int32 = 0

        try await Self.eventually("the topic exists") {
            var create = CreateTopicsRequest()
            var topic = CreateTopicsRequest.Topic()
            topic.name = Self.topic
            topic.numPartitions = 1
            topic.replicationFactor = 1
            create.topics = [topic]
            create.timeoutMs = 5000
            id += 1
            guard
                case .createTopics(let response) = try await Self.call(link, .createTopics(create), version: 4, id: id)
            else { return false }
            let error = response.topics.first?.errorCode
            return error == .noError || error == .topicAlreadyExists
        }

        // Larger than one link frame (256 KiB), so the file data is cut into several sealed frames.
        let value = (0..<(600 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
        var batch = RecordBatchBuilder()
        batch.append(key: Array("k".utf8), value: value, timestamp: Int64(Date().timeIntervalSince1970 * 1000))
        let records = batch.build()
        try await Self.eventually("the record is produced") {
            var partition = ProduceRequest.Topic.Partition()
            partition.index = 0
            partition.records = .bytes(records)
            var topic = ProduceRequest.Topic()
            topic.name = Self.topic
            topic.partitionData = [partition]
            var produce = ProduceRequest()
            produce.acks = 1
            produce.timeoutMs = 5000
            produce.topicData = [topic]
            id += 1
            guard case .produce(let response) = try await Self.call(link, .produce(produce), version: 8, id: id) else {
                return false
            }
            return response.responses.first?.partitionResponses.first?.errorCode == .noError
        }

        var fetchPartition = FetchRequest.Topic.Partition()
        fetchPartition.partition = 0
        fetchPartition.fetchOffset = 0
        fetchPartition.partitionMaxBytes = 4 << 20
        var fetchTopic = FetchRequest.Topic()
        fetchTopic.topic = Self.topic
        fetchTopic.partitions = [fetchPartition]
        var fetch = FetchRequest()
        fetch.replicaId = -1
        fetch.maxWaitMs = 500
        fetch.minBytes = 1
        fetch.maxBytes = 8 << 20
        fetch.topics = [fetchTopic]
        id += 1
        guard case .fetch(let response) = try await Self.call(link, .fetch(fetch), version: 11, id: id) else {
            Issue.record("not a Fetch response")
            return
        }
        let partition = try #require(response.responses.first?.partitions.first)
        #expect(partition.errorCode == .noError)
        guard case .bytes(let fetched) = try #require(partition.records) else {
            Issue.record("records were not decoded as bytes")
            return
        }
        // One batch with one record and no headers: the value ends one byte (the header count) before the end.
        #expect(fetched.count >= value.count + 1)
        // Compared outside #expect: a failed comparison of 600 KiB arrays would be diffed element by element.
        let intact = Array(fetched.suffix(value.count + 1).prefix(value.count)) == value
        #expect(intact, "the fetched value differs from the produced one")
        #expect(fetched.count == records.count, "the fetched batch is the produced one (with its offset stamped)")

        link.close()
        await broker.stop()
    }
}
