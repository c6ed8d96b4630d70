import Gossip
import Primitives
import Testing

@testable import Partitions

/// Topic configs, deletion and re-creation across a cluster of real `ClusterNode`s.
@Suite("Topic configs, deletion and re-creation")
struct TopicLifecycleTests {
    static let configs = ["retention.ms": "86400000", "cleanup.policy": "compact", "min.insync.replicas": "2"]

    /// 5 nodes, voters n1–n3, all brokers, with one controller everyone agrees on.
    static func electedCluster() -> NodeCluster {
        var cluster = NodeCluster(voters: ["n1", "n2", "n3"])
        cluster.startAll(count: 5)
        let elected = cluster.run(upTo: .seconds(30)) { c in
            let views = c.controllers()
            return views.count == 1 && views.first! != nil
        }
        #expect(elected != nil, "a controller should be elected and known everywhere")
        return cluster
    }

    /// Submits at `node` and waits for the answer; nil on success.
    static func request(_ request: ControllerRequest, at node: String, in cluster: inout NodeCluster) -> RequestFailure?
    {
        let key = cluster.submit(request, at: node)
        let answered = cluster.run(upTo: .seconds(5)) { $0.completion(of: key) != nil }
        #expect(answered != nil, "no answer to \(request)")
        return cluster.failures[key]
    }

    static func create(
        _ name: String,
        partitions: Int,
        configs: [String: String] = [:],
        at node: String = "n4",
        in cluster: inout NodeCluster,
        reaching nodes: [String]? = nil
    ) {
        let request = ControllerRequest.createTopic(
            name: name,
            partitions: partitions,
            replicationFactor: 3,
            configs: configs
        )
        let failure = Self.request(request, at: node, in: &cluster)
        #expect(failure == nil, "create \(name): \(String(describing: failure))")
        let spread = cluster.run(upTo: .seconds(10)) { c in
            (nodes ?? c.liveNames).allSatisfy { c.nodes[$0]!.partitions.partitions(topic: name).count == partitions }
        }
        #expect(spread != nil, "\(name)'s partitions should reach every node")
    }

    /// True when `node` has forgotten topic `name`: no definition, a tombstone, no partition in its table.
    static func hasDeleted(_ name: String, at node: String, in cluster: NodeCluster) -> Bool {
        let partitions = cluster.nodes[node]!.partitions
        return partitions.topics[name] == nil && partitions.deletedTopics[name]?.isDeleted == true
            && partitions.partitions(topic: name).isEmpty
            && !partitions.partitionStates.keys.contains { $0.topic == name }
    }

    @Test func configsOfANewTopicReachEveryNode() {
        var cluster = Self.electedCluster()
        Self.create("orders", partitions: 6, configs: Self.configs, in: &cluster)
        let everywhere = cluster.run(upTo: .seconds(10)) { c in
            c.liveNames.allSatisfy { c.nodes[$0]!.partitions.topics["orders"]?.configs == Self.configs }
        }
        #expect(everywhere != nil, "every node should hold the topic's configs")
        let definition = cluster.nodes["n5"]!.partitions.topics["orders"]
        #expect(definition?.incarnation == .original)
        #expect(definition?.isDeleted == false)
        #expect(cluster.tablesAgree())
    }

    @Test func aDeletionConvergesOnEveryNodeAndStays() {
        var cluster = Self.electedCluster()
        Self.create("t", partitions: 6, configs: Self.configs, in: &cluster)
        Self.create("kept", partitions: 2, in: &cluster)
        let keptBefore = cluster.nodes["n1"]!.partitions.partitions(topic: "kept")
        // Asked at a node that is not the controller, so the request is forwarded.
        let controller = cluster.controllers().first!!
        let asker = cluster.liveNames.first { $0 != controller }!
        #expect(Self.request(.deleteTopic(name: "t"), at: asker, in: &cluster) == nil)
        let converged = cluster.run(upTo: .seconds(10)) { c in
            c.liveNames.allSatisfy { Self.hasDeleted("t", at: $0, in: c) }
        }
        #expect(converged != nil, "every node should drop the deleted topic and its partitions")
        for node in cluster.liveNames {
            let reports = cluster.topicsDeleted[node, default: []].filter { $0.name == "t" }
            #expect(reports.count == 1, "\(node) should be told once that t was deleted, got \(reports)")
            #expect(reports.first?.incarnation == .original)
            #expect(reports.first?.partitionCount == 6)
            #expect(cluster.nodes[node]!.partitions.topics["kept"] != nil)
        }
        // Nothing brings the partitions back: controller passes, a broker's death and failover.
        let victim = keptBefore.compactMap(\.leader).first { $0 != controller && $0 != "n1" } ?? "n5"
        cluster.crash(victim)
        cluster.run(for: .seconds(30))
        for node in cluster.liveNames {
            #expect(Self.hasDeleted("t", at: node, in: cluster), "\(node) shows t again")
            #expect(cluster.nodes[node]!.partitions.partitions(topic: "kept").count == 2)
        }
        #expect(cluster.tablesAgree())
        #expect(cluster.overlaps.isEmpty)
    }

