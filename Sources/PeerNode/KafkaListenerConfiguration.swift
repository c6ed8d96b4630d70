import Gossip
import PeerRPC
import Primitives

/// Where a broker serves Kafka clients, and the Kafka broker id it answers as.
///
/// Both spread in the node's gossip metadata (`KafkaMetadataTags`), so any broker can answer a Metadata request
/// for the whole cluster from what gossip already knows.
public struct KafkaListenerConfiguration: Sendable, Equatable {
    /// Kafka's default port.
    public static let defaultPort = AgentDefaults.kafkaPort

    /// Where the listener binds.
    public var bind: PeerAddress
    /// The address clients are told to connect to; defaults to `bind` (with the gossip advertise host when `bind`
    /// is a wildcard).
    public var advertise: PeerAddress?
    /// The Kafka broker id. Nil: the one kept in the data directory, or a new one chosen at first start.
    public var nodeID: Int32?
    /// Largest request accepted (Kafka's `socket.request.max.bytes`, 100 MiB).
    public var maxRequestSize: Int = 100 << 20
    /// Open client connections at most, in all and from one IP address (Kafka's `max.connections` and
    /// `max.connections.per.ip`, unlimited there; bounded here so a flood cannot exhaust descriptors).
    public var maxConnections = 4096
    public var maxConnectionsPerSource = 1024

    public init(bind: PeerAddress, advertise: PeerAddress? = nil, nodeID: Int32? = nil) {
        self.bind = bind
        self.advertise = advertise
        self.nodeID = nodeID
    }

    /// The advertised address, with a wildcard bind host replaced by the gossip advertise host.
    public func advertisedAddress(gossipAdvertise: PeerAddress) -> PeerAddress {
        if let advertise { return advertise }
        if AgentConfiguration.isUnspecifiedHost(bind.host) {
            return PeerAddress(host: gossipAdvertise.host, port: bind.port)
        }
        return bind
    }

    func validationErrors() -> [String] {
        var errors: [String] = []
        if let nodeID, nodeID < 0 { errors.append("--node-id must be zero or positive, got \(nodeID)") }
        if let advertise, AgentConfiguration.isUnspecifiedHost(advertise.host) {
            errors.append("--kafka-advertise \(advertise) is not reachable by clients; pass a concrete address")
        }
        return errors
    }
}

/// The gossip metadata tags that carry a broker's Kafka identity.
public enum KafkaMetadataTags {
    /// The Kafka broker id, decimal.
    public static let nodeID = "kafka.id"
    /// The advertised Kafka listener, `host:port`.
    public static let address = "kafka.addr"

    /// A member's Kafka identity, or nil when it serves no Kafka listener (or its tags are malformed).
    public static func broker(from metadata: NodeMetadata) -> (nodeID: Int32, address: PeerAddress)? {
        guard let idText = metadata.tags[nodeID], let id = Int32(idText), id >= 0,
            let addressText = metadata.tags[address], let parsed = PeerAddress(addressText)
        else { return nil }
        return (id, parsed)
    }
}
