import Primitives

/// Everything one member says to another over UDP. A datagram carries one or more of these (a compound message),
/// so membership updates ride along with probes.
public enum GossipMessage: Hashable, Sendable {
    /// Direct probe. `target` names the node the sender means, so a different node now at that address does not ack.
    case ping(sequence: UInt32, target: String, source: String)
    case ack(sequence: UInt32, source: String)
    /// Lifeguard: an intermediary tells the requester it is alive but could not reach the target.
    case nack(sequence: UInt32)
    /// Indirect probe: please ping `target` at `targetAddress` and relay the ack.
    case pingRequest(sequence: UInt32, target: String, targetAddress: PeerAddress, source: String)
    case alive(AliveUpdate)
    case suspect(Accusation)
    case dead(Accusation)
    /// Graceful departure.
    case left(name: String, incarnation: UInt64)
    /// A versioned value of the replicated cluster state (for higher layers such as partitions).
    case state(StateEntry)
}

/// A member announcing (or refuting with) an incarnation, its address and its metadata.
public struct AliveUpdate: Hashable, Sendable {
    public var name: String
    public var incarnation: UInt64
    public var address: PeerAddress
    public var metadata: NodeMetadata

    public init(name: String, incarnation: UInt64, address: PeerAddress, metadata: NodeMetadata) {
        self.name = name
        self.incarnation = incarnation
        self.address = address
        self.metadata = metadata
    }
}

/// `accuser` suspects (or declares dead) `name` at `incarnation`. Distinct accusers confirm a suspicion.
public struct Accusation: Hashable, Sendable {
    public var name: String
    public var incarnation: UInt64
    public var accuser: String

    public init(name: String, incarnation: UInt64, accuser: String) {
        self.name = name
        self.incarnation = incarnation
        self.accuser = accuser
    }
}

/// The full membership state exchanged over TCP (join and anti-entropy).
public struct PushPullState: Hashable, Sendable {
    /// True when the sender is joining: the receiver then answers with its own state.
    public var isJoin: Bool
    /// True on the reply half of an exchange, so the receiver does not answer again.
    public var isReply: Bool
    public var members: [PushPullEntry]
    /// The whole replicated cluster state, so a joining node learns it at once and divergence is repaired.
    public var state: [StateEntry]

    public init(isJoin: Bool, isReply: Bool, members: [PushPullEntry], state: [StateEntry] = []) {
        self.isJoin = isJoin
        self.isReply = isReply
        self.members = members
        self.state = state
    }
}

/// One member as the sender of a push-pull sees it.
public struct PushPullEntry: Hashable, Sendable {
    public var name: String
    public var address: PeerAddress
    public var status: MemberStatus
    public var incarnation: UInt64
    public var metadata: NodeMetadata

    public init(name: String, address: PeerAddress, status: MemberStatus, incarnation: UInt64, metadata: NodeMetadata) {
        self.name = name
        self.address = address
        self.status = status
        self.incarnation = incarnation
        self.metadata = metadata
    }
}

extension GossipMessage {
    /// Whether this is news (membership or cluster state) rather than part of a probe.
    var isUpdate: Bool {
        switch self {
        case .state, .alive, .suspect, .dead, .left: true
        case .ping, .ack, .nack, .pingRequest: false
        }
    }
}
