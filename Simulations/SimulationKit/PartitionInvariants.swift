import Gossip
import Partitions

/// The newest version of a partition's state anywhere in the cluster, and since when it exists.
public struct NewestVersion: Sendable, Equatable {
    public var version: StateVersion
    /// Virtual ns.
    public var since: Int64
}

extension SimulationState {
    /// Per partition, the newest state any live node holds (of topics not deleted).
    func newestLiveStates() -> [PartitionID: PartitionState] {
        var newest: [PartitionID: PartitionState] = [:]
        for v in 0..<nodeCount where isLive(v) {
            guard let node = node(v) else { continue }
            for (id, state) in node.partitions.partitionStates {
                if let known = newest[id], known.version >= state.version { continue }
                newest[id] = state
            }
        }
        return withoutDeletedTopics(newest)
    }
}

/// (a) At most one node acts as controller at any virtual instant, each judged by its own clock.
public final class SingleControllerChecker: InvariantChecker {
    public let name = "single-controller"
    private let names: [String]

    public init(names: [String]) { self.names = names }

    public func controllerStartedActing(
        node: Int,
        epoch: UInt64,
        acting: [(node: Int, epoch: UInt64)],
        at time: Int64
    ) -> [String] {
        guard acting.count > 1 else { return [] }
        let list = acting.map { "\(names[$0.node]) (epoch \($0.epoch))" }.joined(separator: ", ")
        return ["\(acting.count) nodes act as controller at once: \(list); \(names[node]) just started"]
    }
}

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

/// (e) After the faults heal (plus the settle bound), every live node holds the same partition table and knows the
/// same controller (when a majority of voters is up). A node may lag only on versions younger than `inFlight`.
public final class PartitionConvergenceChecker: InvariantChecker {
    public let name = "partition-convergence"
    public var needsSettling: Bool { true }
    /// Versions younger than this (virtual ns) may still be spreading.
    private let inFlight: Int64

    public init(inFlightSeconds: Double = 10) { inFlight = Int64(inFlightSeconds * 1e9) }

    public func check(_ state: SimulationState, reason: CheckpointReason) -> [String] {
        var problems: [String] = []
        let newest = state.newestLiveStates()
        var lagging = 0
        var example: String?
        for v in 0..<state.nodeCount where state.isLive(v) {
            guard let node = state.node(v) else { continue }
            let table = node.partitions.partitionStates
            for (id, best) in newest {
                let mine = table[id]
                if mine == best { continue }
                if let mine, mine.version == best.version {
                    problems.append("\(state.names[v]) holds \(id) version \(mine.version) with different content")
                    continue
                }
                let age = state.newestPartitionSince[id].map {
                    $0.version == best.version ? state.time - $0.since : .max
                }
                if (age ?? .max) < inFlight { continue }
                lagging += 1
                if example == nil {
                    example =
                        "\(state.names[v]) holds \(id) at \(mine.map { "\($0.version)" } ?? "nothing"), newest is \(best.version)"
                }
            }
        }
        if lagging > 0 { problems.append("partition tables differ: \(lagging) stale entries; e.g. \(example!)") }
        if state.votersHaveMajority {
            var views: [String: Int] = [:]
            for v in 0..<state.nodeCount where state.isLive(v) {
                guard let node = state.node(v) else { continue }
                let view = node.controllerView(at: state.localTime(v))
                views[view.controller.map { "\($0)" } ?? "none", default: 0] += 1
            }
            if views.count != 1 || views["none"] != nil {
                let list = views.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
                problems.append("live nodes do not agree on one controller: \(list)")
            }
        }
        return Array(problems.prefix(5))
    }
}

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
