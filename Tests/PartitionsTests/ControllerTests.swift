import Gossip
import Testing

@testable import Partitions

@Suite("Controller election and failover")
struct ControllerTests {
    static let voters = ["n1", "n2", "n3"]

    /// 5 nodes, 3 voters, all brokers; waits for one agreed controller.
    static func electedCluster(
        count: Int = 5,
        configure: (inout PartitionsConfiguration) -> Void = { _ in }
    ) -> NodeCluster {
        var cluster = NodeCluster(voters: voters, configure: configure)
        cluster.startAll(count: count)
        let elected = cluster.run(upTo: .seconds(30)) { c in
            let views = c.controllers()
            return views.count == 1 && views.first! != nil
        }
        #expect(elected != nil, "a controller should be elected and known everywhere")
        return cluster
    }

    static func createTopic(
        _ cluster: inout NodeCluster,
        name: String = "t",
        partitions: Int = 6,
        rf: Int = 3,
        at node: String = "n4"
    ) {
        let id = cluster.submit(.createTopic(name: name, partitions: partitions, replicationFactor: rf), at: node)
        cluster.run(upTo: .seconds(5)) { $0.completion(of: id) != nil }
        #expect(
            cluster.completion(of: id) == .some(nil),
            "create topic: \(String(describing: cluster.completion(of: id)))"
        )
        let spread = cluster.run(upTo: .seconds(10)) { c in
            c.tablesAgree() && c.nodes["n1"]!.partitions.partitions(topic: name).count == partitions
        }
        #expect(spread != nil, "the new topic's partitions should reach every node")
    }

    @Test func exactlyOneControllerIsElectedWithAPositiveEpoch() {
        var cluster = Self.electedCluster()
        let controller = cluster.controllers().first!!
        #expect(Self.voters.contains(controller))
        #expect(cluster.nodes[controller]!.partitions.controllerEpoch >= 1)
        cluster.run(for: .seconds(20))
        #expect(cluster.controllers() == [controller], "a healthy controller keeps renewing its lease")
        #expect(cluster.overlaps.isEmpty)
    }

    @Test func killingALeaderMovesLeadershipToAnInSyncReplicaWithAHigherEpoch() {
        var cluster = Self.electedCluster()
        Self.createTopic(&cluster)
        let controller = cluster.controllers().first!!
        let before = cluster.nodes["n1"]!.partitions.partitions(topic: "t")
        // Kill a broker that leads something and is not the controller.
        let victim = before.compactMap(\.leader).first { $0 != controller }!
        cluster.crash(victim)
        let failedOver = cluster.run(upTo: .seconds(40)) { c in
            c.tablesAgree()
                && c.nodes[c.liveNames[0]]!.partitions.partitions(topic: "t").allSatisfy {
                    $0.leader != victim && !$0.isr.contains(victim)
                }
        }
        #expect(failedOver != nil, "every survivor should see new leaders without the dead broker")
        let after = cluster.nodes[cluster.liveNames[0]]!.partitions.partitions(topic: "t")
        for (old, new) in zip(before, after) where old.leader == victim {
            #expect(new.leader != nil)
            #expect(old.isr.contains(new.leader!), "the new leader comes from the old ISR")
            #expect(new.leaderEpoch > old.leaderEpoch)
            #expect(new.isr.contains(new.leader!))
        }
        #expect(cluster.overlaps.isEmpty)
    }

    @Test func killingTheControllerElectsAnotherWithAHigherEpoch() {
        var cluster = Self.electedCluster()
        Self.createTopic(&cluster)
        let controller = cluster.controllers().first!!
        let epoch = cluster.nodes[controller]!.partitions.controllerEpoch
        let before = cluster.nodes[controller]!.partitions.partitions(topic: "t")
        cluster.crash(controller)
        let replaced = cluster.run(upTo: .seconds(40)) { c in
            let views = c.controllers()
            return views.count == 1 && views.first! != nil && views.first! != controller
        }
        #expect(replaced != nil)
        let successor = cluster.controllers().first!!
        #expect(cluster.nodes[successor]!.partitions.controllerEpoch > epoch)
        // The new controller also fails over the partitions the old one led.
        let healed = cluster.run(upTo: .seconds(20)) { c in
            c.tablesAgree()
                && c.nodes[successor]!.partitions.partitions().allSatisfy {
                    $0.leader != controller && !$0.isr.contains(controller)
                }
        }
        #expect(healed != nil)
        // A partition where the old controller only followed keeps its leader and loses a follower; that change
        // still starts a leader epoch under the successor's term, so whatever the old controller published last,
        // and nobody heard, ranks below it.
        let newEpoch = cluster.nodes[successor]!.partitions.controllerEpoch
        let after = cluster.nodes[successor]!.partitions.partitions(topic: "t")
        let followed = zip(before, after).filter { old, _ in old.leader != controller && old.isr.contains(controller) }
        #expect(!followed.isEmpty)
        for (old, new) in followed {
            #expect(new.leader == old.leader)
            #expect(new.leaderEpoch.term == newEpoch && new.leaderEpoch > old.leaderEpoch)
        }
        #expect(cluster.overlaps.isEmpty)
    }

    @Test func controllerCutOffInAMinorityStopsAndTheMajorityElectsAnother() {
        var cluster = Self.electedCluster()
        let controller = cluster.controllers().first!!
        let epoch = cluster.nodes[controller]!.partitions.controllerEpoch
        let minority: Set = [controller]
        cluster.isolate(minority, from: Set(cluster.liveNames).subtracting(minority))
        let majorityElected = cluster.run(upTo: .seconds(40)) { c in
            c.actingControllers().contains { $0 != controller }
        }
        #expect(majorityElected != nil)
        #expect(!cluster.nodes[controller]!.partitions.isActingController(at: cluster.localTime(of: controller)))
        let successor = cluster.actingControllers().first!
        #expect(cluster.nodes[successor]!.partitions.controllerEpoch > epoch)
        #expect(cluster.overlaps.isEmpty, "two controllers acted at once: \(cluster.overlaps.prefix(3))")
        cluster.cut.removeAll()
        let merged = cluster.run(upTo: .seconds(60)) { c in c.controllers() == [successor] }
        #expect(merged != nil)
    }

    @Test func clockDriftWithinTheBoundNeverGivesTwoControllers() throws {
        // 9 % rate difference against a 10 % bound (drift bound 200 ms over a 2 s lease).
        var cluster = NodeCluster(voters: Self.voters)
        cluster.drift = ["n1": 0.045, "n2": -0.045, "n3": 0.0]
        cluster.startAll(count: 5)
        cluster.run(upTo: .seconds(30)) { $0.actingControllers().count == 1 }
        var takeovers = 0
        for round in 0..<4 {
            let controller = try #require(cluster.actingControllers().first, "round \(round): nobody acts")
            // Cut the controller off, let another take over, then heal.
            cluster.isolate([controller], from: Set(cluster.liveNames).subtracting([controller]))
            let replaced = cluster.run(upTo: .seconds(20)) { c in
                c.actingControllers().contains { $0 != controller }
            }
            if replaced != nil { takeovers += 1 }
            cluster.cut.removeAll()
            cluster.run(for: .seconds(Int64(4 + round)))
        }
        // Every round hands the lease from one drifting clock to another; otherwise nothing was tested.
        #expect(takeovers == 4)
        #expect(cluster.overlaps.isEmpty, "two controllers acted at once: \(cluster.overlaps.prefix(3))")
    }

    /// Voters n1–n3 without the broker role and brokers n4–n6, so every replica is a non-voter and crashing
    /// replicas never touches the controller quorum.
    static func clusterWithSeparateBrokers(configure: (inout PartitionsConfiguration) -> Void = { _ in }) -> NodeCluster
    {
        var cluster = NodeCluster(voters: voters, configure: configure)
        cluster.start("n1", seeds: [], roles: ["controller"])
        for i in 2...3 { cluster.start("n\(i)", seeds: ["n1"], roles: ["controller"]) }
        for i in 4...6 { cluster.start("n\(i)", seeds: ["n1"]) }
        let elected = cluster.run(upTo: .seconds(30)) { c in
            let views = c.controllers()
            return views.count == 1 && views.first! != nil
        }
        #expect(elected != nil, "a controller should be elected and known everywhere")
        return cluster
    }

    @Test func aPartitionWhoseOnlyReplicaDiesGoesOfflineAndComesBackWithIt() throws {
        var cluster = Self.clusterWithSeparateBrokers()
        Self.createTopic(&cluster, name: "one", partitions: 1, rf: 1)
        let only = try #require(cluster.nodes["n1"]!.partitions.partitions(topic: "one").first)
        let replica = only.replicas[0]
        #expect(!Self.voters.contains(replica))
        cluster.crash(replica)
        let offline = cluster.run(upTo: .seconds(40)) { c in
            c.nodes["n1"]!.partitions.partitions(topic: "one")[0].isOffline
        }
        #expect(offline != nil, "a partition whose only in-sync replica died goes offline")
        // Offline keeps the last ISR, so the returning replica may lead without losing data.
        #expect(cluster.nodes["n1"]!.partitions.partitions(topic: "one")[0].isr == [replica])
        cluster.start(replica, seeds: ["n1"])
        let back = cluster.run(upTo: .seconds(40)) { c in
            c.nodes["n1"]!.partitions.partitions(topic: "one")[0].leader == replica
        }
        #expect(back != nil, "the returning in-sync replica leads again")
        #expect(cluster.overlaps.isEmpty)
    }

    /// Replicas a, b: b dies and leaves the ISR, then a dies, then b comes back. Only unclean election lets the
    /// out-of-sync b lead; otherwise the partition stays offline until a returns.
    @Test(arguments: [false, true])
    func anOutOfSyncReplicaLeadsOnlyWithUncleanElection(unclean: Bool) throws {
        var cluster = Self.clusterWithSeparateBrokers { $0.uncleanLeaderElection = unclean }
        Self.createTopic(&cluster, name: "two", partitions: 1, rf: 2)
        let state = try #require(cluster.nodes["n1"]!.partitions.partitions(topic: "two").first)
        let (a, b) = (state.replicas[0], state.replicas[1])
        func current(_ c: NodeCluster) -> PartitionState { c.nodes["n1"]!.partitions.partitions(topic: "two")[0] }
        cluster.crash(b)
        let shrunk = cluster.run(upTo: .seconds(40)) { current($0).isr == [a] && current($0).leader == a }
        #expect(shrunk != nil, "the dead replica leaves the ISR: \(current(cluster))")
        cluster.crash(a)
        let offline = cluster.run(upTo: .seconds(40)) { current($0).isOffline }
        #expect(offline != nil, "no replica is alive: \(current(cluster))")
        cluster.start(b, seeds: ["n1"])
        if unclean {
            let led = cluster.run(upTo: .seconds(40)) { current($0).leader == b }
            #expect(led != nil, "unclean election lets the out-of-sync replica lead: \(current(cluster))")
            #expect(current(cluster).isr == [b])
        } else {
            let seenAlive = cluster.run(upTo: .seconds(40)) { c in
                c.actingControllers().first.map { c.nodes[$0]!.gossip.member(named: b)?.status == .alive } ?? false
            }
            #expect(seenAlive != nil)
            cluster.run(for: .seconds(10))
            #expect(current(cluster).isOffline, "an out-of-sync replica must not lead: \(current(cluster))")
            #expect(current(cluster).isr == [a])
            cluster.start(a, seeds: ["n1"])
            let back = cluster.run(upTo: .seconds(40)) { current($0).leader == a }
            #expect(back != nil, "the in-sync replica leads again when it returns: \(current(cluster))")
        }
        #expect(cluster.overlaps.isEmpty)
    }

    @Test func returningReplicaRejoinsTheISRAndPreferredLeaderComesBack() {
        var cluster = Self.electedCluster { $0.preferredLeaderDelay = .seconds(3) }
        Self.createTopic(&cluster, partitions: 5)
        let controller = cluster.actingControllers().first!
        let victim = (["n4", "n5"] as [String]).first(where: { v in
            cluster.nodes["n1"]!.partitions.partitions().contains { $0.leader == v }
        })!
        let led = cluster.nodes["n1"]!.partitions.partitions().filter { $0.preferredLeader == victim }.map(\.id)
        cluster.crash(victim)
        cluster.run(upTo: .seconds(40)) { c in
            c.nodes[controller]!.partitions.partitions().allSatisfy { !$0.isr.contains(victim) }
        }
        cluster.start(victim, seeds: ["n1"])
        let rejoined = cluster.run(upTo: .seconds(40)) { c in
            c.tablesAgree()
                && c.nodes[controller]!.partitions.partitions().allSatisfy { $0.isr.count == $0.replicas.count }
        }
        #expect(rejoined != nil, "the restarted broker should be back in every ISR")
        let preferred = cluster.run(upTo: .seconds(20)) { c in
            led.allSatisfy { id in c.nodes[controller]!.partitions.partitionStates[id]!.leader == victim }
        }
        #expect(preferred != nil, "leadership should move back to the preferred replica")
    }

    @Test func controlledShutdownMovesLeadershipsBeforeLeaving() {
        var cluster = Self.electedCluster()
        Self.createTopic(&cluster)
        let controller = cluster.controllers().first!!
        let broker = (["n4", "n5"] as [String]).first(where: { b in
            cluster.nodes["n1"]!.partitions.partitions().contains { $0.leader == b }
        })!
        cluster.leave(broker)
        let moved = cluster.run(upTo: .seconds(10)) { $0.leaveCompleted.contains(broker) }
        #expect(moved != nil)
        // By the time it has left, the controller's table has no leadership on it, and no ISR holds it.
        #expect(cluster.nodes[controller]!.partitions.partitions().allSatisfy { $0.leader != broker })
        #expect(cluster.nodes[controller]!.partitions.partitions().allSatisfy { !$0.isr.contains(broker) })
        cluster.crash(broker)
        cluster.run(for: .seconds(5))
        #expect(cluster.nodes[controller]!.gossip.member(named: broker)?.status == .left)
    }

    @Test func badTopicRequestsGetClearErrors() {
        var cluster = Self.electedCluster()
        let cases: [(ControllerRequest, String)] = [
            (.createTopic(name: "bad name", partitions: 1, replicationFactor: 1), "may contain only"),
            (.createTopic(name: "t", partitions: 0, replicationFactor: 1), "partitions must be"),
            (.createTopic(name: "t", partitions: 1, replicationFactor: 9), "larger than the 5 available brokers"),
        ]
        for (request, message) in cases {
            let id = cluster.submit(request, at: "n5")
            cluster.run(upTo: .seconds(5)) { $0.completion(of: id) != nil }
            #expect(cluster.completion(of: id)??.contains(message) == true, "\(request)")
        }
        Self.createTopic(&cluster, name: "dup", partitions: 1, rf: 1)
        let again = cluster.submit(.createTopic(name: "dup", partitions: 1, replicationFactor: 1), at: "n2")
        cluster.run(upTo: .seconds(5)) { $0.completion(of: again) != nil }
        #expect(cluster.completion(of: again) == .some("topic dup already exists"))
    }
}
