import Gossip
import Testing

@testable import Partitions

/// The commit rule on whole clusters: partition-state changes take effect only once a majority of voters stored
/// them, in batches, and a new controller starts from the newest states a majority stored.
@Suite("Committing partition states")
struct StateCommitTests {
    static let voters = ["n1", "n2", "n3"]
    static let brokers = ["n4", "n5", "n6"]
    static let id = PartitionID(topic: "t", partition: 0)

    /// Voters n1..n3 hold no data; brokers n4..n6 do (nobody rejoins an ISR without replication saying so).
    static func cluster(commits: Bool = true, partitions: Int = 1) -> NodeCluster {
        var cluster = NodeCluster(voters: voters) { configuration in
            configuration.commitsThroughVoters = commits
            configuration.rejoinsISRWithoutData = false
            configuration.preferredLeaderDelay = nil
        }
        cluster.start("n1", seeds: [], roles: ["controller"])
        for name in ["n2", "n3"] { cluster.start(name, seeds: ["n1"], roles: ["controller"]) }
        for name in brokers { cluster.start(name, seeds: ["n1"]) }
        let elected = cluster.run(upTo: .seconds(30)) { c in
            let views = c.controllers()
            return views.count == 1 && views.first! != nil
        }
        #expect(elected != nil, "a controller should be elected and known everywhere")
        ControllerTests.createTopic(&cluster, partitions: partitions, rf: 3)
        return cluster
    }

    static func table(_ cluster: NodeCluster, at node: String) -> PartitionState? {
        cluster.nodes[node]!.partitions.partitionStates[id]
    }

    /// The isolated-controller case. Leader L asks controller C to shrink the ISR to L alone; the moment the
    /// shrink takes effect at C, C and L are cut off from everyone. L acts on that ISR (it would acknowledge writes
    /// only it holds). The majority elects a successor, which never heard the shrink through gossip and must still
    /// not make a replica outside {L} the leader. Returns every leader the majority's nodes showed afterwards.
    static func isolateAfterAShrink(
        commits: Bool
    ) -> (leaders: Set<String?>, cluster: NodeCluster, leader: String, majority: Set<String>) {
        var cluster = cluster(commits: commits)
        let controller = cluster.actingControllers().first!
        let before = table(cluster, at: "n4")!
        let leader = before.leader!
        let key = cluster.alterPartition(id, isr: [leader], at: leader)
        var shrunk = false
        for _ in 0..<2_000 where !shrunk {
            cluster.run(for: .milliseconds(1))
            shrunk = table(cluster, at: controller)?.isr == [leader]
        }
        #expect(shrunk, "the controller should accept the shrink")
        let cutOff: Set<String> = [controller, leader]
        let majority = Set(voters + brokers).subtracting(cutOff)
        cluster.isolate(cutOff, from: majority)
        cluster.run(upTo: .seconds(2)) { table($0, at: leader)?.isr == [leader] }
        #expect(table(cluster, at: leader)?.isr == [leader], "the leader acts on the ISR of itself alone")
        #expect(cluster.completion(of: key) == .some(nil) || !commits)
        var leaders: Set<String?> = []
        var newController: String?
        for _ in 0..<600 {
            cluster.run(for: .milliseconds(100))
            for node in majority.sorted() { leaders.insert(table(cluster, at: node)?.leader) }
            newController = cluster.actingControllers().first { majority.contains($0) } ?? newController
        }
        #expect(newController != nil, "the majority elects a successor")
        #expect(cluster.overlaps.isEmpty)
        return (leaders, cluster, leader, majority)
    }

    @Test func theSuccessorOfAnIsolatedControllerNeverElectsOutsideTheCommittedISR() {
        let (leaders, cluster, leader, majority) = Self.isolateAfterAShrink(commits: true)
        let outside = leaders.compactMap { $0 }.filter { $0 != leader }
        #expect(outside.isEmpty, "a replica without the leader's acknowledged writes was elected: \(outside)")
        // The successor learned the shrink from the voters: on the majority's side the partition is offline with
        // the ISR {L}, waiting for L to come back.
        for node in majority.sorted() {
            let state = Self.table(cluster, at: node)
            #expect(state?.isr == [leader], "\(node): \(String(describing: state))")
            #expect(state?.leader == nil, "\(node): \(String(describing: state))")
        }
    }

