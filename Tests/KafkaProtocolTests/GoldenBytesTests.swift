import KafkaProtocol
import Testing

/// Frames written out byte by byte from Kafka's schemas (RequestHeader, ResponseHeader, ApiVersions*, Metadata*).
@Suite struct GoldenBytesTests {
    @Test func apiVersionsV0Request() throws {
        let expected: [UInt8] = [
            0, 0, 0, 12,  // size
            0, 18, 0, 0,  // api key 18, version 0
            0, 0, 0, 1,  // correlation id
            0, 2, 0x61, 0x62,  // client id "ab" (int16 length)
        ]
        let frame = KafkaCodec.encodeRequest(
            .apiVersions(ApiVersionsRequest()),
            version: 0,
            correlationId: 1,
            clientId: "ab"
        )
        #expect(frame == expected)
        let (header, request) = try KafkaCodec.decodeRequest(frame: expected[4...])
        #expect(header == RequestHeader(apiKey: .apiVersions, apiVersion: 0, correlationId: 1, clientId: "ab"))
        #expect(request == .apiVersions(ApiVersionsRequest()))
    }

    @Test func apiVersionsV3RequestUsesHeaderV2AndCompactStrings() throws {
        let expected: [UInt8] = [
            0, 0, 0, 23,
            0, 18, 0, 3,  // api key 18, version 3
            0, 0, 0, 7,  // correlation id
            0, 2, 0x61, 0x62,  // client id stays a classic string in header v2
            0,  // header tagged fields
            5, 0x70, 0x65, 0x65, 0x72,  // compact string "peer" (length + 1)
            4, 0x31, 0x2e, 0x30,  // compact string "1.0"
            0,  // body tagged fields
        ]
        let request = ApiVersionsRequest(clientSoftwareName: "peer", clientSoftwareVersion: "1.0")
        let frame = KafkaCodec.encodeRequest(.apiVersions(request), version: 3, correlationId: 7, clientId: "ab")
        #expect(frame == expected)
        let decoded = try KafkaCodec.decodeRequest(frame: expected[4...])
        #expect(decoded.request == .apiVersions(request))
        // A tagged field we do not know (tag 5, 2 bytes) in the header and the body is skipped.
        var withTags = Array(expected[4...])
        withTags.replaceSubrange(12..<13, with: [1, 5, 2, 0xAA, 0xBB])
        withTags[withTags.count - 1] = 1
        withTags += [9, 1, 0xCC]
        #expect(try KafkaCodec.decodeRequest(frame: withTags).request == .apiVersions(request))
    }

    @Test func apiVersionsV0Response() throws {
        let expected: [UInt8] = [
            0, 0, 0, 16,
            0, 0, 0, 7,  // correlation id (response header v0)
            0, 0,  // error code
            0, 0, 0, 1,  // api keys: int32 count
            0, 18, 0, 0, 0, 3,  // key 18, versions 0...3
        ]
        let response = ApiVersionsResponse(apiKeys: [.init(apiKey: 18, minVersion: 0, maxVersion: 3)])
        let parts = KafkaCodec.encodeResponse(.apiVersions(response), version: 0, correlationId: 7)
        #expect(parts.flattened() == expected)
        let decoded = try KafkaCodec.decodeResponse(apiKey: .apiVersions, version: 0, frame: expected[4...])
        #expect(decoded.response == .apiVersions(response))
    }

    @Test func apiVersionsV3ResponseKeepsHeaderV0() throws {
        let expected: [UInt8] = [
            0, 0, 0, 26,
            0, 0, 0, 7,  // correlation id; no header tagged fields even though v3 is flexible (KIP-511)
            0, 0,  // error code
            3,  // compact array: 2 entries
            0, 18, 0, 0, 0, 3, 0,  // key 18, 0...3, tagged fields
            0, 3, 0, 0, 0, 8, 0,  // key 3, 0...8, tagged fields
            0, 0, 0, 100,  // throttle time
            0,  // tagged fields
        ]
        let response = ApiVersionsResponse(
            apiKeys: [.init(apiKey: 18, minVersion: 0, maxVersion: 3), .init(apiKey: 3, minVersion: 0, maxVersion: 8)],
            throttleTimeMs: 100
        )
        let parts = KafkaCodec.encodeResponse(.apiVersions(response), version: 3, correlationId: 7)
        #expect(parts.flattened() == expected)
        let decoded = try KafkaCodec.decodeResponse(apiKey: .apiVersions, version: 3, frame: expected[4...])
        #expect(decoded.response == .apiVersions(response))
    }

    @Test func metadataV1Request() throws {
        let allTopics = KafkaCodec.encodeRequest(
            .metadata(MetadataRequest()),
            version: 1,
            correlationId: 2,
            clientId: nil
        )
        #expect(allTopics == [0, 0, 0, 14, 0, 3, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
        let one = KafkaCodec.encodeRequest(
            .metadata(MetadataRequest(topics: [.init(name: "t")])),
            version: 1,
            correlationId: 2,
            clientId: nil
        )
        #expect(one == [0, 0, 0, 17, 0, 3, 0, 1, 0, 0, 0, 2, 0xff, 0xff, 0, 0, 0, 1, 0, 1, 0x74])
        #expect(
            try KafkaCodec.decodeRequest(frame: one[4...]).request
                == .metadata(MetadataRequest(topics: [.init(name: "t")]))
        )
        // v0 has no null topic list: "all topics" is the empty list.
        let v0 = KafkaCodec.encodeRequest(.metadata(MetadataRequest()), version: 0, correlationId: 2, clientId: nil)
        #expect(Array(v0[14...]) == [0, 0, 0, 0])
    }

    @Test func metadataV1Response() throws {
        let expected: [UInt8] = [
            0, 0, 0, 69,
            0, 0, 0, 9,  // correlation id
            0, 0, 0, 1,  // brokers: 1
            0, 0, 0, 1,  // node id 1
            0, 1, 0x68,  // host "h"
            0, 0, 0x23, 0x84,  // port 9092
            0xff, 0xff,  // rack: null (v1+)
            0, 0, 0, 1,  // controller id (v1+); no cluster id before v2
            0, 0, 0, 1,  // topics: 1
            0, 0,  // error code
            0, 1, 0x74,  // name "t"
            1,  // is internal (v1+)
            0, 0, 0, 1,  // partitions: 1
            0, 6,  // error code NOT_LEADER_OR_FOLLOWER
            0, 0, 0, 0,  // partition index
            0, 0, 0, 1,  // leader id; no leader epoch before v7
            0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2,  // replicas [1, 2]
            0, 0, 0, 1, 0, 0, 0, 1,  // isr [1]; no offline replicas before v5
        ]
        let response = MetadataResponse(
            brokers: [.init(nodeId: 1, host: "h", port: 9092, rack: nil)],
            clusterId: nil,
            controllerId: 1,
            topics: [
                .init(
                    errorCode: .noError,
                    name: "t",
                    isInternal: true,
                    partitions: [
                        .init(
                            errorCode: .notLeaderOrFollower,
                            partitionIndex: 0,
                            leaderId: 1,
                            replicaNodes: [1, 2],
                            isrNodes: [1]
                        )
                    ]
                )
            ]
        )
        let parts = KafkaCodec.encodeResponse(.metadata(response), version: 1, correlationId: 9)
        #expect(parts.flattened() == expected)
        let decoded = try KafkaCodec.decodeResponse(apiKey: .metadata, version: 1, frame: expected[4...])
        #expect(decoded.response == .metadata(response))
    }
}
