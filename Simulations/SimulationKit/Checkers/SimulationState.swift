import Gossip
import Partitions
import Primitives

/// What an invariant checker may read at a checkpoint. Hold it only for the duration of the call.
public struct SimulationState {
    /// Virtual nanoseconds since the start.
    public let time: Int64
    public let names: [String]
    let nodes: [ClusterNode]
    let up: [Bool]
    let leaving: [Bool]
    let localTimes: [Int64]
    let network: NetworkModel
    /// Indices of the controller voters.
    public let voters: [Int]
    /// Per partition: its newest version anywhere and since when (virtual ns) it exists.
    public let newestPartitionSince: [PartitionID: NewestVersion]

    public var nodeCount: Int { names.count }

    /// Running (booted, not crashed, not stopped).
    public func isUp(_ node: Int) -> Bool { up[node] }
    /// Up and not leaving: a node everyone should see alive.
    public func isLive(_ node: Int) -> Bool { up[node] && !leaving[node] }
    /// The node's current SWIM instance, nil when it is down.
    public func instance(_ node: Int) -> SWIMInstance? { up[node] ? nodes[node].gossip : nil }
    /// The node's whole state machine (gossip and partitions), nil when it is down.
    public func node(_ node: Int) -> ClusterNode? { up[node] ? nodes[node] : nil }
    /// The node's own clock now.
    public func localTime(_ node: Int) -> Timestamp { Timestamp(nanoseconds: localTimes[node]) }
    /// Whether datagrams from `a` reach `b` right now (partitions, one-way blocks, cut links).
    public func canSend(_ a: Int, _ b: Int) -> Bool { network.canSend(a, b) }
    /// Live voters that can talk to `node` both ways (a voter counts itself).
    public func votersReaching(_ node: Int) -> Int {
        voters.filter { v in isLive(v) && (v == node || (canSend(v, node) && canSend(node, v))) }.count
    }
    /// Whether a majority of the voters is live and can talk among itself.
    public var votersHaveMajority: Bool {
        let majority = voters.count / 2 + 1
        return voters.contains { v in
            isLive(v)
                && voters.filter { w in isLive(w) && (w == v || (canSend(v, w) && canSend(w, v))) }.count
                    >= majority
        }
    }
}

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
