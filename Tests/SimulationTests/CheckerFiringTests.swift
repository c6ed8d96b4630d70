import Primitives
import Testing

@testable import Gossip
@testable import Partitions
@testable import SimulationKit

/// Every checker is fed a hand-built broken state and must report it: a checker that cannot fire proves nothing.
@Suite("Checkers fire on broken states")
struct CheckerFiringTests {
    static let names = ["n00", "n01", "n02", "n03"]
    static let id = PartitionID(topic: "t", partition: 0)

    static func address(_ i: Int) -> PeerAddress { PeerAddress(host: "10.0.0.\(i + 1)", port: 7946) }

    /// Node `i`'s SWIM instance, holding `alive` as alive (incarnation 0).
    static func swim(_ i: Int, alive: [Int]) -> SWIMInstance {
        var instance = SWIMInstance(
            name: names[i],
            address: address(i),
            metadata: NodeMetadata(),
            configuration: .lan,
            seed: UInt64(i)
        )
        var out: [GossipDirective] = []
        for m in alive where m != i {
            instance.applyAlive(
                AliveUpdate(name: names[m], incarnation: 0, address: address(m), metadata: NodeMetadata()),
                now: .zero,
                &out
            )
        }
        return instance
    }

    static func node(_ swim: SWIMInstance, partitions: [PartitionState] = []) -> ClusterNode {
        var instance = PartitionsInstance(
            name: swim.name,
            metadata: NodeMetadata(),
            configuration: PartitionsConfiguration(voters: Array(names.prefix(3))),
            seed: 1,
            now: .zero
        )
        for state in partitions { instance.partitionStates[state.id] = state }
        return ClusterNode(gossip: swim, partitions: instance)
    }

    static func partition(
        leader: String?,
        isr: [String],
        version: (UInt64, UInt64),
        replicas: [String] = ["n01", "n02", "n03"]
    ) -> PartitionState {
        PartitionState(
            id: id,
            replicas: replicas,
            leader: leader,
            leaderEpoch: LeaderEpoch(term: version.0, number: 1),
            isr: isr,
            controllerEpoch: version.0,
            partitionEpoch: version.1
        )
    }

    static func state(_ nodes: [ClusterNode], up: [Bool]? = nil, at seconds: Int64 = 100) -> SimulationState {
        let n = nodes.count
        var newest: [PartitionID: NewestVersion] = [:]
        for node in nodes {
            for (id, p) in node.partitions.partitionStates where newest[id].map({ $0.version < p.version }) ?? true {
                newest[id] = NewestVersion(version: p.version, since: 0)
            }
        }
        return SimulationState(
            time: seconds * 1_000_000_000,
            names: Array(names.prefix(n)),
            nodes: nodes,
            up: up ?? [Bool](repeating: true, count: n),
            leaving: [Bool](repeating: false, count: n),
            localTimes: [Int64](repeating: seconds * 1_000_000_000, count: n),
            network: NetworkModel(nodes: n, settings: NetworkSettings(), rng: SeededRandom(seed: 1)),
            voters: [0, 1, 2],
            newestPartitionSince: newest
        )
    }

    static let settled = CheckpointReason.settled(lastFault: 30, settle: 40)

    @Test func convergenceFlagsAMissingAndAnExtraMember() {
        let everyone = [0, 1, 2, 3]
        // n00 never heard of n02; n01 still holds n03, which is down.
        let nodes = [
            Self.node(Self.swim(0, alive: [1, 3])), Self.node(Self.swim(1, alive: everyone)),
            Self.node(Self.swim(2, alive: [0, 1, 2])), Self.node(Self.swim(3, alive: everyone)),
        ]
        let problems = ConvergenceChecker().check(
            Self.state(nodes, up: [true, true, true, false]),
            reason: Self.settled
        )
        #expect(problems.count == 1)
        #expect(problems.first?.contains("n00 misses n02") == true, "\(problems)")
        #expect(problems.first?.contains("n01 still has n03") == true, "\(problems)")
        // The same views, agreed: nothing to report.
        let agreed = [0, 1, 2].map { Self.node(Self.swim($0, alive: [0, 1, 2])) } + [nodes[3]]
        #expect(ConvergenceChecker().check(Self.state(agreed, up: [true, true, true, false]), reason: .final).isEmpty)
    }

