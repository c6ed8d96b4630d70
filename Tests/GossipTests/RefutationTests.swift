import Testing

@testable import Gossip

/// A node accused at an incarnation above its own must answer above the accusation, not just above itself: otherwise
/// everyone keeps the accusation (it outranks the refutation) and the node is declared dead while alive.
@Suite("Refutation")
struct RefutationTests {
    static func node() -> SWIMInstance {
        SWIMInstance(
            name: "n1",
            address: TestCluster.address(of: "n1"),
            metadata: NodeMetadata(),
            configuration: .lan,
            seed: 1
        )
    }

    @Test func everyKindOfAccusationIsOutbidByOne() {
        var node = Self.node()
        var out: [GossipDirective] = []
        node.applySuspect(Accusation(name: "n1", incarnation: 5, accuser: "n2"), now: .zero, &out)
        #expect(node.incarnation == 6, "suspect at 5")
        node.applyDead(Accusation(name: "n1", incarnation: 9, accuser: "n2"), now: .zero, &out)
        #expect(node.incarnation == 10, "dead at 9")
        node.applyLeft("n1", incarnation: 14, now: .zero, &out)
        #expect(node.incarnation == 15, "left at 14")
        // News of ourselves from an earlier life with a higher incarnation.
        let old = AliveUpdate(name: "n1", incarnation: 20, address: node.address, metadata: node.metadata)
        node.applyAlive(old, now: .zero, &out)
        #expect(node.incarnation == 21, "alive at 20")
        #expect(node.counters.refutations == 4)
    }

    @Test func anAccusationBelowTheCurrentIncarnationChangesNothing() {
        var node = Self.node()
        var out: [GossipDirective] = []
        node.applySuspect(Accusation(name: "n1", incarnation: 5, accuser: "n2"), now: .zero, &out)
        node.applySuspect(Accusation(name: "n1", incarnation: 3, accuser: "n2"), now: .zero, &out)
        node.applyDead(Accusation(name: "n1", incarnation: 4, accuser: "n2"), now: .zero, &out)
        #expect(node.incarnation == 6)
        #expect(node.counters.refutations == 1)
    }

    @Test func aLiveNodeSuspectedAtAHighIncarnationIsSeenAliveAboveIt() {
        var cluster = TestCluster()
        cluster.startAll(count: 5)
        let everyone = Set((1...5).map { "n\($0)" })
        #expect(cluster.run(upTo: .seconds(10)) { $0.allSee(alive: everyone) } != nil)
        // n1 accuses n3 at incarnation 5 (as if it had heard of n3's earlier lives) and gossips it.
        cluster.with("n1") { node, now in
            var out: [GossipDirective] = []
            node.applySuspect(Accusation(name: "n3", incarnation: 5, accuser: "n1"), now: now, &out)
            return out
        }
        let refuted = cluster.run(upTo: .seconds(5)) { cluster in
            everyone.allSatisfy { cluster.nodes[$0]!.member(named: "n3")!.incarnation >= 6 }
                && cluster.allSee(alive: everyone)
        }
        #expect(refuted != nil, "n3 should outbid the accusation everywhere within a few gossip rounds")
        #expect(cluster.nodes["n3"]!.incarnation == 6, "one refutation answers the accusation")
        #expect(!cluster.changes.contains { $0.change.member.name == "n3" && $0.change.member.status == .dead })
    }

    /// Observers (the simulator's incarnation checker) track incarnations through changes: a suspicion renewed at a
    /// higher incarnation must be reported, or a later regression would look like progress.
    @Test func aSuspicionRenewedAtAHigherIncarnationIsReported() {
        var node = Self.node()
        var out: [GossipDirective] = []
        node.applyAlive(
            AliveUpdate(name: "n2", incarnation: 0, address: TestCluster.address(of: "n2"), metadata: NodeMetadata()),
            now: .zero,
            &out
        )
        node.applySuspect(Accusation(name: "n2", incarnation: 1, accuser: "n3"), now: .zero, &out)
        out.removeAll()
        node.applySuspect(Accusation(name: "n2", incarnation: 3, accuser: "n3"), now: .zero, &out)
        let changes = out.compactMap { directive -> MemberChange? in
            if case .memberChanged(let change) = directive { return change }
            return nil
        }
        #expect(changes.count == 1)
        #expect(changes.first?.member.incarnation == 3)
        #expect(changes.first?.previousStatus == .suspect)
        // The same accusation again changes nothing and reports nothing.
        out.removeAll()
        node.applySuspect(Accusation(name: "n2", incarnation: 3, accuser: "n3"), now: .zero, &out)
        #expect(!out.contains { if case .memberChanged = $0 { true } else { false } })
    }
}
