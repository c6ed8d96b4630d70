import XCTest

@testable import Replication

final class LeaderReplicationTests: XCTestCase {
    private let lag = ReplicationConfig.default.replicaLagTimeMaxMs
    private let retry = ReplicationConfig.default.isrProposalRetryMs

    private func leader(
        isr: [String] = ["a", "b", "c"],
        logEndOffset: Int64 = 0,
        highWatermark: Int64 = 0
    )
        -> LeaderReplication
    {
        LeaderReplication(
            localReplica: "a",
            replicas: ["a", "b", "c"],
            isr: isr,
            leaderEpoch: 3,
            partitionEpoch: 7,
            logEndOffset: logEndOffset,
            highWatermark: highWatermark,
            now: 0
        )
    }

    func testHighWatermarkIsTheMinimumOverTheISR() {
        var core = leader()
        XCTAssertEqual(core.leaderAppended(logEndOffset: 10), [], "followers have not fetched yet")
        XCTAssertEqual(core.followerFetched(replica: "b", fetchOffset: 10, now: 1).directives, [])
        let fromC = core.followerFetched(replica: "c", fetchOffset: 6, now: 2)
        XCTAssertEqual(fromC.directives, [.highWatermarkAdvanced(6)])
        XCTAssertEqual(fromC.highWatermark, 6)
        XCTAssertEqual(core.followerFetched(replica: "c", fetchOffset: 10, now: 3).highWatermark, 10)
        XCTAssertEqual(core.highWatermark, 10)
    }

    func testALeaderAloneInTheISRAdvancesOnAppend() {
        var core = leader(isr: ["a"])
        XCTAssertEqual(core.leaderAppended(logEndOffset: 4), [.highWatermarkAdvanced(4)])
        XCTAssertEqual(core.leaderAppended(logEndOffset: 3), [], "the log end does not go back")
        XCTAssertEqual(core.logEndOffset, 4)
    }

    func testOutOfSyncFollowersDoNotHoldTheHighWatermark() {
        var core = leader(isr: ["a", "b"], logEndOffset: 10, highWatermark: 4)
        XCTAssertEqual(core.followerFetched(replica: "c", fetchOffset: 2, now: 1).directives, [], "below the mark")
        XCTAssertEqual(core.followerFetched(replica: "b", fetchOffset: 8, now: 1).highWatermark, 8)
    }

    func testHighWatermarkNeverGoesBack() {
        var core = leader(isr: ["a", "b"], logEndOffset: 5, highWatermark: 5)
        XCTAssertEqual(core.highWatermark, 5, "from the checkpoint")
        XCTAssertEqual(core.followerFetched(replica: "b", fetchOffset: 2, now: 1).highWatermark, 5)
        _ = core.leaderAppended(logEndOffset: 9)
        _ = core.followerFetched(replica: "b", fetchOffset: 9, now: 2)
        XCTAssertEqual(core.highWatermark, 9)
        let back = core.followerFetched(replica: "b", fetchOffset: 3, now: 3)
        XCTAssertEqual(back.highWatermark, 9)
        XCTAssertEqual(back.directives, [])
        _ = core.partitionStateChanged(
            replicas: ["a", "b", "c"],
            isr: ["a", "b", "c"],
            leaderEpoch: 3,
            partitionEpoch: 8,
            now: 4
        )
        XCTAssertEqual(core.highWatermark, 9, "a new ISR member that has not fetched does not pull it back")
    }

    func testCheckpointedHighWatermarkIsCappedAtTheLogEnd() {
        XCTAssertEqual(leader(logEndOffset: 4, highWatermark: 9).highWatermark, 4)
    }

    func testFetchesFromStrangersAndBeyondTheEndAreRefused() {
        var core = leader()
        _ = core.leaderAppended(logEndOffset: 5)
        XCTAssertEqual(core.followerFetched(replica: "z", fetchOffset: 1, now: 1).rejection, .notAReplica)
        XCTAssertEqual(core.followerFetched(replica: "a", fetchOffset: 1, now: 1).rejection, .notAReplica)
        XCTAssertEqual(core.followerFetched(replica: "b", fetchOffset: 6, now: 1).rejection, .offsetOutOfRange)
        XCTAssertEqual(core.followerFetched(replica: "b", fetchOffset: -1, now: 1).rejection, .offsetOutOfRange)
        XCTAssertNil(core.followers["b"]?.logEndOffset, "a refused fetch is not counted")
    }

    func testShrinkOnlyAfterTheLagTimeout() {
        var core = leader()
        _ = core.leaderAppended(logEndOffset: 10)
        _ = core.followerFetched(replica: "b", fetchOffset: 10, now: 100)
        _ = core.followerFetched(replica: "c", fetchOffset: 4, now: 100)
        XCTAssertEqual(core.tick(now: lag), [], "c was caught up at start (time 0), exactly the lag ago")
        _ = core.followerFetched(replica: "b", fetchOffset: 10, now: lag)
        XCTAssertEqual(core.tick(now: lag + 1), [.proposeISR(["a", "b"], basedOnPartitionEpoch: 7, leaderEpoch: 3)])
    }