    /// The same scenario without the rule loses the change: the successor elects a replica outside {L}. This is
    /// what shows the test above can fail.
    @Test func withoutTheRuleTheSuccessorElectsAReplicaOutsideTheISR() {
        let (leaders, _, leader, _) = Self.isolateAfterAShrink(commits: false)
        let outside = leaders.compactMap { $0 }.filter { $0 != leader }
        #expect(!outside.isEmpty, "without the commit rule the successor should elect outside {\(leader)}")
    }

    /// A topic's partitions are stored by the voters in a few batches, not one round trip per partition, and take
    /// effect only once a majority stored them.
    @Test func changesAreCommittedInBatches() {
        let partitions = 24
        let cluster = Self.cluster(partitions: partitions)
        let controller = cluster.actingControllers().first!
        let states = cluster.nodes["n4"]!.partitions.partitions(topic: "t")
        #expect(states.count == partitions)
        for voter in Self.voters where voter != controller {
            let batches = cluster.controlMessages.filter { sent in
                if case .storeStates = sent.message { return sent.from == controller && sent.to == voter }
                return false
            }
            let carried = batches.reduce(0) { count, sent in
                if case .storeStates(_, _, _, _, let states) = sent.message { return count + states.count }
                return count
            }
            #expect(carried >= partitions, "\(voter) stored every partition")
            #expect(batches.count <= 8, "\(voter) got \(batches.count) batches for \(partitions) partitions")
            let stored = cluster.voterRecords[voter]?.states ?? [:]
            for state in states { #expect(stored[state.id].map { $0.version >= state.version } ?? false) }
        }
    }

    /// With both other voters' disks stalled, nothing the controller changes takes effect; once they write again,
    /// the changes are stored, committed and published.
    @Test func nothingTakesEffectBeforeAMajorityStoredIt() {
        var cluster = NodeCluster(voters: Self.voters)
        cluster.startAll(count: 5)
        cluster.run(upTo: .seconds(30)) { c in c.controllers().count == 1 && c.controllers().first! != nil }
        let controller = cluster.actingControllers().first!
        cluster.stalledDisks = Set(Self.voters).subtracting([controller])
        let key = cluster.submit(.createTopic(name: "t", partitions: 3, replicationFactor: 3), at: controller)
        cluster.run(for: .seconds(1))
        #expect(cluster.completion(of: key) == .some(nil), "the definition itself is not a partition state")
        for node in cluster.liveNames {
            #expect(cluster.nodes[node]!.partitions.partitions(topic: "t").isEmpty, "\(node) shows uncommitted states")
        }
        cluster.stalledDisks = []
        let spread = cluster.run(upTo: .seconds(5)) { c in
            c.liveNames.allSatisfy { c.nodes[$0]!.partitions.partitions(topic: "t").count == 3 }
        }
        #expect(spread != nil, "once the voters write again the partitions are committed and spread")
    }

    /// Every voter restarts at once, keeping only its voter record: the new controller's epoch is above every epoch
    /// granted before (the records keep the granted epochs), and it gathers the stored states, several pages each.
    @Test func votersRestartingTogetherKeepTheirEpochsAndStates() {
        var cluster = Self.cluster(partitions: 24)
        let before = cluster.nodes[cluster.actingControllers().first!]!.partitions.controllerEpoch
        let table = cluster.nodes["n4"]!.partitions.partitions(topic: "t")
        for voter in Self.voters { cluster.crash(voter) }
        cluster.run(for: .milliseconds(500))
        for voter in Self.voters { cluster.start(voter, seeds: ["n4"], roles: ["controller"]) }
        let elected = cluster.run(upTo: .seconds(30)) { c in !c.actingControllers().isEmpty }
        #expect(elected != nil)
        let controller = cluster.actingControllers().first!
        #expect(cluster.nodes[controller]!.partitions.controllerEpoch > before)
        let known = cluster.run(upTo: .seconds(10)) { c in
            c.nodes[controller]!.partitions.partitions(topic: "t").count == table.count
        }
        #expect(known != nil)
        #expect(cluster.overlaps.isEmpty)
        let pages = cluster.controlMessages.compactMap { sent -> UInt32? in
            if case .grantedStates(_, let candidate, _, _, _, let count, _) = sent.message, candidate == controller {
                return count
            }
            return nil
        }
        #expect(pages.contains { $0 > 1 }, "the voters' stored states came in several pages: \(pages)")
    }
}