    @Test func aNodeCutOffDuringTheDeletionConvergesAfterHealing() {
        var cluster = Self.electedCluster()
        Self.create("t", partitions: 4, in: &cluster)
        let others = Set(cluster.liveNames).subtracting(["n5"])
        cluster.isolate(["n5"], from: others)
        #expect(Self.request(.deleteTopic(name: "t"), at: "n4", in: &cluster) == nil)
        let elsewhere = cluster.run(upTo: .seconds(10)) { c in
            others.allSatisfy { Self.hasDeleted("t", at: $0, in: c) }
        }
        #expect(elsewhere != nil)
        #expect(cluster.nodes["n5"]!.partitions.partitions(topic: "t").count == 4, "n5 heard nothing yet")
        #expect(cluster.topicsDeleted["n5"] == nil)
        cluster.cut = []
        let healed = cluster.run(upTo: .seconds(120)) { Self.hasDeleted("t", at: "n5", in: $0) }
        #expect(healed != nil, "n5 should learn of the deletion once it can reach the others")
        #expect(cluster.topicsDeleted["n5", default: []].map(\.name) == ["t"])
    }

    @Test func aDeletedTopicCanBeCreatedAgainAsANewIncarnation() {
        var cluster = Self.electedCluster()
        Self.create("t", partitions: 6, configs: Self.configs, in: &cluster)
        let old = cluster.nodes["n1"]!.partitions.partitions(topic: "t")
        #expect(Self.request(.deleteTopic(name: "t"), at: "n4", in: &cluster) == nil)
        let newConfigs = ["retention.ms": "1000"]
        Self.create("t", partitions: 3, configs: newConfigs, at: "n5", in: &cluster)
        let settled = cluster.run(upTo: .seconds(10)) { c in
            c.tablesAgree() && c.liveNames.allSatisfy { c.nodes[$0]!.partitions.topics["t"]?.configs == newConfigs }
        }
        #expect(settled != nil)
        for node in cluster.liveNames {
            let partitions = cluster.nodes[node]!.partitions
            let definition = partitions.topics["t"]!
            #expect(definition.incarnation != .original)
            #expect(partitions.deletedTopics["t"] == nil)
            let states = partitions.partitions(topic: "t")
            #expect(states.map(\.id.partition) == [0, 1, 2], "only the new topic's partitions")
            for state in states {
                #expect(state.topicIncarnation == definition.incarnation)
                let before = old[state.id.partition]
                #expect(state.version > before.version, "a re-created partition's version continues upwards")
                #expect(state.leaderEpoch > before.leaderEpoch)
            }
        }
        // Deleting the new incarnation reports it, not the old one.
        #expect(Self.request(.deleteTopic(name: "t"), at: "n4", in: &cluster) == nil)
        let deleted = cluster.run(upTo: .seconds(10)) { c in
            c.liveNames.allSatisfy { Self.hasDeleted("t", at: $0, in: c) }
        }
        #expect(deleted != nil)
        let reports = cluster.topicsDeleted["n2", default: []]
        #expect(reports.count == 2)
        #expect(reports.last?.incarnation != .original && reports.last?.partitionCount == 3)
    }

    @Test func aNodeAwayDuringDeletionAndRecreationSeesOnlyTheNewTopic() {
        var cluster = Self.electedCluster()
        Self.create("t", partitions: 6, in: &cluster)
        let others = Set(cluster.liveNames).subtracting(["n5"])
        cluster.isolate(["n5"], from: others)
        #expect(Self.request(.deleteTopic(name: "t"), at: "n4", in: &cluster) == nil)
        Self.create("t", partitions: 2, at: "n4", in: &cluster, reaching: others.sorted())
        let incarnation = cluster.nodes["n4"]!.partitions.topics["t"]!.incarnation
        #expect(incarnation != .original)
        cluster.cut = []
        let healed = cluster.run(upTo: .seconds(120)) { c in
            let n5 = c.nodes["n5"]!.partitions
            return n5.topics["t"]?.incarnation == incarnation && n5.partitions(topic: "t").count == 2
        }
        #expect(healed != nil, "n5 should converge on the new topic")
        let n5 = cluster.nodes["n5"]!.partitions
        #expect(n5.partitions(topic: "t").allSatisfy { $0.topicIncarnation == incarnation })
        // It never saw the tombstone (the new definition replaced it), yet it is told the topic it knew is gone.
        let reports = cluster.topicsDeleted["n5", default: []]
        #expect(reports.count == 1)
        #expect(reports.first?.incarnation == .original && reports.first?.partitionCount == 6)
        let settled = cluster.run(upTo: .seconds(10)) { $0.tablesAgree() }
        #expect(settled != nil)
    }