    func testAFollowerKeepingUpWithAStreamStaysInSync() {
        var core = leader(isr: ["a", "b"])
        var end: Int64 = 0
        var now: Int64 = 0
        for _ in 0..<40 {
            end += 5
            _ = core.leaderAppended(logEndOffset: end)
            now += lag / 4
            // b always fetches what the leader had at its previous fetch, never the current end.
            _ = core.followerFetched(replica: "b", fetchOffset: end - 5, now: now)
            XCTAssertEqual(core.tick(now: now), [])
        }
        // Once it stops reaching the previous end, the lag clock runs out.
        let stuck = end - 5
        for _ in 0..<4 {
            end += 5
            _ = core.leaderAppended(logEndOffset: end)
            now += lag / 4
            _ = core.followerFetched(replica: "b", fetchOffset: stuck, now: now)
        }
        now += 1
        XCTAssertEqual(core.tick(now: now), [.proposeISR(["a"], basedOnPartitionEpoch: 7, leaderEpoch: 3)])
    }

    func testPendingShrinkKeepsTheFollowerInTheHighWatermarkUntilCommitted() {
        var core = leader()
        _ = core.leaderAppended(logEndOffset: 10)
        _ = core.followerFetched(replica: "c", fetchOffset: 3, now: 1)
        _ = core.followerFetched(replica: "b", fetchOffset: 10, now: lag + 1)
        XCTAssertEqual(core.tick(now: lag + 1), [.proposeISR(["a", "b"], basedOnPartitionEpoch: 7, leaderEpoch: 3)])
        XCTAssertEqual(core.highWatermark, 3)
        XCTAssertEqual(core.followerFetched(replica: "b", fetchOffset: 10, now: lag + 2).highWatermark, 3)
        let committed = core.proposalCommitted(isr: ["a", "b"], partitionEpoch: 8, now: lag + 3)
        XCTAssertEqual(committed, [.highWatermarkAdvanced(10)])
        XCTAssertNil(core.pendingISR)
        XCTAssertEqual(core.isr, ["a", "b"])
    }

    func testPendingExpansionHoldsTheHighWatermark() {
        var core = leader(isr: ["a", "b"])
        _ = core.leaderAppended(logEndOffset: 10)
        _ = core.followerFetched(replica: "b", fetchOffset: 10, now: 1)
        XCTAssertEqual(core.highWatermark, 10)
        XCTAssertEqual(core.followerFetched(replica: "c", fetchOffset: 9, now: 2).directives, [], "below the mark")
        let joined = core.followerFetched(replica: "c", fetchOffset: 10, now: 3)
        XCTAssertEqual(joined.directives, [.proposeISR(["a", "b", "c"], basedOnPartitionEpoch: 7, leaderEpoch: 3)])
        XCTAssertEqual(core.maximalISR, ["a", "b", "c"])
        _ = core.leaderAppended(logEndOffset: 20)
        _ = core.followerFetched(replica: "b", fetchOffset: 20, now: 4)
        XCTAssertEqual(core.highWatermark, 10, "c, being added, holds the mark")
        _ = core.followerFetched(replica: "c", fetchOffset: 15, now: 5)
        XCTAssertEqual(core.highWatermark, 15)
        _ = core.proposalCommitted(isr: ["a", "b", "c"], partitionEpoch: 8, now: 6)
        XCTAssertEqual(core.isr, ["a", "b", "c"])
        XCTAssertEqual(core.followerFetched(replica: "c", fetchOffset: 20, now: 7).highWatermark, 20)
    }

    func testARejectedExpansionReleasesTheHighWatermarkAndWaitsBeforeTheNextProposal() {
        var core = leader(isr: ["a", "b"])
        _ = core.leaderAppended(logEndOffset: 10)
        _ = core.followerFetched(replica: "b", fetchOffset: 10, now: 1)
        _ = core.followerFetched(replica: "c", fetchOffset: 10, now: 2)
        _ = core.leaderAppended(logEndOffset: 20)
        _ = core.followerFetched(replica: "b", fetchOffset: 20, now: 3)
        XCTAssertEqual(core.highWatermark, 10)
        XCTAssertEqual(
            core.proposalRejected(basedOnPartitionEpoch: 6, controllerPartitionEpoch: 7, now: 4),
            [],
            "not the pending proposal"
        )
        XCTAssertEqual(
            core.proposalRejected(basedOnPartitionEpoch: 7, controllerPartitionEpoch: 7, now: 4),
            [.highWatermarkAdvanced(20)]
        )
        XCTAssertEqual(core.followerFetched(replica: "c", fetchOffset: 20, now: 5).directives, [], "backing off")
        XCTAssertEqual(
            core.tick(now: 4 + retry),
            [.proposeISR(["a", "b", "c"], basedOnPartitionEpoch: 7, leaderEpoch: 3)]
        )
    }

