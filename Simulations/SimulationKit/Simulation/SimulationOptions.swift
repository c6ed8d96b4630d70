import Foundation
import Gossip
import Partitions
import Primitives
import Sealing

/// How to run one simulation.
public struct SimulationOptions: Sendable {
    public var nodes: Int
    /// Virtual seconds.
    public var duration: Double
    public var seed: UInt64
    /// `lan`, `local` or `wan`.
    public var profile: String
    public var scenario: Scenario
    /// Nodes 1..<N start at random moments in (0, stagger]; nil: N × 2 ms, at most 2 s.
    public var stagger: Double?
    /// Where to write the full event log, if anywhere.
    public var traceURL: URL?
    /// How to replay this run from the command line (for violation messages).
    public var replayCommand: String?
    /// Makes extra checkers (besides the built-in ones) for a run of the given node count.
    public var extraCheckers: @Sendable (Int) -> [any InvariantChecker]
    /// Called now and then with the fraction of virtual time done.
    public var progress: (@Sendable (Double) -> Void)?
    /// Topics created during the run through `ClusterNode.submit(.createTopic…)`.
    public var topics: [TopicSpec]
    /// Deliberately changes every node's configuration, to show that the checkers catch a broken protocol; the
    /// settle bound and the false-positive grace still come from the profile.
    public var misconfigure: (@Sendable (inout GossipConfiguration, inout PartitionsConfiguration) -> Void)?

    public init(
        nodes: Int,
        duration: Double,
        seed: UInt64,
        profile: String = "lan",
        scenario: Scenario,
        stagger: Double? = nil,
        traceURL: URL? = nil,
        replayCommand: String? = nil,
        extraCheckers: @escaping @Sendable (Int) -> [any InvariantChecker] = { _ in [] },
        progress: (@Sendable (Double) -> Void)? = nil,
        topics: [TopicSpec]? = nil,
        misconfigure: (@Sendable (inout GossipConfiguration, inout PartitionsConfiguration) -> Void)? = nil
    ) {
        self.nodes = nodes
        self.duration = duration
        self.seed = seed
        self.profile = profile
        self.scenario = scenario
        self.stagger = stagger
        self.traceURL = traceURL
        self.replayCommand = replayCommand
        self.extraCheckers = extraCheckers
        self.progress = progress
        self.topics = topics ?? Self.defaultTopics(nodes: nodes, partitions: Self.defaultPartitions)
        self.misconfigure = misconfigure
    }

    /// Partitions of the default topic `t`.
    public static let defaultPartitions = 12

    /// One topic `t` with `partitions` partitions and replication factor 3 (or N if smaller), created after join
    /// convergence at the last node; none for 0 partitions.
    public static func defaultTopics(nodes: Int, partitions: Int) -> [TopicSpec] {
        partitions > 0 ? [TopicSpec(name: "t", partitions: partitions, replicationFactor: min(3, nodes))] : []
    }

    /// Controller voters: the first 3 nodes, or the first 5 from 50 nodes on.
    public static func voterCount(nodes: Int) -> Int { min(nodes, nodes >= 50 ? 5 : 3) }

    /// Node `i`'s name in a run of `nodes`: `n` and the zero-padded index.
    public static func nodeName(_ i: Int, nodes: Int) -> String {
        let width = max(2, String(max(0, nodes - 1)).count)
        let digits = String(i)
        return "n" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The index in a node's name (`n07` → 7): the inverse of `nodeName`, nil for anything else. Hot in large runs
    /// (every membership change), so it reads the bytes directly.
    @inline(__always)
    public static func nodeIndex(of name: String) -> Int? {
        var utf8 = name.utf8.makeIterator()
        guard utf8.next() == UInt8(ascii: "n") else { return nil }
        var value = 0
        var digits = 0
        while let byte = utf8.next() {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 18 else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// The index of one of the nodes of a run of `nodes` by name; nil for any other name.
    @inline(__always)
    static func nodeIndex(of name: String, nodes n: Int) -> Int? {
        guard let index = nodeIndex(of: name), index < n else { return nil }
        return index
    }

    /// The partitions configuration every simulated node gets (default timings).
    public static func partitionsConfiguration(nodes: Int) -> PartitionsConfiguration {
        PartitionsConfiguration(voters: (0..<voterCount(nodes: nodes)).map { nodeName($0, nodes: nodes) })
    }

    /// The gossip configuration for a profile, with the sealing overhead accounted for.
    public static func configuration(profile: String) -> GossipConfiguration? {
        guard var config = GossipConfiguration.profile(named: profile) else { return nil }
        config.sealingOverhead = Sealer.overhead
        return config
    }

    /// The longest suspicion timeout for a cluster of `nodes` (Lifeguard's maximum, as the core computes it), seconds.
    public static func maxSuspicion(_ config: GossipConfiguration, nodes: Int) -> Double {
        config.maximumSuspicionTimeout(memberCount: nodes).seconds
    }

    /// How long after the last fault the views must have converged: a full suspicion, three reconnect rounds and
    /// ten probe intervals.
    public static func settleBound(profile: String, nodes: Int) -> Double {
        guard let config = configuration(profile: profile) else { return 120 }
        return maxSuspicion(config, nodes: nodes) + 3 * config.reconnectInterval.seconds
            + 10 * config.probeInterval.seconds
    }
}