    @Test func refusalsCarryATypedReason() {
        var cluster = Self.electedCluster()
        let controller = cluster.controllers().first!!
        for node in [controller, "n5"] {
            let unknown = Self.request(.deleteTopic(name: "nope"), at: node, in: &cluster)
            #expect(unknown?.rejectionReason == .unknownTopic, "at \(node): \(String(describing: unknown))")
        }
        Self.create("t", partitions: 1, in: &cluster)
        let again = Self.request(.createTopic(name: "t", partitions: 1, replicationFactor: 1), at: "n5", in: &cluster)
        #expect(again?.rejectionReason == .topicAlreadyExists)
        #expect(again?.description == "topic t already exists")
        #expect(Self.request(.deleteTopic(name: "t"), at: "n5", in: &cluster) == nil)
        let twice = Self.request(.deleteTopic(name: "t"), at: "n5", in: &cluster)
        #expect(twice?.rejectionReason == .unknownTopic, "a deleted topic is unknown")
        let cases: [(ControllerRequest, RejectionReason)] = [
            (.createTopic(name: "bad name", partitions: 1, replicationFactor: 1), .invalidTopicName),
            (.createTopic(name: "u", partitions: 0, replicationFactor: 1), .invalidPartitions),
            (.createTopic(name: "u", partitions: 1, replicationFactor: 0), .invalidReplicationFactor),
            (.createTopic(name: "u", partitions: 1, replicationFactor: 9), .invalidReplicationFactor),
            (.createTopic(name: "u", partitions: 1, replicationFactor: 1, configs: ["": "x"]), .invalidConfig),
            (
                .createTopic(
                    name: "u",
                    partitions: 1,
                    replicationFactor: 1,
                    configs: ["a": String(repeating: "x", count: 2_000)]
                ), .invalidConfig
            ),
        ]
        for (request, reason) in cases {
            for node in [controller, "n5"] {
                let failure = Self.request(request, at: node, in: &cluster)
                #expect(failure?.rejectionReason == reason, "\(request) at \(node): \(String(describing: failure))")
                #expect(failure?.isUnavailable == false)
            }
        }
        #expect(cluster.nodes[controller]!.partitions.topics["u"] == nil)
    }

    /// A data dir's tombstones are reported again at start, so a broker that crashed mid-cleanup finishes it.
    @Test func restoredTombstonesAreReportedAtStart() {
        let tombstone = TopicDefinition(
            name: "gone",
            partitionCount: 3,
            replicationFactor: 1,
            controllerEpoch: 2,
            sequence: 1,
            isDeleted: true
        )
        let live = TopicDefinition(name: "kept", partitionCount: 1, replicationFactor: 1, controllerEpoch: 2)
        let stale = PartitionState(
            id: PartitionID(topic: "gone", partition: 0),
            replicas: ["n1"],
            leader: "n1",
            leaderEpoch: LeaderEpoch(term: 2, number: 1),
            isr: ["n1"],
            controllerEpoch: 2,
            partitionEpoch: 1
        )
        var saved = ClusterState()
        saved.merge(StateEntry(key: StateKeys.topic("gone"), version: tombstone.version, value: tombstone.encoded()))
        saved.merge(StateEntry(key: StateKeys.topic("kept"), version: live.version, value: live.encoded()))
        saved.merge(StateEntry(key: stale.stateKey, version: stale.version, value: stale.encoded()))
        var gossip = SWIMInstance(
            name: "n1",
            address: NodeCluster.address(of: "n1"),
            metadata: NodeMetadata(roles: ["broker"], tags: [:]),
            configuration: .lan,
            seed: 1
        )
        gossip.restoreState(saved)
        var node = ClusterNode(
            gossip: gossip,
            partitions: PartitionsInstance(
                name: "n1",
                metadata: NodeMetadata(roles: ["broker"], tags: [:]),
                configuration: PartitionsConfiguration(voters: ["n1"]),
                seed: 2,
                now: Timestamp(nanoseconds: 0)
            )
        )
        let directives = node.start(seeds: [], now: Timestamp(nanoseconds: 0))
        let reported = directives.compactMap { directive -> TopicDefinition? in
            if case .topicDeleted(let topic) = directive { return topic }
            return nil
        }
        #expect(reported == [tombstone])
        #expect(node.partitions.topics.keys.sorted() == ["kept"])
        #expect(node.partitions.deletedTopics["gone"] == tombstone)
        #expect(node.partitions.partitions(topic: "gone").isEmpty, "restored before its tombstone, yet hidden")
    }
}
