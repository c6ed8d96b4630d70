/// The Kafka APIs this codec speaks, with the versions it encodes and decodes.
public enum ApiKey: Int16, CaseIterable, Sendable {
    case produce = 0
    case fetch = 1
    case listOffsets = 2
    case metadata = 3
    case apiVersions = 18
    case createTopics = 19
    case deleteTopics = 20
    case initProducerId = 22
    case offsetForLeaderEpoch = 23
    case describeConfigs = 32

    /// Versions the codec supports, request and response alike. The broker may advertise less.
    public var supportedVersions: ClosedRange<Int16> {
        switch self {
        case .produce: return 3...8
        case .fetch: return 4...11
        case .listOffsets: return 1...5
        case .metadata: return 0...8
        case .apiVersions: return 0...3
        case .createTopics: return 0...4
        case .deleteTopics: return 0...3
        case .initProducerId: return 0...1
        case .offsetForLeaderEpoch: return 0...4
        case .describeConfigs: return 0...3
        }
    }

    /// Kafka's "flexibleVersions" of the API: compact lengths, tagged fields, request header v2.
    public var flexibleVersions: Versions {
        switch self {
        case .produce: return .since(9)
        case .fetch: return .since(12)
        case .listOffsets: return .since(6)
        case .metadata: return .since(9)
        case .apiVersions: return .since(3)
        case .createTopics: return .since(5)
        case .deleteTopics: return .since(4)
        case .initProducerId: return .since(2)
        case .offsetForLeaderEpoch: return .since(4)
        case .describeConfigs: return .since(4)
        }
    }

    public func isFlexible(_ version: Int16) -> Bool { flexibleVersions.contains(version) }

    /// Request header v2 (tagged fields) for flexible versions, else v1.
    public func requestHeaderVersion(_ version: Int16) -> Int16 { isFlexible(version) ? 2 : 1 }

    /// Response header v1 (tagged fields) for flexible versions, else v0. ApiVersions responses always use v0,
    /// so a client that does not yet know the broker's versions can read them (KIP-511).
    public func responseHeaderVersion(_ version: Int16) -> Int16 {
        self != .apiVersions && isFlexible(version) ? 1 : 0
    }

    /// Every supported API with its full range, in the shape an ApiVersions response lists them.
    public static var supportedApiVersions: [ApiVersionsResponse.ApiVersion] {
        allCases.map {
            ApiVersionsResponse.ApiVersion(
                apiKey: $0.rawValue,
                minVersion: $0.supportedVersions.lowerBound,
                maxVersion: $0.supportedVersions.upperBound
            )
        }
    }
}
