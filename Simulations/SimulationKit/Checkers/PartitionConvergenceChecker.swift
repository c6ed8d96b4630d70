import Gossip
import Partitions

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