    @Test func selfViewFlagsAnAccusationNeverOutbid() {
        var accuser = Self.swim(1, alive: [0, 2])
        var out: [GossipDirective] = []
        accuser.applySuspect(Accusation(name: "n00", incarnation: 5, accuser: "n01"), now: .zero, &out)
        let nodes = [
            Self.node(Self.swim(0, alive: [1, 2])), Self.node(accuser), Self.node(Self.swim(2, alive: [0, 1])),
        ]
        let checker = SelfViewChecker()
        let problems = checker.check(Self.state(nodes), reason: Self.settled)
        #expect(
            problems.first?.contains("n01 holds n00 suspect at incarnation 5, above its own 0") == true,
            "\(problems)"
        )
        // Once n00 has refuted (incarnation 6), the accusation is outbid.
        var refuted = Self.swim(0, alive: [1, 2])
        refuted.applySuspect(Accusation(name: "n00", incarnation: 5, accuser: "n01"), now: .zero, &out)
        #expect(checker.check(Self.state([Self.node(refuted), nodes[1], nodes[2]]), reason: Self.settled).isEmpty)
        // A node reporting a change about itself.
        let selfChange = MemberChange(
            member: Member(
                name: "n00",
                address: Self.address(0),
                status: .dead,
                incarnation: 0,
                metadata: NodeMetadata(),
                statusChangedAt: .zero
            ),
            previousStatus: .alive
        )
        #expect(checker.memberChanged(viewer: 0, change: selfChange, member: 0, at: 0) != nil)
    }

    @Test func partitionConvergenceFlagsStaleTablesTwoContentsAndNoController() {
        let newer = Self.partition(leader: "n01", isr: ["n01", "n02"], version: (2, 3))
        let older = Self.partition(leader: "n01", isr: ["n01", "n02", "n03"], version: (2, 2))
        let twin = Self.partition(leader: "n02", isr: ["n02"], version: (2, 3))
        let everyone = [0, 1, 2, 3]
        let nodes = [
            Self.node(Self.swim(0, alive: everyone), partitions: [newer]),
            Self.node(Self.swim(1, alive: everyone), partitions: [older]),
            Self.node(Self.swim(2, alive: everyone), partitions: [twin]),
            Self.node(Self.swim(3, alive: everyone), partitions: [newer]),
        ]
        let problems = PartitionConvergenceChecker().check(Self.state(nodes), reason: Self.settled)
        #expect(problems.contains { $0.contains("n02 holds t-0 version 2.3 with different content") }, "\(problems)")
        #expect(problems.contains { $0.contains("1 stale entries; e.g. n01 holds t-0 at 2.2") }, "\(problems)")
        // Nobody acts as controller although all voters are up and connected.
        #expect(problems.contains { $0.contains("live nodes do not agree on one controller: none×4") }, "\(problems)")
        // A version younger than the in-flight allowance may still be spreading.
        let young = PartitionConvergenceChecker().check(Self.state(nodes, at: 5), reason: Self.settled)
        #expect(!young.contains { $0.contains("stale entries") }, "\(young)")
    }

    @Test func leaderAvailabilityFlagsADeadLeaderWithALiveISR() {
        let led = Self.partition(leader: "n03", isr: ["n03", "n01"], version: (1, 4))
        let everyone = [0, 1, 2, 3]
        let nodes = (0..<4).map { Self.node(Self.swim($0, alive: everyone), partitions: [led]) }
        let problems = LeaderAvailabilityChecker().check(
            Self.state(nodes, up: [true, true, true, false]),
            reason: Self.settled
        )
        #expect(problems.first?.contains("t-0 has leader n03") == true, "\(problems)")
        #expect(problems.first?.contains("[\"n01\"]") == true, "\(problems)")
        // With its only other in-sync replica down too, there is nobody to elect.
        let down = LeaderAvailabilityChecker().check(
            Self.state(nodes, up: [true, false, true, false]),
            reason: Self.settled
        )
        #expect(down.isEmpty, "\(down)")
    }

    @Test func leaderInISRFlagsBothRulesInTablesAtCheckpoints() {
        let outsideISR = Self.partition(leader: "n03", isr: ["n01", "n02"], version: (1, 1))
        let outsideReplicas = Self.partition(leader: "n01", isr: ["n01", "n00"], version: (1, 1))
        let checker = LeaderInISRChecker(names: Self.names)
        #expect(checker.partitionChanged(viewer: 0, previous: .unseen, current: outsideReplicas, at: 0) != nil)
        let nodes = [
            Self.node(Self.swim(0, alive: []), partitions: [outsideISR]),
            Self.node(Self.swim(1, alive: []), partitions: [outsideReplicas]),
        ]
        let problems = checker.check(Self.state(nodes), reason: .final)
        #expect(problems.count == 2, "\(problems)")
        #expect(problems.contains { $0.contains("n00 holds t-0 led by n03 outside") }, "\(problems)")
        #expect(problems.contains { $0.contains("n01 holds t-0 with ISR [\"n01\", \"n00\"] outside") }, "\(problems)")
    }

    @Test func partitionEpochsFlagALeaderEpochGoingBackAndAVersionWithTwoContents() {
        let checker = PartitionEpochChecker(names: Self.names)
        let previous = PartitionSnapshot(
            leader: 1,
            leaderEpoch: LeaderEpoch(term: 3, number: 4),
            controllerEpoch: 3,
            partitionEpoch: 7,
            isrDigest: PartitionSnapshot.digest(isr: ["n01", "n02"])
        )
        // A newer version whose leader epoch ranks below the one held.
        var back = Self.partition(leader: "n01", isr: ["n01", "n02"], version: (4, 1))
        back.leaderEpoch = LeaderEpoch(term: 2, number: 9)
        let message = checker.partitionChanged(viewer: 0, previous: previous, current: back, at: 0)
        #expect(message?.contains("back from leader epoch 3.4 to 2.9") == true, "\(String(describing: message))")
        // The same version with another ISR.
        var twin = Self.partition(leader: "n01", isr: ["n01"], version: (3, 7))
        twin.leaderEpoch = LeaderEpoch(term: 3, number: 4)
        let twinMessage = checker.partitionChanged(viewer: 0, previous: previous, current: twin, at: 0)
        #expect(twinMessage?.contains("version 3.7 with two contents") == true, "\(String(describing: twinMessage))")
    }

    @Test func controllerEpochsFlagAnAnnouncedEpochGoingBack() {
        let checker = ControllerEpochChecker(names: Self.names)
        let newer = ControllerView(controller: "n02", epoch: 5, leaseRemaining: .seconds(1))
        let older = ControllerView(controller: "n00", epoch: 4, leaseRemaining: .seconds(1))
        #expect(checker.controllerViewChanged(viewer: 3, view: newer, at: 0) == nil)
        let message = checker.controllerViewChanged(viewer: 3, view: older, at: 0)
        #expect(
            message?.contains("n03 went back from announced epoch 5 to 4") == true,
            "\(String(describing: message))"
        )
    }
}
