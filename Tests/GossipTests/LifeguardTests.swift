import Testing

@testable import Gossip

@Suite("Lifeguard")
struct LifeguardTests {
    @Test func suspicionStartsAtMaximumAndShrinksWithConfirmations() {
        // N = 10, lan: min = 4 · 1 · 1 s = 4 s, max = 6 · 4 s = 24 s, k = 2 confirmations wanted.
        var suspicion = Suspicion(
            incarnation: 0,
            accuser: "a",
            startedAt: .zero,
            memberCount: 10,
            configuration: .lan
        )
        #expect(suspicion.minimum == .seconds(4))
        #expect(suspicion.timeout == .seconds(24))
        let first = suspicion.confirm(by: "b")
        let again = suspicion.confirm(by: "b")
        #expect(first)
        #expect(!again, "the same accuser twice is not independent")
        let afterOne = suspicion.timeout
        #expect(afterOne < .seconds(24) && afterOne > .seconds(4))
        let second = suspicion.confirm(by: "c")
        #expect(second)
        #expect(suspicion.timeout == .seconds(4))
        _ = suspicion.confirm(by: "d")
        #expect(suspicion.timeout == .seconds(4), "never below the minimum")
    }

    @Test func suspicionScalesWithLogOfClusterSize() {
        let at100 = Suspicion(incarnation: 0, accuser: "a", startedAt: .zero, memberCount: 100, configuration: .lan)
        let at1000 = Suspicion(incarnation: 0, accuser: "a", startedAt: .zero, memberCount: 1000, configuration: .lan)
        #expect(at100.minimum == .seconds(8))
        #expect(at1000.minimum == .seconds(12))
    }

    @Test func localHealthScalesProbingAndIsBounded() {
        var health = LocalHealth(limit: 8)
        #expect(health.scale(.seconds(1)) == .seconds(1))
        health.apply(delta: 3)
        #expect(health.scale(.milliseconds(500)) == .seconds(2))
        health.apply(delta: 100)
        #expect(health.score == 7)
        health.apply(delta: -100)
        #expect(health.score == 0)
    }

    @Test func refutingASuspicionOfOneselfLowersLocalHealth() {
        var node = SWIMInstance(
            name: "n1",
            address: PeerAddress(host: "127.0.0.1", port: 1),
            configuration: .lan,
            seed: 1
        )
        var out: [GossipDirective] = []
        node.applySuspect(Accusation(name: "n1", incarnation: 0, accuser: "n2"), now: .zero, &out)
        #expect(node.incarnation == 1)
        #expect(node.localHealth.score == 1)
        // An old accusation (below our incarnation) is ignored.
        node.applySuspect(Accusation(name: "n1", incarnation: 0, accuser: "n3"), now: .zero, &out)
        #expect(node.incarnation == 1)
    }

    @Test func missedNacksRaiseLocalHealthScore() {
        // Every link from n1 is cut: its probes fail and its ping-reqs get no nacks, so it blames itself.
        var cluster = TestCluster()
        cluster.startAll(count: 5)
        #expect(cluster.run(upTo: .seconds(10)) { $0.allSee(alive: ["n1", "n2", "n3", "n4", "n5"]) } != nil)
        for other in ["n2", "n3", "n4", "n5"] {
            cluster.blockedLinks.insert(["n1", other])
            cluster.blockedLinks.insert([other, "n1"])
        }
        cluster.run(for: .seconds(3))
        #expect(cluster.nodes["n1"]!.localHealth.score >= 2)
        #expect(cluster.nodes["n2"]!.localHealth.score <= 1, "healthy nodes get nacks for n1 and stay healthy")
    }
}
