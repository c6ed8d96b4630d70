/// A decoded request body, one case per API.
public enum KafkaRequest: Equatable, Sendable {
    case apiVersions(ApiVersionsRequest)
    case metadata(MetadataRequest)
    case produce(ProduceRequest)
    case fetch(FetchRequest)
    case listOffsets(ListOffsetsRequest)
    case createTopics(CreateTopicsRequest)
    case deleteTopics(DeleteTopicsRequest)
    case describeConfigs(DescribeConfigsRequest)
    case initProducerId(InitProducerIdRequest)
    case offsetForLeaderEpoch(OffsetForLeaderEpochRequest)

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
        guard case .produce(let produce) = self else { return 0 }
        return produce.topicData.reduce(0) { total, topic in
            topic.partitionData.reduce(total) { sum, partition in
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

    static func decode(_ apiKey: ApiKey, from decoder: inout FieldDecoder) throws(KafkaDecodeError) -> KafkaRequest {
        switch apiKey {
        case .apiVersions: return .apiVersions(try decoder.message(ApiVersionsRequest.self))
        case .metadata: return .metadata(try decoder.message(MetadataRequest.self))
        case .produce: return .produce(try decoder.message(ProduceRequest.self))
        case .fetch: return .fetch(try decoder.message(FetchRequest.self))
        case .listOffsets: return .listOffsets(try decoder.message(ListOffsetsRequest.self))
        case .createTopics: return .createTopics(try decoder.message(CreateTopicsRequest.self))
        case .deleteTopics: return .deleteTopics(try decoder.message(DeleteTopicsRequest.self))
        case .describeConfigs: return .describeConfigs(try decoder.message(DescribeConfigsRequest.self))
        case .initProducerId: return .initProducerId(try decoder.message(InitProducerIdRequest.self))
        case .offsetForLeaderEpoch:
            return .offsetForLeaderEpoch(try decoder.message(OffsetForLeaderEpochRequest.self))
        }
    }
}
