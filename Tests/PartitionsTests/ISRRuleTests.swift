import Primitives
import Testing

@testable import Gossip
@testable import Partitions

/// The rules for who may be in an ISR, each checked on a controller driven by hand. Found missing by
/// `scripts/mutants.sh`: breaking either rule failed no other test.
@Suite("ISR rules")
struct ISRRuleTests {
    /// An acting single-voter controller n1 that sees brokers n2 and n3 alive, with two partitions on n2 and n3.
    static func controller(now: Timestamp) -> (PartitionsInstance, SWIMInstance) {
        var members = SWIMInstance(name: "n1", address: NodeCluster.address(of: "n1"), configuration: .lan, seed: 1)
        var gossipOut: [GossipDirective] = []
        for name in ["n2", "n3"] {
            let update = AliveUpdate(
                name: name,
                incarnation: 0,
                address: NodeCluster.address(of: name),
                metadata: NodeMetadata(roles: ["broker"])
            )
            members.applyAlive(update, now: .zero, &gossipOut)
        }
        var instance = PartitionsInstance(
            name: "n1",
            metadata: NodeMetadata(roles: ["broker"]),
            configuration: PartitionsConfiguration(voters: ["n1"]),
            seed: 1,
            now: .zero
        )
        // The single voter's own grant counts once its record is durable (`settle` reports it persisted).
        instance.requestLeaseAndSettle(epoch: 1, now: now, members: members)
        #expect(instance.isActingController(at: now))
        for (index, replicas) in [["n2", "n3"], ["n3", "n2"]].enumerated() {
            let id = PartitionID(topic: "t", partition: index)
            instance.partitionStates[id] = PartitionState(
                id: id,
                replicas: replicas,
                leader: replicas[0],
                leaderEpoch: LeaderEpoch(term: 1, number: 1),
                isr: replicas,
                controllerEpoch: 1,
                partitionEpoch: 1
            )
        }
        return (instance, members)
    }

    /// A broker in controlled shutdown is still alive, so only the shutdown rule keeps it from leading or staying in
    /// an ISR (once gossip shows it left, the liveness rule hides a broken shutdown rule).
    @Test func aBrokerShuttingDownLeavesEveryISRAndLeadsNothingWhileStillAlive() {
        let now = Timestamp.zero + .seconds(3)
        var (controller, members) = Self.controller(now: now)
        let (_, submitted) = controller.submit(.controlledShutdown(broker: "n2"), now: now, members: members)
        // The new states take effect once the single voter stored them.
        let directives = controller.settle(submitted, now: now, members: members)
        #expect(directives.contains { if case .requestCompleted(_, nil) = $0 { true } else { false } })
        for state in controller.partitions() {
            #expect(state.leader == "n3", "\(state)")
            #expect(state.isr == ["n3"], "\(state)")
        }
    }

    /// A replica rejoins the ISR only by acknowledging the current leader epoch: one that caught up with an older
    /// leader may miss what the new one wrote.
    @Test func onlyAnAcknowledgementOfTheCurrentLeaderEpochRejoinsTheISR() {
        let now = Timestamp.zero + .seconds(3)
        var (controller, members) = Self.controller(now: now)
        let id = PartitionID(topic: "t", partition: 0)
        var state = controller.partitionStates[id]!
        state.isr = ["n3"]
        state.leader = "n3"
        state.leaderEpoch = LeaderEpoch(term: 1, number: 2)
        controller.partitionStates[id] = state
        let old = ControlMessage.replicaCaughtUp(
            replica: "n2",
            partition: id,
            leaderEpoch: LeaderEpoch(term: 1, number: 1)
        )
        _ = controller.settle(controller.receive(old, now: now, members: members), now: now, members: members)
        #expect(controller.partitionStates[id]!.isr == ["n3"])
        let current = ControlMessage.replicaCaughtUp(replica: "n2", partition: id, leaderEpoch: state.leaderEpoch)
        _ = controller.settle(controller.receive(current, now: now, members: members), now: now, members: members)
        #expect(controller.partitionStates[id]!.isr == ["n2", "n3"])
    }
}
