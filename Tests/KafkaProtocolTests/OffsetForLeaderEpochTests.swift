import KafkaProtocol
import Testing

/// OffsetForLeaderEpoch (key 23) frames written out byte by byte from Kafka's message schema: which fields exist
/// at which version, the error code before the partition index in the response, and v4's flexible encoding.
@Suite struct OffsetForLeaderEpochTests {
    typealias Request = OffsetForLeaderEpochRequest
    typealias Response = OffsetForLeaderEpochResponse

    private let request = Request(
        replicaId: 1,
        topics: [.init(topic: "t", partitions: [.init(partition: 2, currentLeaderEpoch: 5, leaderEpoch: 3)])]
    )
    private let response = Response(
        throttleTimeMs: 0,
        topics: [
            .init(
                topic: "t",
                partitions: [
                    .init(errorCode: .noError, partition: 2, leaderEpoch: 3, endOffset: 0x1_0000_0007),
                    .init(errorCode: .fencedLeaderEpoch, partition: 4, leaderEpoch: -1, endOffset: -1),
                ]
            )
        ]
    )

    /// Header v1: key 23, `version`, correlation id 9, client id "ab".
    private func header(_ version: UInt8) -> [UInt8] { [0, 23, 0, version, 0, 0, 0, 9, 0, 2, 0x61, 0x62] }

    private func sized(_ bytes: [UInt8]) -> [UInt8] {
        let count = UInt32(bytes.count)
        return [UInt8(count >> 24), UInt8(count >> 16 & 0xff), UInt8(count >> 8 & 0xff), UInt8(count & 0xff)] + bytes
    }

    private func encode(_ request: Request, _ version: Int16) -> [UInt8] {
        KafkaCodec.encodeRequest(.offsetForLeaderEpoch(request), version: version, correlationId: 9, clientId: "ab")
    }

    @Test func v0RequestHasNoFencingEpochAndNoReplicaId() throws {
        let body: [UInt8] = [
            0, 0, 0, 1,  // topics: 1
            0, 1, 0x74,  // "t"
            0, 0, 0, 1,  // partitions: 1
            0, 0, 0, 2,  // partition 2
            0, 0, 0, 3,  // leader epoch 3
        ]
        let expected = sized(header(0) + body)
        #expect(encode(request, 0) == expected)
        let (decodedHeader, decoded) = try KafkaCodec.decodeRequest(frame: expected[4...])
        #expect(decodedHeader.apiKey == ApiKey.offsetForLeaderEpoch.rawValue)
        // What v0 lacks decodes to Kafka's defaults: replica -2 (debug), current leader epoch -1 (no fencing).
        var withDefaults = request
        withDefaults.replicaId = Request.debugReplicaId
        withDefaults.topics[0].partitions[0].currentLeaderEpoch = -1
        #expect(decoded == .offsetForLeaderEpoch(withDefaults))
        #expect(encode(request, 1) == sized(header(1) + body), "v1 requests are v0's")
    }

    @Test func v2RequestAddsTheCurrentLeaderEpoch() throws {
        let expected = sized(
            header(2) + [
                0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1,
                0, 0, 0, 2,  // partition 2
                0, 0, 0, 5,  // current leader epoch 5
                0, 0, 0, 3,  // leader epoch 3
            ]
        )
        #expect(encode(request, 2) == expected)
        var withoutReplica = request
        withoutReplica.replicaId = Request.debugReplicaId
        #expect(try KafkaCodec.decodeRequest(frame: expected[4...]).request == .offsetForLeaderEpoch(withoutReplica))
    }

    @Test func v3RequestStartsWithTheReplicaId() throws {
        let expected = sized(
            header(3) + [
                0, 0, 0, 1,  // replica id 1
                0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1,
                0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 3,
            ]
        )
        #expect(encode(request, 3) == expected)
        #expect(try KafkaCodec.decodeRequest(frame: expected[4...]).request == .offsetForLeaderEpoch(request))
        var consumer = request
        consumer.replicaId = -1
        #expect(Array(encode(consumer, 3)[16..<20]) == [0xff, 0xff, 0xff, 0xff])
    }

    @Test func v4RequestIsFlexible() throws {
        let expected = sized(
            header(4) + [
                0,  // header tagged fields
                0, 0, 0, 1,  // replica id 1
                2,  // compact array: 1 topic
                2, 0x74,  // compact string "t"
                2,  // compact array: 1 partition
                0, 0, 0, 2, 0, 0, 0, 5, 0, 0, 0, 3,
                0,  // partition tagged fields
                0,  // topic tagged fields
                0,  // body tagged fields
            ]
        )
        #expect(encode(request, 4) == expected)
        #expect(try KafkaCodec.decodeRequest(frame: expected[4...]).request == .offsetForLeaderEpoch(request))
    }

