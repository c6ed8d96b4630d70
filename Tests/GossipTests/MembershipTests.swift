import Foundation
import Testing

@testable import Gossip

@Suite("SWIM membership")
struct MembershipTests {
    @Test func joinThroughOneSeedLearnsEveryone() {
        var cluster = TestCluster()
        cluster.startAll(count: 8)
        let everyone = Set((1...8).map { "n\($0)" })
        let took = cluster.run(upTo: .seconds(10)) { $0.allSee(alive: everyone) }
        #expect(took != nil, "a node given only one seed should learn every member")
    }

    @Test func crashIsDetectedThroughDirectAndIndirectProbes() {
        var cluster = TestCluster()
        cluster.startAll(count: 6)
        let everyone = Set((1...6).map { "n\($0)" })
        #expect(cluster.run(upTo: .seconds(10)) { $0.allSee(alive: everyone) } != nil)
        cluster.crash("n4")
        let survivors = everyone.subtracting(["n4"])
        let detected = cluster.run(upTo: .seconds(60)) { cluster in
            survivors.allSatisfy { cluster.status(of: "n4", seenBy: $0) == .dead }
        }
        #expect(detected != nil, "every survivor should mark the crashed node dead")
        let indirect = survivors.reduce(0) { $0 + cluster.nodes[$1]!.counters.indirectProbes }
        #expect(indirect > 0, "a missed direct ack should lead to ping-req through other members")
        // Nobody else was ever declared dead.
        let falseDeaths = cluster.changes.filter { $0.change.member.status == .dead && $0.change.member.name != "n4" }
        #expect(falseDeaths.isEmpty)
    }

    @Test func suspectedLiveNodeRefutesWithHigherIncarnation() {
        var cluster = TestCluster()
        cluster.startAll(count: 5)
        let everyone = Set((1...5).map { "n\($0)" })
        #expect(cluster.run(upTo: .seconds(10)) { $0.allSee(alive: everyone) } != nil)
        // n1 falsely suspects n3 and tells everyone.
        cluster.with("n1") { node, now in
            var out: [GossipDirective] = []
            node.applySuspect(Accusation(name: "n3", incarnation: 0, accuser: "n1"), now: now, &out)
            return out
        }
        #expect(cluster.status(of: "n3", seenBy: "n1") == .suspect)
        let refuted = cluster.run(upTo: .seconds(8)) { cluster in
            everyone.allSatisfy { cluster.nodes[$0]!.member(named: "n3")!.incarnation >= 1 }
                && cluster.allSee(alive: everyone)
        }
        #expect(refuted != nil, "the suspected node should refute and everyone should see it alive again")
        #expect(cluster.nodes["n3"]!.counters.refutations >= 1)
        #expect(!cluster.changes.contains { $0.change.member.name == "n3" && $0.change.member.status == .dead })
    }

    @Test func updatesDisseminateToAllWithinLogarithmicRounds() throws {
        var cluster = TestCluster()
        cluster.startAll(count: 20)
        let everyone = Set((1...20).map { "n\($0)" })
        #expect(cluster.run(upTo: .seconds(20)) { $0.allSee(alive: everyone) } != nil)
        cluster.with("n7") { node, now in
            node.updateMetadata(NodeMetadata(roles: ["broker"], tags: ["rack": "r1"]), now: now)
        }
        let spread = cluster.run(upTo: .seconds(5)) { cluster in
            everyone.allSatisfy { cluster.nodes[$0]!.member(named: "n7")?.metadata.tags["rack"] == "r1" }
        }
        #expect(spread != nil, "a metadata update should reach every member by gossip")
        // Each node passes news on for about λ·log10(N + 1) gossip ticks; the update must arrive within that
        // many (4 · 2 = 8 ticks of 200 ms here, checked every 50 ms), not through the 30 s push-pull.
        let config = cluster.configuration
        let rounds = config.retransmitMultiplier * Int(log10(Double(everyone.count + 1)).rounded(.up))
        #expect(try #require(spread) <= config.gossipInterval * rounds + .milliseconds(50))
        #expect(cluster.nodes["n3"]!.member(named: "n7")!.metadata.roles == ["broker"])
    }

