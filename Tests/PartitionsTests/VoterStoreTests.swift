import Gossip
import Primitives
import Testing

@testable import Partitions

/// A voter's side of the commit rule, driven by hand: after granting an epoch it stores nothing from an older one
/// (what makes the gather complete), it stores only batches that join without a gap, and it answers only once
/// durable; the stored states go back with its next gathering grant.
@Suite("Voter storage")
struct VoterStoreTests {
    static let configuration = PartitionsConfiguration(voters: ["n1", "n2", "n3"])
    static let now = Timestamp.zero + .seconds(10)
    static let state = PartitionState(
        id: PartitionID(topic: "t", partition: 0),
        replicas: ["n4", "n5"],
        leader: "n4",
        leaderEpoch: LeaderEpoch(term: 4, number: 1),
        isr: ["n4"],
        controllerEpoch: 4,
        partitionEpoch: 2
    )

    static func voter() -> PartitionsInstance {
        PartitionsInstance(
            name: "n2",
            metadata: NodeMetadata(),
            configuration: configuration,
            seed: 1,
            now: .zero
        )
    }

    /// The messages sent to `to`, in order.
    static func sent(_ directives: [PartitionsDirective], to recipient: String) -> [ControlMessage] {
        directives.compactMap { directive in
            if case .send(let message, let to) = directive, to == recipient { return message }
            return nil
        }
    }

    static func store(
        _ voter: inout PartitionsInstance,
        from controller: String,
        epoch: UInt64,
        from start: UInt64
    )
        -> [ControlMessage]
    {
        let message = ControlMessage.storeStates(
            controller: controller,
            epoch: epoch,
            from: start,
            through: start + 1,
            states: [state]
        )
        let out = voter.receive(message, now: now, members: NoMembers())
        return sent(voter.settle(out, now: now, members: NoMembers()), to: controller)
    }

    @Test func aStoreIsAcknowledgedOnlyOnceDurable() {
        var voter = Self.voter()
        let out = voter.receive(
            .storeStates(controller: "n1", epoch: 4, from: 0, through: 3, states: [Self.state]),
            now: Self.now,
            members: NoMembers()
        )
        #expect(Self.sent(out, to: "n1").isEmpty)
        guard case .persist(let record, let ticket) = out.last else {
            Issue.record("expected a persist, got \(out)")
            return
        }
        #expect(record.states[Self.state.id] == Self.state && record.storedThrough == 3)
        let acked = Self.sent(voter.voterRecordPersisted(ticket: ticket, now: Self.now, members: NoMembers()), to: "n1")
        #expect(
            acked == [.storeAck(voter: "n2", controller: "n1", epoch: 4, through: 3, stored: true, highestEpoch: 4)]
        )
    }

    @Test func afterGrantingAnEpochNothingOlderIsStored() {
        var voter = Self.voter()
        let out = voter.receive(
            .leaseRequestWithStates(candidate: "n3", epoch: 5, request: 1),
            now: Self.now,
            members: NoMembers()
        )
        let granted = Self.sent(voter.settle(out, now: Self.now, members: NoMembers()), to: "n3")
        #expect(
            granted.first
                == .leaseReply(voter: "n2", candidate: "n3", epoch: 5, request: 1, granted: true, highestEpoch: 5)
        )
        let refused = Self.store(&voter, from: "n1", epoch: 4, from: 0)
        #expect(refused.count == 1)
        if case .storeAck(_, _, _, _, let stored, let highest) = refused.first {
            #expect(!stored && highest == 5)
        }
        #expect(voter.voterRecord.states.isEmpty, "a store of an older epoch after the grant must not be kept")
    }

    @Test func aBatchThatLeavesAGapIsNotStored() {
        var voter = Self.voter()
        let refused = voter.receive(
            .storeStates(controller: "n1", epoch: 4, from: 5, through: 6, states: [Self.state]),
            now: Self.now,
            members: NoMembers()
        )
        #expect(
            Self.sent(refused, to: "n1") == [
                .storeAck(voter: "n2", controller: "n1", epoch: 4, through: 0, stored: false, highestEpoch: 4)
            ]
        )
        #expect(voter.voterRecord.states.isEmpty)
    }

    @Test func theStoredStatesGoBackWithTheNextGatheringGrant() {
        var voter = Self.voter()
        let acked = Self.store(&voter, from: "n1", epoch: 4, from: 0)
        #expect(acked.count == 1)
        let out = voter.receive(
            .leaseRequestWithStates(candidate: "n3", epoch: 5, request: 7),
            now: Self.now + .seconds(1),
            members: NoMembers()
        )
        let messages = Self.sent(voter.settle(out, now: Self.now, members: NoMembers()), to: "n3")
        #expect(
            messages.contains(
                .grantedStates(
                    voter: "n2",
                    candidate: "n3",
                    epoch: 5,
                    request: 7,
                    page: 0,
                    pageCount: 1,
                    states: [Self.state]
                )
            ),
            "\(messages)"
        )
    }
}
