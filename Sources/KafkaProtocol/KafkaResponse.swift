/// A decoded or to-be-encoded response body, one case per API.
public enum KafkaResponse: Equatable, Sendable {
    case apiVersions(ApiVersionsResponse)
    case metadata(MetadataResponse)
    case produce(ProduceResponse)
    case fetch(FetchResponse)
    case listOffsets(ListOffsetsResponse)
    case createTopics(CreateTopicsResponse)
    case deleteTopics(DeleteTopicsResponse)
    case describeConfigs(DescribeConfigsResponse)
    case initProducerId(InitProducerIdResponse)
    case offsetForLeaderEpoch(OffsetForLeaderEpochResponse)

    public var apiKey: ApiKey {
        switch self {
        case .apiVersions: return .apiVersions
        case .metadata: return .metadata
        case .produce: return .produce
        case .fetch: return .fetch
        case .listOffsets: return .listOffsets
        case .createTopics: return .createTopics
        case .deleteTopics: return .deleteTopics
        case .describeConfigs: return .describeConfigs
        case .initProducerId: return .initProducerId
        case .offsetForLeaderEpoch: return .offsetForLeaderEpoch
        }
    }

    /// Record bytes carried in memory, so the encoder can size its buffer once instead of growing it.
    var inlineRecordsByteCount: Int {
        guard case .fetch(let fetch) = self else { return 0 }
        return fetch.responses.reduce(0) { total, topic in
            topic.partitions.reduce(total) { sum, partition in
                guard case .bytes(let bytes) = partition.records else { return sum }
                return sum + bytes.count
            }
        }
    }

    func encode(into encoder: inout FieldEncoder) {
        switch self {
        case .apiVersions(let body): encoder.message(body)
        case .metadata(let body): encoder.message(body)
        case .produce(let body): encoder.message(body)
        case .fetch(let body): encoder.message(body)
        case .listOffsets(let body): encoder.message(body)
        case .createTopics(let body): encoder.message(body)
        case .deleteTopics(let body): encoder.message(body)
        case .describeConfigs(let body): encoder.message(body)
        case .initProducerId(let body): encoder.message(body)
        case .offsetForLeaderEpoch(let body): encoder.message(body)
        }
    }

    static func decode(_ apiKey: ApiKey, from decoder: inout FieldDecoder) throws(KafkaDecodeError) -> KafkaResponse {
        switch apiKey {
        case .apiVersions: return .apiVersions(try decoder.message(ApiVersionsResponse.self))
        case .metadata: return .metadata(try decoder.message(MetadataResponse.self))
        case .produce: return .produce(try decoder.message(ProduceResponse.self))
        case .fetch: return .fetch(try decoder.message(FetchResponse.self))
        case .listOffsets: return .listOffsets(try decoder.message(ListOffsetsResponse.self))
        case .createTopics: return .createTopics(try decoder.message(CreateTopicsResponse.self))
        case .deleteTopics: return .deleteTopics(try decoder.message(DeleteTopicsResponse.self))
        case .describeConfigs: return .describeConfigs(try decoder.message(DescribeConfigsResponse.self))
        case .initProducerId: return .initProducerId(try decoder.message(InitProducerIdResponse.self))
        case .offsetForLeaderEpoch:
            return .offsetForLeaderEpoch(try decoder.message(OffsetForLeaderEpochResponse.self))
        }
    }
}
