import Testing

@testable import Gossip

/// Rules found missing by `scripts/mutants.sh`: each test here failed no other test when broken.
@Suite("Suspicion and state rules")
struct SuspicionRuleTests {
    static func node(knowing others: [String]) -> SWIMInstance {
        var node = SWIMInstance(
            name: "n1",
            address: TestCluster.address(of: "n1"),
            metadata: NodeMetadata(),
            configuration: .lan,
            seed: 1
        )
        var out: [GossipDirective] = []
        for name in others {
            let update = AliveUpdate(
                name: name,
                incarnation: 0,
                address: TestCluster.address(of: name),
                metadata: NodeMetadata()
            )
            node.applyAlive(update, now: .zero, &out)
        }
        return node
    }

    /// Only the suspect itself can clear a suspicion, by refuting above it: an alive message at the suspected
    /// incarnation is old news (possibly sent before the suspect failed).
    @Test func aliveAtTheSuspectedIncarnationDoesNotClearTheSuspicion() {
        var node = Self.node(knowing: ["n2", "n3"])
        var out: [GossipDirective] = []
        node.applySuspect(Accusation(name: "n2", incarnation: 4, accuser: "n3"), now: .zero, &out)
        let stale = AliveUpdate(name: "n2", incarnation: 4, address: TestCluster.address(of: "n2"), metadata: .init())
        node.applyAlive(stale, now: .zero, &out)
        #expect(node.member(named: "n2")?.status == .suspect)
        let refuted = AliveUpdate(name: "n2", incarnation: 5, address: TestCluster.address(of: "n2"), metadata: .init())
        node.applyAlive(refuted, now: .zero, &out)
        #expect(node.member(named: "n2")?.status == .alive)
    }

    /// A push-pull repeats what others said: its accusations never count as independent confirmations, so they
    /// never shorten the suspicion timeout.
    @Test func aSyncsRepetitionIsNoConfirmation() {
        var node = Self.node(knowing: ["n2", "n3", "n4", "n5", "n6"])
        var out: [GossipDirective] = []
        node.applySuspect(Accusation(name: "n2", incarnation: 0, accuser: "n3"), now: .zero, &out)
        let timeout = node.suspicions["n2"]?.timeout
        node.applySuspect(
            Accusation(name: "n2", incarnation: 0, accuser: SWIMInstance.syncAccuser),
            now: .zero,
            &out
        )
        #expect(node.suspicions["n2"]?.confirmations == 0)
        #expect(node.suspicions["n2"]?.timeout == timeout)
        // An independent accuser does confirm.
        node.applySuspect(Accusation(name: "n2", incarnation: 0, accuser: "n4"), now: .zero, &out)
        #expect(node.suspicions["n2"]?.confirmations == 1)
    }

    /// One version, one value: a different value at the version already held is refused (two controllers with one
    /// epoch must not silently overwrite each other), so every node keeps the first it heard.
    @Test func aDifferentValueAtTheSameVersionIsRefused() {
        var state = ClusterState()
        let first = StateEntry(key: "p/t/0", version: StateVersion(major: 3, minor: 2), value: [1])
        let twin = StateEntry(key: "p/t/0", version: StateVersion(major: 3, minor: 2), value: [2])
        let accepted = [state.merge(first), state.merge(twin)]
        #expect(accepted == [true, false])
        #expect(state["p/t/0"] == first)
    }
}
