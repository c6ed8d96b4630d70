import Gossip

/// Refutation works: once the faults have settled, no live node is held by anyone at an incarnation above its own
/// (every accusation, and every memory of an earlier life, has been outbid), and no node ever records a change about
/// itself (its own row is not in its member table).
public final class SelfViewChecker: InvariantChecker {
    public let name = "self-view"
    public var needsSettling: Bool { true }
    public init() {}

    public func memberChanged(viewer: Int, change: MemberChange, member: Int, at time: Int64) -> String? {
        guard member == viewer else { return nil }
        return "node \(change.member.name) recorded itself as \(change.member.status)"
    }

    public func check(_ state: SimulationState, reason: CheckpointReason) -> [String] {
        // Every pair is looked up; above a few thousand nodes that costs more than the run, so it is skipped.
        guard state.nodeCount <= 2000 else { return [] }
        var problems: [String] = []
        var count = 0
        // Each node's own incarnation first, then one pass over each observer's table: copying an instance per
        // pair made this checker the simulator's largest cost at 1,000 nodes.
        var incarnations: [(node: Int, own: UInt64)] = []
        for v in 0..<state.nodeCount where state.isLive(v) {
            if let incarnation = state.instance(v)?.incarnation { incarnations.append((v, incarnation)) }
        }
        for w in 0..<state.nodeCount where state.isLive(w) {
            guard let observer = state.instance(w) else { continue }
            for (v, own) in incarnations where v != w {
                guard let held = observer.member(named: state.names[v]), held.incarnation > own else { continue }
                count += 1
                if problems.isEmpty {
                    problems.append(
                        "\(state.names[w]) holds \(state.names[v]) \(held.status) at incarnation \(held.incarnation), "
                            + "above its own \(own): the node never outbid it"
                    )
                }
            }
        }
        if count > 1 { problems.append("\(count) such views in all") }
        return problems
    }
}