    @Test func v0ResponseHasOnlyErrorPartitionAndEndOffset() throws {
        let expected = sized([
            0, 0, 0, 9,  // correlation id
            0, 0, 0, 1, 0, 1, 0x74,  // topics: 1, "t"
            0, 0, 0, 2,  // partitions: 2
            0, 0,  // error code first
            0, 0, 0, 2,  // partition 2
            0, 0, 0, 1, 0, 0, 0, 7,  // end offset
            0, 74,  // FENCED_LEADER_EPOCH
            0, 0, 0, 4,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  // end offset -1
        ])
        let parts = KafkaCodec.encodeResponse(.offsetForLeaderEpoch(response), version: 0, correlationId: 9)
        #expect(parts.flattened() == expected)
        let decoded = try KafkaCodec.decodeResponse(apiKey: .offsetForLeaderEpoch, version: 0, frame: expected[4...])
        var withoutEpoch = response
        withoutEpoch.topics[0].partitions[0].leaderEpoch = -1
        #expect(decoded.response == .offsetForLeaderEpoch(withoutEpoch))
    }

    @Test func v1AddsTheEpochAndV2TheThrottleTime() throws {
        let partitions: [UInt8] = [
            0, 0, 0, 2,
            0, 0, 0, 0, 0, 2,  // no error, partition 2
            0, 0, 0, 3,  // leader epoch 3
            0, 0, 0, 1, 0, 0, 0, 7,
            0, 74, 0, 0, 0, 4,
            0xff, 0xff, 0xff, 0xff,  // leader epoch -1
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ]
        let topic: [UInt8] = [0, 0, 0, 1, 0, 1, 0x74]
        let correlation: [UInt8] = [0, 0, 0, 9]
        var throttled = response
        throttled.throttleTimeMs = 300
        let v1 = sized(correlation + topic + partitions)
        let v3 = sized(correlation + [0, 0, 1, 0x2c] + topic + partitions)
        #expect(
            KafkaCodec.encodeResponse(.offsetForLeaderEpoch(response), version: 1, correlationId: 9).flattened() == v1
        )
        for version: Int16 in [2, 3] {
            let parts = KafkaCodec.encodeResponse(.offsetForLeaderEpoch(throttled), version: version, correlationId: 9)
            #expect(parts.flattened() == v3)
            let decoded = try KafkaCodec.decodeResponse(
                apiKey: .offsetForLeaderEpoch,
                version: version,
                frame: v3[4...]
            )
            #expect(decoded.response == .offsetForLeaderEpoch(throttled))
        }
        let decoded = try KafkaCodec.decodeResponse(apiKey: .offsetForLeaderEpoch, version: 1, frame: v1[4...])
        #expect(decoded.response == .offsetForLeaderEpoch(response))
    }

    @Test func v4ResponseIsFlexibleWithHeaderV1() throws {
        let expected = sized([
            0, 0, 0, 9,  // correlation id
            0,  // response header tagged fields
            0, 0, 0, 0,  // throttle time
            2, 2, 0x74,  // compact array: 1 topic, compact string "t"
            3,  // compact array: 2 partitions
            0, 0, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 7,
            0,  // partition tagged fields
            0, 74, 0, 0, 0, 4, 0xff, 0xff, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
            0,  // partition tagged fields
            0,  // topic tagged fields
            0,  // body tagged fields
        ])
        let parts = KafkaCodec.encodeResponse(.offsetForLeaderEpoch(response), version: 4, correlationId: 9)
        #expect(parts.flattened() == expected)
        let decoded = try KafkaCodec.decodeResponse(apiKey: .offsetForLeaderEpoch, version: 4, frame: expected[4...])
        #expect(decoded.response == .offsetForLeaderEpoch(response))
    }

    @Test func brokenRequestsAreTypedErrors() {
        let good = encode(request, 3)
        // An absurd topic count, a negative partition count, a null topic name: typed errors, never a trap.
        var hugeCount = Array(good[4...])
        hugeCount.replaceSubrange(16..<20, with: [0x7f, 0xff, 0xff, 0xff])
        #expect(throws: KafkaDecodeError.self) { try KafkaCodec.decodeRequest(frame: hugeCount) }
        var negativeCount = Array(good[4...])
        negativeCount.replaceSubrange(23..<27, with: [0xff, 0xff, 0xff, 0xfe])
        #expect(throws: KafkaDecodeError.self) { try KafkaCodec.decodeRequest(frame: negativeCount) }
        var nullName = Array(good[4...])
        nullName.replaceSubrange(20..<23, with: [0xff, 0xff])
        #expect(throws: KafkaDecodeError.self) { try KafkaCodec.decodeRequest(frame: nullName) }
    }
}