    @Test func gracefulLeaveIsLeftNotDead() {
        var cluster = TestCluster()
        cluster.startAll(count: 5)
        let everyone = Set((1...5).map { "n\($0)" })
        #expect(cluster.run(upTo: .seconds(10)) { $0.allSee(alive: everyone) } != nil)
        cluster.with("n2") { node, now in node.leave(now: now) }
        cluster.run(for: .seconds(1))
        #expect(cluster.leaveCompleted.contains("n2"))
        cluster.crash("n2")  // the process exits after leaving
        cluster.run(for: .seconds(30))
        for observer in everyone.subtracting(["n2"]) {
            #expect(cluster.status(of: "n2", seenBy: observer) == .left, "seen by \(observer)")
        }
    }

    @Test func crashedNodeIsDeadNotLeft() {
        var cluster = TestCluster()
        cluster.startAll(count: 4)
        #expect(cluster.run(upTo: .seconds(10)) { $0.allSee(alive: ["n1", "n2", "n3", "n4"]) } != nil)
        cluster.crash("n2")
        cluster.run(for: .seconds(60))
        for observer in ["n1", "n3", "n4"] {
            #expect(cluster.status(of: "n2", seenBy: observer) == .dead)
        }
    }

    @Test func restartedNodeRejoinsUnderItsOldNameAndOutbidsItsDeath() {
        var cluster = TestCluster()
        cluster.startAll(count: 4)
        let everyone: Set = ["n1", "n2", "n3", "n4"]
        #expect(cluster.run(upTo: .seconds(10)) { $0.allSee(alive: everyone) } != nil)
        cluster.crash("n3")
        #expect(cluster.run(upTo: .seconds(60)) { $0.status(of: "n3", seenBy: "n1") == .dead } != nil)
        let deathIncarnation = cluster.nodes["n1"]!.member(named: "n3")!.incarnation
        cluster.start("n3", seeds: ["n1"])  // a fresh process: incarnation 0
        let back = cluster.run(upTo: .seconds(15)) { $0.allSee(alive: everyone) }
        #expect(back != nil, "the restarted node should be alive everywhere again")
        #expect(cluster.nodes["n3"]!.incarnation > deathIncarnation)
    }

    @Test func deadAndLeftMembersAreReapedAfterRetention() {
        var configuration = GossipConfiguration.lan
        configuration.reapAfter = .seconds(20)
        var cluster = TestCluster(configuration: configuration)
        cluster.startAll(count: 4)
        #expect(cluster.run(upTo: .seconds(10)) { $0.allSee(alive: ["n1", "n2", "n3", "n4"]) } != nil)
        cluster.crash("n4")
        #expect(cluster.run(upTo: .seconds(60)) { $0.status(of: "n4", seenBy: "n1") == .dead } != nil)
        #expect(cluster.run(upTo: .seconds(40)) { $0.nodes["n1"]!.member(named: "n4") == nil } != nil)
    }

    @Test func seedDownAtFirstIsRetriedWithBackoff() {
        var cluster = TestCluster()
        cluster.start("n2", seeds: ["n1"])  // n1 is not running yet
        cluster.run(for: .seconds(20))
        #expect(cluster.nodes["n2"]!.hasJoined == false)
        // Delays of 1, 2, 4, 8 s: retries at 1, 3, 7 and 15 s (a fixed 1 s delay would have made 20).
        #expect(cluster.nodes["n2"]!.counters.joinRetries == 4)
        cluster.start("n1", seeds: [])
        let joined = cluster.run(upTo: .seconds(40)) { $0.allSee(alive: ["n1", "n2"]) }
        #expect(joined != nil, "the join should be retried until the seed answers")
    }

    @Test func partitionedHalvesReMergeAfterHeal() {
        var cluster = TestCluster()
        cluster.startAll(count: 6)
        let everyone = Set((1...6).map { "n\($0)" })
        #expect(cluster.run(upTo: .seconds(10)) { $0.allSee(alive: everyone) } != nil)
        let left: Set = ["n1", "n2", "n3"]
        let right: Set = ["n4", "n5", "n6"]
        for a in left {
            for b in right {
                cluster.blockedLinks.insert([a, b])
                cluster.blockedLinks.insert([b, a])
            }
        }
        // Datagrams and push-pull streams across the cut are dropped: each side declares the other dead.
        let split = cluster.run(upTo: .seconds(90)) { cluster in
            left.allSatisfy { l in right.allSatisfy { cluster.status(of: $0, seenBy: l) == .dead } }
        }
        #expect(split != nil)
        cluster.blockedLinks.removeAll()
        let healed = cluster.run(upTo: .seconds(60)) { $0.allSee(alive: everyone) }
        #expect(healed != nil, "reconnect and refutation should re-merge the halves")
    }
}
