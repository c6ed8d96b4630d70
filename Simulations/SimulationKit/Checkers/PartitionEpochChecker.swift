import Gossip
import Partitions

/// (c) In every node's table, a partition's version and leader epoch only grow, a version never changes its content,
/// and a new leader comes with a new leader epoch.
public final class PartitionEpochChecker: InvariantChecker {
    public let name = "partition-epochs"
    private let names: [String]

    public init(names: [String]) { self.names = names }

    public func partitionChanged(
        viewer: Int,
        previous: PartitionSnapshot,
        current: PartitionState,
        at time: Int64
    ) -> String? {
        guard !previous.isUnseen else { return nil }
        let id = current.id
        if current.version < previous.version {
            return "\(names[viewer]) moved \(id) back from version \(previous.version) to \(current.version)"
        }
        if current.version == previous.version {
            // The engine reports only changes: the same version now holds other content (leader, epochs or ISR).
            return "\(names[viewer]) holds \(id) version \(current.version) with two contents (now leader "
                + "\(current.leader ?? "none"), ISR \(current.isr))"
        }
        if current.leaderEpoch < previous.leaderEpoch {
            return
                "\(names[viewer]) moved \(id) back from leader epoch \(previous.leaderEpoch) to \(current.leaderEpoch)"
        }
        let leader = current.leader.flatMap(SimulationOptions.nodeIndex(of:)).map(Int32.init) ?? -1
        if leader != previous.leader, current.leaderEpoch == previous.leaderEpoch {
            let before = previous.leader >= 0 ? names[Int(previous.leader)] : "none"
            return "\(names[viewer]) saw \(id) change leader \(before) → \(current.leader ?? "none") "
                + "without a new leader epoch (\(current.leaderEpoch), version \(current.version))"
        }
        return nil
    }
}
