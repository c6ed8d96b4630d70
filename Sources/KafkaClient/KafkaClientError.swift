import KafkaProtocol

/// Why a client call failed; descriptions are one line, ready for stderr.
public enum KafkaClientError: Error, CustomStringConvertible, Sendable {
    case unreachable(address: String, reason: String)
    case connectionClosed(address: String)
    case timedOut(address: String, api: ApiKey)
    case malformedResponse(address: String, api: ApiKey, reason: String)
    case frameTooLarge(size: Int)
    /// A response whose correlation id matches no request in flight.
    case unexpectedResponse(address: String, correlationId: Int32?)
    /// The broker supports no version of `api` this client speaks.
    case unsupportedApi(address: String, api: ApiKey)
    case unknownTopic(String)
    case noLeader(topic: String, partition: Int32)
    /// The broker answered with an error code for this partition (or topic, or request).
    case broker(KafkaError, context: String)
    case noBrokers

    public var description: String {
        switch self {
        case .unreachable(let address, let reason): "cannot reach Kafka broker at \(address): \(reason)"
        case .connectionClosed(let address): "connection to \(address) closed"
        case .timedOut(let address, let api): "\(api) request to \(address) timed out"
        case .malformedResponse(let address, let api, let reason):
            "malformed \(api) response from \(address): \(reason)"
        case .frameTooLarge(let size): "frame of \(size) bytes exceeds the limit"
        case .unexpectedResponse(let address, let id):
            "response from \(address) with unknown correlation id \(id.map(String.init) ?? "?")"
        case .unsupportedApi(let address, let api):
            "broker at \(address) supports no version of \(api) this client speaks"
        case .unknownTopic(let topic): "unknown topic \(topic)"
        case .noLeader(let topic, let partition): "no leader for \(topic)-\(partition)"
        case .broker(let error, let context): "\(context): \(error)"
        case .noBrokers: "no broker reachable"
        }
    }
}
