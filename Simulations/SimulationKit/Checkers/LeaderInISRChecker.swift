import Gossip
import Partitions

/// (d) A partition's leader is always in its ISR, and the ISR within the replicas, in every node's table.
public final class LeaderInISRChecker: InvariantChecker {
    public let name = "leader-in-isr"
    private let names: [String]

    public init(names: [String]) { self.names = names }

    public func partitionChanged(
        viewer: Int,
        previous: PartitionSnapshot,
        current: PartitionState,
        at time: Int64
    ) -> String? {
        if let leader = current.leader, !current.isr.contains(leader) {
            return "\(names[viewer]) holds \(current.id) led by \(leader) outside its ISR \(current.isr)"
        }
        if !current.isr.allSatisfy(current.replicas.contains) {
            return "\(names[viewer]) holds \(current.id) with ISR \(current.isr) outside replicas \(current.replicas)"
        }
        return nil
    }

    public func check(_ state: SimulationState, reason: CheckpointReason) -> [String] {
        var problems: [String] = []
        for v in 0..<state.nodeCount {
            guard let node = state.node(v) else { continue }
            for partition in node.partitions.partitionStates.values {
                guard problems.count < 5 else { break }
                if let leader = partition.leader, !partition.isr.contains(leader) {
                    problems.append("\(state.names[v]) holds \(partition.id) led by \(leader) outside \(partition.isr)")
                } else if !partition.isr.allSatisfy(partition.replicas.contains) {
                    problems.append(
                        "\(state.names[v]) holds \(partition.id) with ISR \(partition.isr) outside \(partition.replicas)"
                    )
                }
            }
        }
        return problems
    }
}
