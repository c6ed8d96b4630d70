import Primitives

/// What SWIM believes about a member. `left` is a graceful departure, `dead` a failure.
public enum MemberStatus: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case alive = 0
    case suspect = 1
    case dead = 2
    case left = 3

    public var description: String {
        switch self {
        case .alive: "alive"
        case .suspect: "suspect"
        case .dead: "dead"
        case .left: "left"
        }
    }

    /// Whether the member still takes part in probing and gossip.
    public var isActive: Bool { self == .alive || self == .suspect }
}

/// A node's roles and tags, spread by gossip with its alive message; the incarnation number versions it.
public struct NodeMetadata: Hashable, Sendable {
    /// Sorted and unique, e.g. `broker`, `controller`.
    public private(set) var roles: [String]
    public var tags: [String: String]

    public init(roles: [String] = [], tags: [String: String] = [:]) {
        // Decoding calls this for every alive message, and wire roles are already sorted and unique.
        let sortedAndUnique = zip(roles, roles.dropFirst()).allSatisfy { $0 < $1 }
        self.roles = sortedAndUnique ? roles : Array(Set(roles)).sorted()
        self.tags = tags
    }

    public func hasRole(_ role: String) -> Bool {
        roles.contains(role)
    }
}

/// One row of the membership table.
public struct Member: Hashable, Sendable {
    public var name: String
    public var address: PeerAddress
    public var status: MemberStatus
    public var incarnation: UInt64
    public var metadata: NodeMetadata
    /// When the status last changed, on the local clock; used for reaping and for gossiping to the recently dead.
    public var statusChangedAt: Timestamp

    public init(
        name: String,
        address: PeerAddress,
        status: MemberStatus,
        incarnation: UInt64,
        metadata: NodeMetadata,
        statusChangedAt: Timestamp
    ) {
        self.name = name
        self.address = address
        self.status = status
        self.incarnation = incarnation
        self.metadata = metadata
        self.statusChangedAt = statusChangedAt
    }
}
