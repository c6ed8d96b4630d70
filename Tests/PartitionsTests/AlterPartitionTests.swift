import Primitives
import Testing

@testable import Gossip
@testable import Partitions

/// AlterPartition on a controller driven by hand: every fence refuses with its reason, and an accepted change is
/// answered, and takes effect, only once the voter has stored it durably.
@Suite("AlterPartition")
struct AlterPartitionTests {
    static let id = PartitionID(topic: "t", partition: 0)
    static let now = Timestamp.zero + .seconds(3)

    /// A single-voter controller n1 seeing n2..n4 alive; t-0 on [n2, n3, n5] led by n2 (n5 is not alive).
    static func controller() -> (PartitionsInstance, SWIMInstance, PartitionState) {
        var (instance, members) = ISRRuleTests.controller(now: now)
        var gossipOut: [GossipDirective] = []
        members.applyAlive(
            AliveUpdate(
                name: "n4",
                incarnation: 0,
                address: NodeCluster.address(of: "n4"),
                metadata: NodeMetadata(roles: ["broker"])
            ),
            now: .zero,
            &gossipOut
        )
        let state = PartitionState(
            id: id,
            replicas: ["n2", "n3", "n5"],
            leader: "n2",
            leaderEpoch: LeaderEpoch(term: 1, number: 1),
            isr: ["n2", "n3"],
            controllerEpoch: 1,
            partitionEpoch: 4
        )
        instance.partitionStates[id] = state
        return (instance, members, state)
    }

    static func request(_ state: PartitionState, isr: [String]) -> AlterPartitionRequest {
        AlterPartitionRequest(
            partition: state.id,
            leaderEpoch: state.leaderEpoch,
            partitionEpoch: state.partitionEpoch,
            isr: isr
        )
    }

    /// The answer sent to `origin` among the directives, if any.
    static func answer(_ directives: [PartitionsDirective], to origin: String = "n2") -> RequestFailure?? {
        for directive in directives {
            if case .send(.response(_, let error), let to) = directive, to == origin { return .some(error) }
        }
        return nil
    }

    @Test func aShrinkIsAnsweredAndTakesEffectOnlyOnceDurable() {
        var (controller, members, state) = Self.controller()
        let out = controller.receive(
            .alterPartition(id: 1, origin: "n2", Self.request(state, isr: ["n2"])),
            now: Self.now,
            members: members
        )
        #expect(Self.answer(out) == nil, "no answer before the change is committed")
        #expect(controller.partitionStates[Self.id]!.isr == ["n2", "n3"])
        // The batch is flushed and stored, but the write is not yet reported durable.
        var flushed = controller.timerFired(.flushProposals, now: Self.now, members: members)
        #expect(flushed.contains { if case .persist = $0 { true } else { false } })
        #expect(Self.answer(flushed) == nil)
        #expect(controller.partitionStates[Self.id]!.isr == ["n2", "n3"], "not committed before the fsync")
        flushed = controller.settle(flushed, now: Self.now, members: members)
        #expect(Self.answer(flushed) == .some(nil))
        let committed = controller.partitionStates[Self.id]!
        #expect(committed.isr == ["n2"])
        #expect(committed.partitionEpoch == state.partitionEpoch + 1)
        #expect(controller.voterRecord.states[Self.id] == committed)
        #expect(
            flushed.contains { if case .publish(let entry) = $0 { entry.key == "p/t/0" } else { false } },
            "published through gossip after the commit"
        )
    }

    @Test func everyFenceRefusesWithItsReason() {
        let (base, members, state) = Self.controller()
        func refusal(_ request: AlterPartitionRequest, from origin: String = "n2") -> RejectionReason? {
            var controller = base
            let out = controller.settle(
                controller.receive(.alterPartition(id: 1, origin: origin, request), now: Self.now, members: members),
                now: Self.now,
                members: members
            )
            guard case .some(.some(let failure)) = Self.answer(out, to: origin) else { return nil }
            #expect(controller.partitionStates[Self.id] == state, "a refused request changes nothing")
            return failure.rejectionReason
        }
        var staleLeader = Self.request(state, isr: ["n2"])
        staleLeader.leaderEpoch = LeaderEpoch(term: 1, number: 0)
        #expect(refusal(staleLeader) == .fencedLeaderEpoch)
        #expect(refusal(Self.request(state, isr: ["n3"]), from: "n3") == .fencedLeaderEpoch, "only the leader asks")
        var stalePartition = Self.request(state, isr: ["n2"])
        stalePartition.partitionEpoch = 3
        #expect(refusal(stalePartition) == .invalidUpdateVersion)
        #expect(refusal(Self.request(state, isr: ["n2", "n4"])) == .invalidRequest, "n4 is no replica")
        #expect(refusal(Self.request(state, isr: ["n3"])) == .invalidRequest, "it would remove the leader")
        #expect(refusal(Self.request(state, isr: ["n2", "n3", "n5"])) == .ineligibleReplica, "n5 is not alive")
        var unknown = Self.request(state, isr: ["n2"])
        unknown.partition = PartitionID(topic: "t", partition: 9)
        #expect(refusal(unknown) == .unknownPartition)
        // The same requests with the right epochs are accepted.
        #expect(refusal(Self.request(state, isr: ["n2"])) == nil)
    }

    @Test func aNodeThatIsNotTheControllerRefuses() {
        var follower = PartitionsInstance(
            name: "n3",
            metadata: NodeMetadata(roles: ["broker"]),
            configuration: PartitionsConfiguration(voters: ["n1"]),
            seed: 1,
            now: .zero
        )
        let (_, members, state) = Self.controller()
        let out = follower.receive(
            .alterPartition(id: 1, origin: "n2", Self.request(state, isr: ["n2"])),
            now: Self.now,
            members: members
        )
        #expect(Self.answer(out) == .some(.notController("n3")))
    }

    /// Without the commit rule (as before it), the change takes effect and is answered at once.
    @Test func withoutTheCommitRuleAChangeTakesEffectAtOnce() {
        var (controller, members, state) = Self.controller()
        var configured = PartitionsInstance(
            name: "n1",
            metadata: NodeMetadata(roles: ["broker"]),
            configuration: {
                var configuration = PartitionsConfiguration(voters: ["n1"])
                configuration.commitsThroughVoters = false
                return configuration
            }(),
            seed: 1,
            now: .zero
        )
        configured.requestLeaseAndSettle(epoch: 1, now: Self.now, members: members)
        configured.partitionStates[Self.id] = state
        controller = configured
        let out = controller.receive(
            .alterPartition(id: 1, origin: "n2", Self.request(state, isr: ["n2"])),
            now: Self.now,
            members: members
        )
        #expect(Self.answer(out) == .some(nil))
        #expect(controller.partitionStates[Self.id]!.isr == ["n2"])
    }
}
