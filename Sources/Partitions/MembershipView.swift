import Gossip

/// Membership as the partitions core reads it: gossip's own table, passed in with each event rather than mirrored,
/// since a mirror would be one more row per member on every node (N² rows in a simulated cluster).
public protocol MembershipView {
    /// The metadata of `name` while it is alive or suspect; nil when it is dead, left or unknown.
    func activeMetadata(of name: String) -> NodeMetadata?
    /// The alive and suspect members other than this node, sorted by name.
    var activeMemberNames: [String] { get }
}

extension SWIMInstance: MembershipView {}

/// No members at all: for code paths and tests with no gossip layer.
public struct NoMembers: MembershipView {
    public init() {}
    public func activeMetadata(of name: String) -> NodeMetadata? { nil }
    public var activeMemberNames: [String] { [] }
}
