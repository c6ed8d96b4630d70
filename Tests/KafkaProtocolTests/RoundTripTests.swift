import KafkaProtocol
import Testing

@Suite struct RoundTripTests {
    static let seedsPerVersion: [UInt64] = Array(1...25)

    @Test(arguments: ApiKey.allCases)
    func requestsRoundTripAtEverySupportedVersion(key: ApiKey) throws {
        for version in key.supportedVersions {
            for seed in Self.seedsPerVersion {
                let request = randomRequest(key, version: version, seed: seed)
                let correlationId = Int32(truncatingIfNeeded: seed &* 7919)
                let clientId: String? = seed % 3 == 0 ? nil : "client-\(seed)"
                let frame = KafkaCodec.encodeRequest(
                    request,
                    version: version,
                    correlationId: correlationId,
                    clientId: clientId
                )
                let body = try #require(stripSizePrefix(frame), "bad size prefix for \(key) v\(version)")
                let (header, decoded) = try KafkaCodec.decodeRequest(frame: body)
                #expect(
                    header
                        == RequestHeader(
                            apiKey: key,
                            apiVersion: version,
                            correlationId: correlationId,
                            clientId: clientId
                        )
                )
                #expect(decoded == request, "\(key) v\(version) seed \(seed)")
            }
        }
    }

    @Test(arguments: ApiKey.allCases)
    func responsesRoundTripAtEverySupportedVersion(key: ApiKey) throws {
        for version in key.supportedVersions {
            for seed in Self.seedsPerVersion {
                let response = randomResponse(key, version: version, seed: seed)
                let correlationId = Int32(truncatingIfNeeded: seed &* 104_729)
                let parts = KafkaCodec.encodeResponse(response, version: version, correlationId: correlationId)
                let frame = try #require(parts.flattened())
                let body = try #require(stripSizePrefix(frame), "bad size prefix for \(key) v\(version)")
                let decoded = try KafkaCodec.decodeResponse(apiKey: key, version: version, frame: body)
                #expect(decoded.correlationId == correlationId)
                #expect(decoded.response == response, "\(key) v\(version) seed \(seed)")
            }
        }
    }

    /// A message that round-trips but is laid out wrongly for its version would still pass the tests above, so
    /// check that the fields added in a version appear exactly there, as sizes.
    @Test func fieldsAppearAtTheirVersions() {
        func size(_ request: KafkaRequest, _ version: Int16) -> Int {
            KafkaCodec.encodeRequest(request, version: version, correlationId: 0, clientId: nil).count
        }
        func size(_ response: KafkaResponse, _ version: Int16) -> Int {
            KafkaCodec.encodeResponse(response, version: version, correlationId: 0).byteCount
        }
        let fetch = KafkaRequest.fetch(FetchRequest())
        #expect(size(fetch, 7) - size(fetch, 6) == 12)  // session id, session epoch, forgotten topics count
        #expect(size(fetch, 11) - size(fetch, 10) == 2)  // rack id (empty string)
        #expect(size(fetch, 5) == size(fetch, 4))
        let fetchPartition = FetchRequest.Topic(topic: "t", partitions: [FetchRequest.Topic.Partition()])
        let oneFetch = KafkaRequest.fetch(FetchRequest(topics: [fetchPartition]))
        #expect(size(oneFetch, 5) - size(oneFetch, 4) == 8)  // log start offset
        #expect(size(oneFetch, 9) - size(oneFetch, 8) == 4)  // current leader epoch

        let fetchResponse = KafkaResponse.fetch(
            FetchResponse(responses: [.init(topic: "t", partitions: [.init(records: .bytes([1, 2, 3]))])])
        )
        #expect(size(fetchResponse, 5) - size(fetchResponse, 4) == 8)  // log start offset
        #expect(size(fetchResponse, 7) - size(fetchResponse, 6) == 6)  // error code, session id
        #expect(size(fetchResponse, 11) - size(fetchResponse, 10) == 4)  // preferred read replica

        let metadata = KafkaResponse.metadata(
            MetadataResponse(topics: [.init(name: "t", partitions: [MetadataResponse.Topic.Partition()])])
        )
        #expect(size(metadata, 7) - size(metadata, 6) == 4)  // leader epoch
        #expect(size(metadata, 8) - size(metadata, 7) == 8)  // topic and cluster authorized operations
        let metadataRequest = KafkaRequest.metadata(MetadataRequest(topics: []))
        #expect(size(metadataRequest, 4) - size(metadataRequest, 3) == 1)  // allow auto topic creation
        #expect(size(metadataRequest, 8) - size(metadataRequest, 7) == 2)  // authorized operations flags

        let produce = KafkaRequest.produce(ProduceRequest(transactionalId: "x"))
        #expect(size(produce, 3) == 4 + 10 + 3 + 2 + 4 + 4)  // size, header (null client id), txn id "x", acks, timeout, topic count
        let listOffsets = KafkaRequest.listOffsets(
            ListOffsetsRequest(topics: [.init(name: "t", partitions: [ListOffsetsRequest.Topic.Partition()])])
        )
        #expect(size(listOffsets, 2) - size(listOffsets, 1) == 1)  // isolation level
        #expect(size(listOffsets, 4) - size(listOffsets, 3) == 4)  // current leader epoch

        let describe = KafkaResponse.describeConfigs(
            DescribeConfigsResponse(results: [.init(configs: [DescribeConfigsResponse.Result.Config()])])
        )
        #expect(size(describe, 1) - size(describe, 0) == 4)  // - isDefault, + configSource, + synonyms count
        #expect(size(describe, 3) - size(describe, 2) == 3)  // config type, documentation (null)
    }

    @Test func fetchResponseSendsExternalRecordsAsParts() throws {
        let response = FetchResponse(
            sessionId: 0,
            responses: [
                .init(
                    topic: "t",
                    partitions: [
                        .init(partitionIndex: 0, highWatermark: 10, records: .external(token: 7, length: 1000)),
                        .init(partitionIndex: 1, highWatermark: 3, records: .bytes([9, 9])),
                        .init(partitionIndex: 2, highWatermark: 5, records: .external(token: 8, length: 20)),
                    ]
                )
            ]
        )
        let parts = KafkaCodec.encodeResponse(.fetch(response), version: 11, correlationId: 42)
        #expect(parts.count == 4)  // bytes, file, bytes, file: nothing follows the last records
        #expect(parts[1] == .external(token: 7, length: 1000))
        #expect(parts[3] == .external(token: 8, length: 20))
        #expect(parts.flattened() == nil)
        // The shell fills the external parts from files; the client then reads them as bytes.
        var frame: [UInt8] = []
        for part in parts {
            switch part {
            case .bytes(let bytes): frame += bytes
            case .external(let token, let length): frame += [UInt8](repeating: UInt8(token), count: length)
            }
        }
        let body = try #require(stripSizePrefix(frame))
        let decoded = try KafkaCodec.decodeResponse(apiKey: .fetch, version: 11, frame: body)
        guard case .fetch(let fetch) = decoded.response else {
            Issue.record("not a fetch response")
            return
        }
        let partitions = fetch.responses[0].partitions
        #expect(partitions[0].records == .bytes([UInt8](repeating: 7, count: 1000)))
        #expect(partitions[1].records == .bytes([9, 9]))
        #expect(partitions[2].records == .bytes([UInt8](repeating: 8, count: 20)))
        #expect(decoded.correlationId == 42)
    }
}
