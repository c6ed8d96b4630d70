import Gossip
import Partitions

/// (b) Controller epochs only grow (a node's successive terms, the announced epochs each node accepts) and each
/// epoch has at most one owner.
public final class ControllerEpochChecker: InvariantChecker {
    public let name = "controller-epochs"
    private let names: [String]
    private var owner: [UInt64: Int] = [:]
    private var lastTerm: [UInt64]
    private var lastAnnounced: [UInt64]

    public init(names: [String]) {
        self.names = names
        lastTerm = [UInt64](repeating: 0, count: names.count)
        lastAnnounced = [UInt64](repeating: 0, count: names.count)
    }

    public func nodeBooted(_ node: Int, at time: Int64) {
        lastTerm[node] = 0
        lastAnnounced[node] = 0
    }

    public func controllerStartedActing(
        node: Int,
        epoch: UInt64,
        acting: [(node: Int, epoch: UInt64)],
        at time: Int64
    ) -> [String] {
        var problems: [String] = []
        if let known = owner[epoch], known != node {
            problems.append("controller epoch \(epoch) has two owners: \(names[known]) and \(names[node])")
        } else {
            owner[epoch] = node
        }
        if epoch < lastTerm[node] {
            problems.append("\(names[node]) acts under epoch \(epoch) after acting under \(lastTerm[node])")
        }
        lastTerm[node] = max(lastTerm[node], epoch)
        return problems
    }

    public func controllerViewChanged(viewer: Int, view: ControllerView, at time: Int64) -> String? {
        guard let controller = view.controller, controller != names[viewer] else { return nil }
        var problem: String?
        if view.epoch < lastAnnounced[viewer] {
            problem =
                "\(names[viewer]) went back from announced epoch \(lastAnnounced[viewer]) to \(view.epoch) (\(controller))"
        }
        lastAnnounced[viewer] = max(lastAnnounced[viewer], view.epoch)
        if let index = SimulationOptions.nodeIndex(of: controller) {
            if let known = owner[view.epoch], known != index {
                problem =
                    "\(names[viewer]) sees \(controller) as controller of epoch \(view.epoch), which \(names[known]) owns"
            } else if owner[view.epoch] == nil {
                owner[view.epoch] = index
            }
        }
        return problem
    }
}
