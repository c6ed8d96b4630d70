import Gossip
import Primitives
import Testing

@testable import Partitions

/// The bookkeeping under the lease rules: which grants count for a holder's round, and what a grant does to a
/// voter's epoch floor. Found missing by `scripts/mutants.sh` (mutants that survived every other test).
@Suite("Lease rounds")
struct LeaseRoundTests {
    static let configuration = PartitionsConfiguration(voters: ["v1", "v2", "v3"])

    /// A grant answers one round. Counting a late grant of an older round for the newest would let the holder act
    /// until `newest send + L − D`, while that voter is bound only from its older receipt.
    @Test func onlyGrantsOfTheNewestRoundCount() {
        var holder = LeaseHolder()
        let first = holder.beginRequest(epoch: 1, now: .zero + .seconds(10))
        let second = holder.beginRequest(epoch: 1, now: .zero + .seconds(11))
        func grant(_ voter: String, _ request: UInt64) -> Bool {
            holder.recordGrant(from: voter, epoch: 1, request: request, configuration: Self.configuration)
        }
        let oldRound = [grant("v1", first), grant("v2", first)]
        #expect(oldRound == [false, false])
        #expect(!holder.isActing(at: .zero + .seconds(11)), "two grants of an old round are no majority")
        let one = grant("v1", second)
        #expect(!one)
        #expect(!holder.isActing(at: .zero + .seconds(11)), "one grant of the newest round is no majority")
        let two = grant("v2", second)
        #expect(two)
        #expect(holder.actingUntil == .zero + .seconds(11) + .milliseconds(1_800))
    }

    /// Whatever a voter grants becomes its epoch floor: after granting epoch e it never grants anything at or below
    /// e to anyone else, even when the grant was to the candidate it already held.
    @Test func everyGrantRaisesTheVotersEpochFloor() {
        var voter = LeaseVoter(startedAt: .zero, configuration: Self.configuration)
        let start = Timestamp.zero + .seconds(10)
        let first = voter.consider(candidate: "a", epoch: 3, now: start, configuration: Self.configuration)
        #expect(first)
        let again = voter.consider(
            candidate: "a",
            epoch: 5,
            now: start + .seconds(1),
            configuration: Self.configuration
        )
        if again {
            #expect(voter.grantedEpoch == 5)
            #expect(voter.highestEpoch >= 5)
        } else {
            #expect(voter.grantedEpoch == 3)
        }
        // Long after every grant expired, epoch 4 may be granted only if 5 never was.
        let four = voter.consider(
            candidate: "b",
            epoch: 4,
            now: start + .seconds(30),
            configuration: Self.configuration
        )
        #expect(four == !again)
    }
}
