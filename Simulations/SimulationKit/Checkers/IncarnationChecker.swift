import Gossip

/// The incarnation a node holds for a member never goes backwards, except when the member is new to it again
/// (after reaping, or after the viewer itself restarted).
public final class IncarnationChecker: InvariantChecker {
    public let name = "incarnation-monotonic"
    /// Only non-zero incarnations are stored: the common case costs no memory.
    private var held: [UInt64: UInt64] = [:]
    private let n: Int

    public init(nodes: Int) { n = nodes }

    public func nodeBooted(_ node: Int, at time: Int64) { forget(viewer: node) }
    public func nodeStopped(_ node: Int, at time: Int64) { forget(viewer: node) }

    private func forget(viewer: Int) {
        guard !held.isEmpty else { return }
        for m in 0..<n { held[Self.key(viewer, m)] = nil }
    }

    @inline(__always)
    static func key(_ viewer: Int, _ member: Int) -> UInt64 { UInt64(viewer) << 32 | UInt64(member) }

    public func memberChanged(viewer: Int, change: MemberChange, member: Int, at time: Int64) -> String? {
        let key = Self.key(viewer, member)
        let new = change.member.incarnation
        if change.previousStatus == nil {
            held[key] = new == 0 ? nil : new
            return nil
        }
        let old = held[key] ?? 0
        if new != old { held[key] = new == 0 ? nil : new }
        guard new < old else { return nil }
        return "viewer node \(viewer) moved \(change.member.name) from incarnation \(old) back to \(new) "
            + "(status \(change.previousStatus.map { "\($0)" } ?? "new") -> \(change.member.status))"
    }
}
