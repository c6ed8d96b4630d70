import Primitives
import Testing

@testable import Gossip

@Suite("Replicated cluster state")
struct ClusterStateTests {
    @Test func newerVersionWinsInAnyMergeOrder() {
        let entries = (0..<20).map { i in
            StateEntry(
                key: "k\(i % 4)",
                version: StateVersion(major: UInt64(i % 3), minor: UInt64(i)),
                value: [UInt8(i)]
            )
        }
        var forward = ClusterState()
        for entry in entries { forward.merge(entry) }
        var backward = ClusterState()
        for entry in entries.reversed() { backward.merge(entry) }
        var twice = ClusterState()
        for entry in entries + entries { twice.merge(entry) }
        #expect(forward == backward)
        #expect(forward == twice)
        #expect(forward["k0"]?.version == StateVersion(major: 2, minor: 8))
    }

    @Test func olderEpochCannotOverwriteNewer() {
        var state = ClusterState()
        let kept = state.merge(StateEntry(key: "p", version: StateVersion(major: 5, minor: 1), value: [1]))
        let stale = state.merge(StateEntry(key: "p", version: StateVersion(major: 4, minor: 99), value: [2]))
        #expect(kept)
        #expect(!stale)
        #expect(state["p"]?.value == [1])
    }

    @Test func publishedStateReachesEveryNodeIncludingLateJoiners() throws {
        var cluster = TestCluster()
        cluster.startAll(count: 8)
        let everyone = Set((1...8).map { "n\($0)" })
        #expect(cluster.run(upTo: .seconds(15)) { $0.allSee(alive: everyone) } != nil)
        let entry = StateEntry(key: "partition/t/0", version: StateVersion(major: 1, minor: 1), value: [9])
        cluster.with("n3") { node, now in
            do {
                return try node.publish(entry, now: now)
            } catch {
                Issue.record("the publish itself failed: \(error)")
                return []
            }
        }
        #expect(
            cluster.run(upTo: .seconds(5)) { c in
                everyone.allSatisfy { c.nodes[$0]!.clusterState["partition/t/0"] == entry }
            } != nil
        )
        // A node that joins later learns it through the join's push-pull.
        cluster.start("n9", seeds: ["n1"])
        #expect(cluster.run(upTo: .seconds(5)) { $0.nodes["n9"]!.clusterState["partition/t/0"] == entry } != nil)
    }

    @Test func oversizedValuesAreRefused() {
        var node = SWIMInstance(
            name: "n1",
            address: PeerAddress(host: "127.0.0.1", port: 1),
            configuration: .lan,
            seed: 1
        )
        let big = StateEntry(
            key: "k",
            version: .zero,
            value: Array(repeating: 0, count: WireFormat.maxStateValueBytes + 1)
        )
        #expect(throws: StateError.valueTooLarge(WireFormat.maxStateValueBytes + 1)) {
            _ = try node.publish(big, now: .zero)
        }
    }
}

@Suite("Cluster state snapshots")
struct ClusterStateSnapshotTests {
    @Test func snapshotRoundTripsAndRejectsGarbage() throws {
        var state = ClusterState()
        state.merge(StateEntry(key: "t/a", version: StateVersion(major: 2, minor: 0), value: [1, 2]))
        state.merge(StateEntry(key: "p/a/0", version: StateVersion(major: 2, minor: 5), value: []))
        #expect(try ClusterState(decoding: state.encoded()) == state)
        let bytes = state.encoded()
        for length in 0..<bytes.count {
            #expect(throws: DecodeError.self) { try ClusterState(decoding: Array(bytes.prefix(length))) }
        }
    }
}
