import Gossip
import Partitions
import PeerRPC
import Primitives
import Sealing

/// Everything one agent needs to run: who it is, where it listens, whom it joins through, and how it seals.
///
/// Gossip uses UDP and push-pull/keyring streams use TCP, both on the same `bind` port, like serf. The RPC
/// endpoint is a separate HTTP listener, on loopback by default; changes through it need `rpcToken`.
public struct AgentConfiguration: Sendable {
    /// The gossip port when none is given (serf's default).
    public static let defaultGossipPort = AgentDefaults.gossipPort
    /// The RPC address agents listen on and CLI commands talk to when none is given (serf's default RPC port).
    public static let defaultRPCAddress = AgentDefaults.rpcAddress

    /// The unique member name.
    public var name: String
    /// Where the UDP and TCP listeners bind.
    public var bind: PeerAddress
    /// The address other members use to reach us. Must be a concrete address (not 0.0.0.0).
    public var advertise: PeerAddress
    /// Addresses to join through; their names are learned from them.
    public var seeds: [PeerAddress]
    /// Where the HTTP RPC endpoint listens; nil disables it.
    public var rpcAddress: PeerAddress?
    /// The secret every mutating RPC call and the keyring must present (`Authorization: Bearer`). Without one the
    /// RPC is read-only and may only listen on loopback.
    public var rpcToken: String?
    /// Bounds on RPC connections.
    public var rpcLimits: RPCLimits
    /// The keyring to start with. A keyring file in `dataDirectory` wins over it; nil requires such a file.
    public var keyring: Keyring?
    /// Timings and sizes for the SWIM core. The shell sets `sealingOverhead` itself.
    public var gossip: GossipConfiguration
    /// The controller voters and the lease and leader-election policies.
    public var partitions: PartitionsConfiguration
    /// Roles and tags announced with this member.
    public var metadata: NodeMetadata
    /// Where `keyring.json` is kept; nil keeps the keyring in memory only.
    public var dataDirectory: String?
    /// Bounds on connects and stream exchanges.
    public var streamLimits: StreamLimits
    /// The Kafka listener and broker id; nil serves no Kafka clients.
    public var kafka: KafkaListenerConfiguration?

    /// - Parameter advertise: defaults to `bind`.
    public init(
        name: String,
        bind: PeerAddress,
        advertise: PeerAddress? = nil,
        seeds: [PeerAddress] = [],
        rpcAddress: PeerAddress? = AgentConfiguration.defaultRPCAddress,
        rpcToken: String? = nil,
        keyring: Keyring?,
        gossip: GossipConfiguration = .lan,
        partitions: PartitionsConfiguration = PartitionsConfiguration(voters: []),
        metadata: NodeMetadata = NodeMetadata(),
        dataDirectory: String? = nil,
        streamLimits: StreamLimits = StreamLimits(),
        kafka: KafkaListenerConfiguration? = nil,
        rpcLimits: RPCLimits = RPCLimits()
    ) {
        self.name = name
        self.bind = bind
        self.advertise = advertise ?? bind
        self.seeds = seeds
        self.rpcAddress = rpcAddress
        self.rpcToken = rpcToken
        self.rpcLimits = rpcLimits
        self.keyring = keyring
        self.gossip = gossip
        self.partitions = partitions
        self.metadata = metadata
        self.dataDirectory = dataDirectory
        self.streamLimits = streamLimits
        self.kafka = kafka
    }

    /// Reasons this configuration cannot run, or an empty list.
    public func validationErrors() -> [String] {
        var errors = gossip.validationErrors()
        if !partitions.voters.isEmpty { errors += partitions.validationErrors() }
        if metadata.hasRole("controller") && !partitions.voters.contains(name) {
            errors.append("the controller role needs this node in --voters (the same voter list on every voter)")
        }
        if let kafka {
            errors += kafka.validationErrors()
            if !metadata.hasRole("broker") { errors.append("a Kafka listener needs the broker role (--roles broker)") }
            if kafka.bind == bind { errors.append("the Kafka address must differ from the bind address") }
            if let rpcAddress, kafka.bind == rpcAddress { errors.append("the Kafka address must differ from the RPC address") }
        }
        if name.isEmpty { errors.append("name must not be empty") }
        if name.utf8.count > 255 { errors.append("name must be at most 255 bytes") }
        if Self.isUnspecifiedHost(advertise.host) {
            errors.append("advertise address \(advertise) is not reachable by others; pass a concrete address")
        }
        if let rpcAddress, rpcAddress.port == bind.port, rpcAddress.host == bind.host {
            errors.append("the RPC address must differ from the bind address")
        }
        if let rpcAddress, rpcToken == nil, !Self.isLoopbackHost(rpcAddress.host) {
            errors.append(
                "the RPC address \(rpcAddress) is not loopback: an RPC token is required to listen there "
                    + "(--rpc-token-file)"
            )
        }
        if let rpcToken, rpcToken.utf8.count < RPCLimits.minimumTokenLength {
            errors.append("the RPC token must be at least \(RPCLimits.minimumTokenLength) characters")
        }
        return errors
    }

    /// Whether `host` only reaches this machine: 127.0.0.0/8, ::1 or `localhost`.
    public static func isLoopbackHost(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    /// Whether `host` is a wildcard that binds every interface but cannot be dialled.
    public static func isUnspecifiedHost(_ host: String) -> Bool {
        host == "0.0.0.0" || host == "::" || host == "0:0:0:0:0:0:0:0"
    }
}

/// Bounds on every TCP exchange, so a slow or hostile peer cannot hold resources.
public struct StreamLimits: Sendable {
    /// How long to wait for a TCP connect.
    public var connectTimeout: Duration = .seconds(2)
    /// How long a whole request/reply exchange may take, connect included.
    public var exchangeTimeout: Duration = .seconds(5)
    /// Largest sealed frame accepted on a stream (a push-pull of ~20k members fits), once the peer has proven it
    /// holds the cluster key.
    public var maxFrameSize: Int = 8 << 20
    /// Largest frame accepted before that proof: the sealed hello that opens every stream is far smaller.
    public var maxUnprovenFrameSize: Int = 1024
    /// Inbound stream connections open at once, in total and from one source address.
    public var maxInboundConnections: Int = 128
    public var maxInboundConnectionsPerSource: Int = 32

    public init() {}
}

/// Bounds on the HTTP RPC listener, so slow or numerous clients cannot hold it.
public struct RPCLimits: Sendable {
    /// How long a client has to send its whole request, from connecting to the end of the body.
    public var requestTimeout: Duration = .seconds(10)
    /// RPC connections open at once; further ones are closed on accept.
    public var maxConnections: Int = 64
    /// Shortest RPC token accepted, so a guessable one is refused at start.
    public static let minimumTokenLength = 16

    public init() {}
}
