import Primitives
import Testing

@testable import Gossip

@Suite("Lifeguard")
struct LifeguardTests {
    /// memberlist's lan suspicion settings, to check the formula against its published figures.
    static var memberlistLAN: GossipConfiguration {
        var configuration = GossipConfiguration.lan
        configuration.suspicionMultiplier = 4
        configuration.suspicionMaxMultiplier = 6
        configuration.suspicionConfirmations = 2
        return configuration
    }

    @Test func suspicionStartsAtMaximumAndShrinksWithConfirmations() {
        // N = 10: min = 4 · 1 · 1 s = 4 s, max = 6 · 4 s = 24 s, k = 2 confirmations wanted.
        var suspicion = Suspicion(
            incarnation: 0,
            accuser: "a",
            startedAt: .zero,
            memberCount: 10,
            configuration: Self.memberlistLAN
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
        let at100 = Suspicion(
            incarnation: 0,
            accuser: "a",
            startedAt: .zero,
            memberCount: 100,
            configuration: Self.memberlistLAN
        )
        let at1000 = Suspicion(
            incarnation: 0,
            accuser: "a",
            startedAt: .zero,
            memberCount: 1000,
            configuration: Self.memberlistLAN
        )
        #expect(at100.minimum == .seconds(8))
        #expect(at1000.minimum == .seconds(12))
        // Our lan profile: 1 · log10 N s, and a lone accuser still waits memberlist's maximum.
        let ours = Suspicion(incarnation: 0, accuser: "a", startedAt: .zero, memberCount: 100, configuration: .lan)
        #expect(ours.minimum == .seconds(2))
        #expect(ours.timeout == .seconds(48))
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

@Suite("Confirmation probes and buddy system")
struct ConfirmationTests {
    @Test func othersProbeASuspectAndConfirmARealFailure() {
        var cluster = TestCluster()
        cluster.startAll(count: 10)
        let everyone = Set((1...10).map { "n\($0)" })
        #expect(cluster.run(upTo: .seconds(15)) { $0.allSee(alive: everyone) } != nil)
        cluster.crash("n5")
        let survivors = everyone.subtracting(["n5"])
        #expect(
            cluster.run(upTo: .seconds(60)) { c in survivors.allSatisfy { c.status(of: "n5", seenBy: $0) == .dead } }
                != nil
        )
        let confirmationProbes = survivors.reduce(0) { $0 + cluster.nodes[$1]!.counters.confirmationProbes }
        #expect(confirmationProbes >= 1, "hearing of a suspicion should make some members probe the suspect")
        // Somebody's suspicion gathered an independent confirmation.
        let suspects = cluster.sent.flatMap(\.messages).compactMap { message -> String? in
            if case .suspect(let accusation) = message, accusation.name == "n5" { return accusation.accuser }
            return nil
        }
        #expect(Set(suspects).count >= 2)
    }

    @Test func pingsToASuspectCarryTheSuspicion() throws {
        var node = SWIMInstance(
            name: "n1",
            address: PeerAddress(host: "127.0.0.1", port: 1),
            configuration: .lan,
            seed: 9
        )
        var out: [GossipDirective] = []
        let peer = AliveUpdate(
            name: "n2",
            incarnation: 4,
            address: PeerAddress(host: "127.0.0.1", port: 2),
            metadata: .init()
        )
        node.applyAlive(peer, now: .zero, &out)
        node.applySuspect(Accusation(name: "n2", incarnation: 4, accuser: "n1"), now: .zero, &out)
        out.removeAll()
        node.startProbe(of: node.member(named: "n2")!, isRound: true, &out)
        let sentMessages = try out.compactMap { directive -> [GossipMessage]? in
            if case .send(let datagram, _) = directive { return try WireFormat.decodeDatagram(datagram) }
            return nil
        }.flatMap { $0 }
        #expect(sentMessages.contains(.suspect(Accusation(name: "n2", incarnation: 4, accuser: "n1"))))
    }
}

@Suite("Stale accusations")
struct StaleAccusationTests {
    @Test func aStaleAccuserIsToldTheNewerIncarnationDirectly() throws {
        var node = SWIMInstance(
            name: "n1",
            address: PeerAddress(host: "127.0.0.1", port: 1),
            configuration: .lan,
            seed: 4
        )
        var out: [GossipDirective] = []
        let peer = PeerAddress(host: "127.0.0.1", port: 2)
        node.applyAlive(AliveUpdate(name: "n2", incarnation: 3, address: peer, metadata: .init()), now: .zero, &out)
        out.removeAll()
        // n3 still gossips a suspicion of n2 at incarnation 1, and pings us in the same datagram.
        let stale = WireFormat.datagram([
            WireFormat.encode(.ping(sequence: 9, target: "n1", source: "n3")),
            WireFormat.encode(.suspect(Accusation(name: "n2", incarnation: 1, accuser: "n4"))),
        ])
        let accuser = PeerAddress(host: "127.0.0.1", port: 3)
        let directives = try node.receiveDatagram(stale, from: accuser, now: .zero)
        #expect(node.member(named: "n2")?.status == .alive)
        #expect(node.counters.staleAccusationsCorrected == 1)
        let toAccuser = try directives.compactMap { directive -> [GossipMessage]? in
            if case .send(let datagram, accuser) = directive { return try WireFormat.decodeDatagram(datagram) }
            return nil
        }.flatMap { $0 }
        let correction = GossipMessage.alive(AliveUpdate(name: "n2", incarnation: 3, address: peer, metadata: .init()))
        #expect(toAccuser.contains(correction), "the stale accuser hears the newer incarnation")
        #expect(toAccuser.contains(.ack(sequence: 9, source: "n1")))
    }
}
