import KafkaProtocol
import Primitives

/// A third field mapper: fills every field that exists at `version` with a random value (null only where the
/// version allows it), leaving the others at their defaults — exactly what a decode at that version yields.
struct RandomFiller: KafkaFieldMapper {
    typealias Failure = Never
    let version: Int16
    let isFlexible: Bool
    var rng: SeededRandom

    private mutating func makeNull(_ nullable: Versions) -> Bool {
        nullable.contains(version) && Int.random(in: 0..<4, using: &rng) == 0
    }
    private mutating func count() -> Int { Int.random(in: 0...3, using: &rng) }
    private mutating func randomString() -> String {
        let pieces = ["a", "topic", "ü", "🙂", "-", "0", "peer", ""]
        return (0..<Int.random(in: 0...4, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    mutating func int8(_ value: inout Int8, _ versions: Versions) {
        if versions.contains(version) { value = .random(in: .min ... .max, using: &rng) }
    }
    mutating func int16(_ value: inout Int16, _ versions: Versions) {
        // Error codes stay small: 35 at the top of ApiVersions means "read as v0" by design.
        if versions.contains(version) { value = .random(in: -1...30, using: &rng) }
    }
    mutating func int32(_ value: inout Int32, _ versions: Versions) {
        if versions.contains(version) { value = .random(in: .min ... .max, using: &rng) }
    }
    mutating func int64(_ value: inout Int64, _ versions: Versions) {
        if versions.contains(version) { value = .random(in: .min ... .max, using: &rng) }
    }
    mutating func bool(_ value: inout Bool, _ versions: Versions) {
        if versions.contains(version) { value = .random(using: &rng) }
    }
    mutating func nullableString(_ value: inout String?, _ versions: Versions, nullable: Versions) {
        guard versions.contains(version) else { return }
        value = makeNull(nullable) ? nil : randomString()
    }
    mutating func records(_ value: inout RecordsPayload?, _ versions: Versions) {
        guard versions.contains(version) else { return }
        if makeNull(.all) {
            value = nil
            return
        }
        value = .bytes((0..<Int.random(in: 0...40, using: &rng)).map { _ in .random(in: 0...255, using: &rng) })
    }
    mutating func int32Array(_ value: inout [Int32], _ versions: Versions) {
        guard versions.contains(version) else { return }
        value = (0..<count()).map { _ in .random(in: .min ... .max, using: &rng) }
    }
    mutating func nullableStringArray(_ value: inout [String]?, _ versions: Versions, nullable: Versions) {
        guard versions.contains(version) else { return }
        value = makeNull(nullable) ? nil : (0..<count()).map { _ in randomString() }
    }
    mutating func nullableArray<Element: KafkaStruct>(
        _ value: inout [Element]?,
        _ versions: Versions,
        nullable: Versions
    ) {
        guard versions.contains(version) else { return }
        if makeNull(nullable) {
            value = nil
            return
        }
        var array: [Element] = []
        for _ in 0..<count() {
            var element = Element()
            element.map(&self)
            array.append(element)
        }
        value = array
    }
}

func randomMessage<Message: KafkaMessage>(_: Message.Type, version: Int16, seed: UInt64) -> Message {
    var filler = RandomFiller(
        version: version,
        isFlexible: Message.apiKey.isFlexible(version),
        rng: SeededRandom(seed: seed)
    )
    var message = Message()
    message.map(&filler)
    return message
}

func randomRequest(_ key: ApiKey, version v: Int16, seed s: UInt64) -> KafkaRequest {
    switch key {
    case .apiVersions: return .apiVersions(randomMessage(ApiVersionsRequest.self, version: v, seed: s))
    case .metadata: return .metadata(randomMessage(MetadataRequest.self, version: v, seed: s))
    case .produce: return .produce(randomMessage(ProduceRequest.self, version: v, seed: s))
    case .fetch: return .fetch(randomMessage(FetchRequest.self, version: v, seed: s))
    case .listOffsets: return .listOffsets(randomMessage(ListOffsetsRequest.self, version: v, seed: s))
    case .createTopics: return .createTopics(randomMessage(CreateTopicsRequest.self, version: v, seed: s))
    case .deleteTopics: return .deleteTopics(randomMessage(DeleteTopicsRequest.self, version: v, seed: s))
    case .describeConfigs: return .describeConfigs(randomMessage(DescribeConfigsRequest.self, version: v, seed: s))
    case .initProducerId: return .initProducerId(randomMessage(InitProducerIdRequest.self, version: v, seed: s))
    case .offsetForLeaderEpoch:
        return .offsetForLeaderEpoch(randomMessage(OffsetForLeaderEpochRequest.self, version: v, seed: s))
    }
}

func randomResponse(_ key: ApiKey, version v: Int16, seed s: UInt64) -> KafkaResponse {
    switch key {
    case .apiVersions: return .apiVersions(randomMessage(ApiVersionsResponse.self, version: v, seed: s))
    case .metadata: return .metadata(randomMessage(MetadataResponse.self, version: v, seed: s))
    case .produce: return .produce(randomMessage(ProduceResponse.self, version: v, seed: s))
    case .fetch: return .fetch(randomMessage(FetchResponse.self, version: v, seed: s))
    case .listOffsets: return .listOffsets(randomMessage(ListOffsetsResponse.self, version: v, seed: s))
    case .createTopics: return .createTopics(randomMessage(CreateTopicsResponse.self, version: v, seed: s))
    case .deleteTopics: return .deleteTopics(randomMessage(DeleteTopicsResponse.self, version: v, seed: s))
    case .describeConfigs: return .describeConfigs(randomMessage(DescribeConfigsResponse.self, version: v, seed: s))
    case .initProducerId: return .initProducerId(randomMessage(InitProducerIdResponse.self, version: v, seed: s))
    case .offsetForLeaderEpoch:
        return .offsetForLeaderEpoch(randomMessage(OffsetForLeaderEpochResponse.self, version: v, seed: s))
    }
}

/// The frame without its 4-byte size prefix, after checking the prefix counts exactly the rest.
func stripSizePrefix(_ frame: [UInt8]) -> ArraySlice<UInt8>? {
    guard frame.count >= 4 else { return nil }
    let size = frame[0..<4].reduce(0) { $0 << 8 | Int($1) }
    guard size == frame.count - 4 else { return nil }
    return frame[4...]
}
