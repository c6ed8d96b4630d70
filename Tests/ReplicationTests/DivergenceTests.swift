import Log
import XCTest

@testable import Replication

/// Truncation by leader epoch as a pure function, on the real `LeaderEpochCache`.
final class DivergenceTests: XCTestCase {
    /// Asks `leader` the way a follower with `follower` would, as far as one round goes.
    private func decide(
        follower: LeaderEpochCache,
        followerEnd: Int64,
        leader: LeaderEpochCache,
        leaderEnd: Int64,
        asking: Int32? = nil
    ) -> DivergenceDecision {
        let asked = asking ?? follower.latestEpoch ?? -1
        let answer = leader.endOffset(for: asked, logEndOffset: leaderEnd)
        return divergencePoint(
            requestedEpoch: asked,
            leaderEpoch: answer.epoch,
            leaderEndOffset: answer.endOffset,
            localEpochs: follower,
            localLogEndOffset: followerEnd
        )
    }

    func testSameEpochKeepsTheShorterEnd() {
        let follower = epochCache([(0, 0), (2, 5)])
        let leader = epochCache([(0, 0), (2, 5), (3, 9)])
        XCTAssertEqual(
            decide(follower: follower, followerEnd: 12, leader: leader, leaderEnd: 20),
            .truncate(to: 9, askAgainWith: nil)
        )
        XCTAssertEqual(
            decide(follower: follower, followerEnd: 7, leader: leader, leaderEnd: 20),
            .truncate(to: 7, askAgainWith: nil)
        )
    }

    func testFollowerWithALongerLogOfAnOlderEpoch() {
        // KIP-101's second scenario: the follower kept records of epoch 0 that the new leader overwrote in epoch 1.
        let follower = epochCache([(0, 0)])
        let leader = epochCache([(0, 0), (1, 6)])
        XCTAssertEqual(
            decide(follower: follower, followerEnd: 10, leader: leader, leaderEnd: 8),
            .truncate(to: 6, askAgainWith: nil)
        )
    }

    func testFollowerEpochsTheLeaderNeverSawTakeAnotherRound() {
        // KIP-279: the follower has epochs 2 and 3, the leader went 0, 1, 4; its answer for 3 is epoch 1, which the
        // follower lacks, so it cuts its epochs above 0 and asks about 0.
        let follower = epochCache([(0, 0), (2, 5), (3, 8)])
        let leader = epochCache([(0, 0), (1, 5), (4, 7)])
        XCTAssertEqual(
            decide(follower: follower, followerEnd: 10, leader: leader, leaderEnd: 12),
            .truncate(to: 5, askAgainWith: 0)
        )
        var cut = follower
        cut.truncateFromEnd(endOffset: 5)
        XCTAssertEqual(
            decide(follower: cut, followerEnd: 5, leader: leader, leaderEnd: 12, asking: 0),
            .truncate(to: 5, askAgainWith: nil)
        )
    }

    func testAllOfTheFollowersEpochsAreNewerThanTheLeaders() {
        let follower = epochCache([(5, 3)])
        let leader = epochCache([(1, 0), (6, 4)])
        // The leader's largest epoch <= 5 is 1, ending at 4; the follower's log starts in epoch 5 at 3.
        XCTAssertEqual(
            decide(follower: follower, followerEnd: 9, leader: leader, leaderEnd: 10),
            .truncate(to: 3, askAgainWith: nil)
        )
    }

    func testTheLeaderAnsweringAboutAnEpochNewerThanOursIsAskedAgain() {
        let follower = epochCache([(1, 0)])
        XCTAssertEqual(
            divergencePoint(
                requestedEpoch: 3,
                leaderEpoch: 2,
                leaderEndOffset: 7,
                localEpochs: follower,
                localLogEndOffset: 9
            ),
            .truncate(to: 9, askAgainWith: 1)
        )
    }

    func testUnplaceableAnswersAreRetriedNotGuessed() {
        let follower = epochCache([(0, 0), (2, 5)])
        let newLeader = epochCache([(0, 0)])  // has not recorded its own epoch yet
        XCTAssertEqual(decide(follower: follower, followerEnd: 9, leader: newLeader, leaderEnd: 5), .retryLater)
        XCTAssertEqual(
            divergencePoint(
                requestedEpoch: 2,
                leaderEpoch: 3,
                leaderEndOffset: 7,
                localEpochs: follower,
                localLogEndOffset: 9
            ),
            .retryLater,
            "an epoch newer than asked is a broken answer"
        )
    }

    func testAnEmptyCacheKeepsWhatTheLeaderHas() {
        XCTAssertEqual(
            divergencePoint(
                requestedEpoch: 0,
                leaderEpoch: 0,
                leaderEndOffset: 4,
                localEpochs: epochCache([]),
                localLogEndOffset: 9
            ),
            .truncate(to: 4, askAgainWith: nil)
        )
    }
}