    func testARefusalAfterThePartitionMovedOnKeepsTheProposalUntilTheNewState() {
        // A resent copy is refused because the first copy was committed; the first answer is still on its way.
        var core = leader(isr: ["a", "b"])
        _ = core.leaderAppended(logEndOffset: 10)
        _ = core.followerFetched(replica: "b", fetchOffset: 10, now: 1)
        _ = core.followerFetched(replica: "c", fetchOffset: 10, now: 2)
        _ = core.leaderAppended(logEndOffset: 20)
        _ = core.followerFetched(replica: "b", fetchOffset: 20, now: 3)
        XCTAssertEqual(core.proposalRejected(basedOnPartitionEpoch: 7, controllerPartitionEpoch: 8, now: 4), [])
        XCTAssertEqual(core.highWatermark, 10, "c may be in the ISR already")
        XCTAssertEqual(core.tick(now: 4 + 10 * retry), [], "neither resent nor replaced")
        _ = core.proposalCommitted(isr: ["a", "b", "c"], partitionEpoch: 8, now: 5)
        XCTAssertNil(core.pendingISR)
        XCTAssertEqual(core.highWatermark, 10)
    }

    func testExpansionNeedsTheCurrentEpochsStart() {
        var core = leader(isr: ["a", "b"], logEndOffset: 10, highWatermark: 5)
        XCTAssertEqual(core.leaderEpochStartOffset, 10)
        XCTAssertEqual(core.followerFetched(replica: "c", fetchOffset: 7, now: 1).directives, [])
        XCTAssertFalse(core.isEligibleToJoin("c"))
        XCTAssertEqual(
            core.followerFetched(replica: "c", fetchOffset: 10, now: 2).directives,
            [.proposeISR(["a", "b", "c"], basedOnPartitionEpoch: 7, leaderEpoch: 3)]
        )
    }

    func testOneProposalInFlightResentUntilAnswered() {
        var core = leader(isr: ["a"])
        _ = core.leaderAppended(logEndOffset: 4)
        let first = core.followerFetched(replica: "b", fetchOffset: 4, now: 10).directives
        XCTAssertEqual(first, [.proposeISR(["a", "b"], basedOnPartitionEpoch: 7, leaderEpoch: 3)])
        XCTAssertEqual(core.followerFetched(replica: "c", fetchOffset: 4, now: 11).directives, [], "one at a time")
        XCTAssertEqual(core.tick(now: 10 + retry - 1), [])
        XCTAssertEqual(core.tick(now: 10 + retry), first, "resent unchanged")
        // A newer state from the controller settles it, whatever it says.
        _ = core.partitionStateChanged(
            replicas: ["a", "b", "c"],
            isr: ["a"],
            leaderEpoch: 3,
            partitionEpoch: 8,
            now: 12
        )
        XCTAssertNil(core.pendingISR)
        XCTAssertEqual(
            core.tick(now: 13),
            [.proposeISR(["a", "b"], basedOnPartitionEpoch: 8, leaderEpoch: 3)]
        )
    }

    func testStatesOfOtherEpochsAreIgnored() {
        var core = leader()
        _ = core.partitionStateChanged(replicas: ["a", "b"], isr: ["a"], leaderEpoch: 4, partitionEpoch: 9, now: 1)
        _ = core.partitionStateChanged(replicas: ["a", "b"], isr: ["a"], leaderEpoch: 3, partitionEpoch: 7, now: 1)
        XCTAssertEqual(core.isr, ["a", "b", "c"])
        _ = core.partitionStateChanged(
            replicas: ["a", "b"],
            isr: ["a", "b"],
            leaderEpoch: 3,
            partitionEpoch: 8,
            now: 1
        )
        XCTAssertEqual(core.isr, ["a", "b"])
        XCTAssertNil(core.followers["c"], "removed from the replicas")
    }

    func testAcksAllNeedsMinInsyncReplicas() {
        var core = leader(isr: ["a", "b"])
        XCTAssertEqual(core.canAcceptAcksAll(minInsyncReplicas: 2), .accept)
        XCTAssertEqual(core.canAcceptAcksAll(minInsyncReplicas: 3), .notEnoughReplicas)
        _ = core.leaderAppended(logEndOffset: 5)
        XCTAssertEqual(core.acksAllCompletion(requiredOffset: 5, minInsyncReplicas: 2), .waiting)
        _ = core.followerFetched(replica: "b", fetchOffset: 5, now: 1)
        XCTAssertEqual(core.acksAllCompletion(requiredOffset: 5, minInsyncReplicas: 2), .satisfied)
        _ = core.partitionStateChanged(
            replicas: ["a", "b", "c"],
            isr: ["a"],
            leaderEpoch: 3,
            partitionEpoch: 8,
            now: 2
        )
        XCTAssertEqual(core.canAcceptAcksAll(minInsyncReplicas: 2), .notEnoughReplicas)
        XCTAssertEqual(
            core.acksAllCompletion(requiredOffset: 5, minInsyncReplicas: 2),
            .notEnoughReplicasAfterAppend
        )
    }
}
