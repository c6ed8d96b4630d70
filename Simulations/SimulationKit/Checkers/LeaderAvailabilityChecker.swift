import Gossip
import Partitions

/// (f) After the faults heal (plus the settle bound) no partition is without a live leader while a member of its
/// ISR is live and reachable from a majority of the voters.
public final class LeaderAvailabilityChecker: InvariantChecker {
    public let name = "leader-availability"
    public var needsSettling: Bool { true }

    public init() {}

    public func check(_ state: SimulationState, reason: CheckpointReason) -> [String] {
        guard state.votersHaveMajority else { return [] }
        let majority = state.voters.count / 2 + 1
        var problems: [String] = []
        var count = 0
        for (id, partition) in state.newestLiveStates().sorted(by: { $0.key < $1.key }) {
            if let leader = partition.leader, let index = SimulationOptions.nodeIndex(of: leader),
                index < state.nodeCount, state.isLive(index)
            {
                continue
            }
            let candidates = partition.isr.filter { name in
                guard let m = SimulationOptions.nodeIndex(of: name), m < state.nodeCount else { return false }
                return state.isLive(m) && state.votersReaching(m) >= majority
            }
            guard !candidates.isEmpty else { continue }
            count += 1
            if problems.isEmpty {
                problems.append(
                    "\(id) has leader \(partition.leader ?? "none") (version \(partition.version)) although ISR members "
                        + "\(candidates) are live and reachable from a majority of voters"
                )
            }
        }
        if count > 1 { problems.append("\(count) partitions in all are without a live leader") }
        return problems
    }
}
