import Log
import XCTest

@testable import Replication

final class FollowerReplicationTests: XCTestCase {
    private let backoff = ReplicationConfig.default.fetchBackoffMs

    private func follower(logEndOffset: Int64, highWatermark: Int64 = 0, epoch: Int32 = 5) -> FollowerReplication {
        FollowerReplication(leader: "a", leaderEpoch: epoch, logEndOffset: logEndOffset, highWatermark: highWatermark)
    }

    /// The id of the request a directive list ends with.
    private func request(
        _ directives: [FollowerDirective],
        file: StaticString = #filePath,
        line: UInt = #line
    )
        -> ReplicaRequestID
    {
        switch directives.last {
        case .sendOffsetForLeaderEpoch(let id, _, _), .fetch(let id, _, _), .listLeaderOffsets(let id, _):
            return id
        default:
            XCTFail("no request in \(directives)", file: file, line: line)
            return ReplicaRequestID(generation: 99, sequence: 99)
        }
    }

    func testAnEmptyLogFetchesAtOnce() {
        var core = follower(logEndOffset: 0)
        let directives = core.start(latestLocalEpoch: nil, now: 0)
        XCTAssertEqual(directives, [.fetch(request(directives), offset: 0, leaderEpoch: 5)])
    }

    func testRestartedFollowerKeepsRecordsAboveItsHighWatermark() {
        // KIP-101's first scenario: the follower holds offsets 0 and 1 of epoch 0 but learned only mark 1. Cutting
        // to the mark would drop offset 1, which the leader may already count as committed.
        let local = epochCache([(0, 0)])
        let leader = epochCache([(0, 0)])
        var core = follower(logEndOffset: 2, highWatermark: 1, epoch: 1)
        let asked = core.start(latestLocalEpoch: 0, now: 0)
        XCTAssertEqual(asked, [.sendOffsetForLeaderEpoch(request(asked), epoch: 0, currentLeaderEpoch: 1)])
        let answer = leader.endOffset(for: 0, logEndOffset: 2)
        let next = core.offsetForLeaderEpochAnswered(
            request(asked),
            leaderEpoch: answer.epoch,
            endOffset: answer.endOffset,
            localEpochs: local,
            now: 1
        )
        XCTAssertEqual(next, [.fetch(request(next), offset: 2, leaderEpoch: 1)], "no truncation at all")
    }

    func testDivergentTailAfterALeaderChangeIsCut() {
        // KIP-101's second scenario: this replica wrote offset 1 in epoch 0 that nobody else has; the new leader wrote
        // another record at offset 1 in epoch 1.
        var local = epochCache([(0, 0)])
        let leader = epochCache([(0, 0), (1, 1)])
        var core = follower(logEndOffset: 2, highWatermark: 1, epoch: 1)
        let asked = core.start(latestLocalEpoch: 0, now: 0)
        let answer = leader.endOffset(for: 0, logEndOffset: 2)
        XCTAssertTrue(answer == (0, 1))
        let cut = core.offsetForLeaderEpochAnswered(
            request(asked),
            leaderEpoch: answer.epoch,
            endOffset: answer.endOffset,
            localEpochs: local,
            now: 1
        )
        XCTAssertEqual(cut, [.truncate(to: 1)])
        XCTAssertEqual(
            core.fetched(request(asked), logEndOffset: 9, leaderHighWatermark: 9, now: 1),
            [],
            "not fetching"
        )
        local.truncateFromEnd(endOffset: 1)
        let fetch = core.truncated(logEndOffset: 1, now: 2)
        XCTAssertEqual(fetch, [.fetch(request(fetch), offset: 1, leaderEpoch: 1)])
    }

    func testMultipleRoundsWhenTheFollowerSkippedTheLeadersEpoch() {
        var local = epochCache([(0, 0), (2, 5), (3, 8)])
        let leader = epochCache([(0, 0), (1, 5), (4, 7)])
        var core = follower(logEndOffset: 10, epoch: 4)
        let first = core.start(latestLocalEpoch: local.latestEpoch, now: 0)
        var answer = leader.endOffset(for: 3, logEndOffset: 12)
        let cut = core.offsetForLeaderEpochAnswered(
            request(first),
            leaderEpoch: answer.epoch,
            endOffset: answer.endOffset,
            localEpochs: local,
            now: 1
        )
        XCTAssertEqual(cut, [.truncate(to: 5)])
        local.truncateFromEnd(endOffset: 5)
        let second = core.truncated(logEndOffset: 5, now: 2)
        XCTAssertEqual(second, [.sendOffsetForLeaderEpoch(request(second), epoch: 0, currentLeaderEpoch: 4)])
        answer = leader.endOffset(for: 0, logEndOffset: 12)
        let fetch = core.offsetForLeaderEpochAnswered(
            request(second),
            leaderEpoch: answer.epoch,
            endOffset: answer.endOffset,
            localEpochs: local,
            now: 3
        )
        XCTAssertEqual(fetch, [.fetch(request(fetch), offset: 5, leaderEpoch: 4)])
    }

    func testHighWatermarkIsTheLeadersCappedAtTheLogEndAndNeverGoesBack() {
        var core = follower(logEndOffset: 0)
        var last = core.start(latestLocalEpoch: nil, now: 0)
        last = core.fetched(request(last), logEndOffset: 5, leaderHighWatermark: 8, now: 1)
        XCTAssertEqual(last.first, .highWatermark(5))
        last = core.fetched(request(last), logEndOffset: 9, leaderHighWatermark: 3, now: 2)
        XCTAssertEqual(core.highWatermark, 5)
        XCTAssertEqual(last, [.fetch(request(last), offset: 9, leaderEpoch: 5)])
        last = core.fetched(request(last), logEndOffset: 9, leaderHighWatermark: 9, now: 3)
        XCTAssertEqual(last.first, .highWatermark(9))
    }

    func testLateAnswersToEarlierRequestsAreIgnored() {
        var core = follower(logEndOffset: 0)
        let first = core.start(latestLocalEpoch: nil, now: 0)
        let retried = core.requestFailed(request(first), error: .unavailable, now: 1)
        XCTAssertEqual(retried, [.backoff(until: 1 + backoff)])
        XCTAssertEqual(core.tick(now: backoff), [])
        let second = core.tick(now: 1 + backoff)
        XCTAssertNotEqual(request(second), request(first))
        XCTAssertFalse(core.expects(request(first)))
        XCTAssertEqual(core.fetched(request(first), logEndOffset: 4, leaderHighWatermark: 4, now: 2), [])
        XCTAssertEqual(core.logEndOffset, 0)
    }

    func testFencedWaitsForANewStateOthersRetry() {
        var core = follower(logEndOffset: 3)
        var last = core.start(latestLocalEpoch: 2, now: 0)
        last = core.requestFailed(request(last), error: .unknownLeaderEpoch, now: 1)
        XCTAssertEqual(last, [.backoff(until: 1 + backoff)])
        last = core.tick(now: 1 + backoff)
        XCTAssertEqual(
            last,
            [.sendOffsetForLeaderEpoch(request(last), epoch: 2, currentLeaderEpoch: 5)],
            "same question"
        )
        XCTAssertEqual(core.requestFailed(request(last), error: .fencedLeaderEpoch, now: 2), [])
        XCTAssertEqual(core.phase, .fenced)
        XCTAssertEqual(core.tick(now: 1_000_000), [])
    }

    func testUnansweredRequestsTimeOut() {
        var core = follower(logEndOffset: 0)
        _ = core.start(latestLocalEpoch: nil, now: 0)
        let timeout = core.config.requestTimeoutMs
        XCTAssertEqual(core.tick(now: timeout - 1), [])
        XCTAssertEqual(core.tick(now: timeout), [.backoff(until: timeout + backoff)])
    }

    func testOffsetOutOfRangeResetsByTheLeadersOffsets() {
        // Our log ends before the leader's start (retention removed what we lack): restart at its start.
        var core = follower(logEndOffset: 4, highWatermark: 4)
        var last = core.start(latestLocalEpoch: nil, now: 0)
        last = core.requestFailed(request(last), error: .offsetOutOfRange, now: 1)
        XCTAssertEqual(last, [.listLeaderOffsets(request(last), leaderEpoch: 5)])
        XCTAssertEqual(
            core.leaderOffsetsListed(request(last), logStartOffset: 10, logEndOffset: 30, now: 2),
            [.truncateFully(startingAt: 10)]
        )
        last = core.truncated(logEndOffset: 10, now: 3)
        XCTAssertEqual(last, [.highWatermark(10), .fetch(request(last), offset: 10, leaderEpoch: 5)])

        // The leader's log ends before ours (an unclean election): cut to its end.
        var behind = follower(logEndOffset: 20)
        last = behind.start(latestLocalEpoch: nil, now: 0)
        last = behind.requestFailed(request(last), error: .offsetOutOfRange, now: 1)
        XCTAssertEqual(
            behind.leaderOffsetsListed(request(last), logStartOffset: 0, logEndOffset: 12, now: 2),
            [.truncate(to: 12)]
        )
    }

    func testFailedAppendFindsTheDivergenceAgain() {
        var core = follower(logEndOffset: 0)
        var last = core.start(latestLocalEpoch: nil, now: 0)
        last = core.appendFailed(request(last), logEndOffset: 3, latestLocalEpoch: 4, now: 1)
        XCTAssertEqual(last, [.backoff(until: 1 + backoff)])
        last = core.tick(now: 1 + backoff)
        XCTAssertEqual(last, [.sendOffsetForLeaderEpoch(request(last), epoch: 4, currentLeaderEpoch: 5)])
    }

    func testUndefinedAnswerIsRetried() {
        var core = follower(logEndOffset: 3)
        let asked = core.start(latestLocalEpoch: 2, now: 0)
        let next = core.offsetForLeaderEpochAnswered(
            request(asked),
            leaderEpoch: -1,
            endOffset: -1,
            localEpochs: epochCache([(2, 0)]),
            now: 1
        )
        XCTAssertEqual(next, [.backoff(until: 1 + backoff)])
        XCTAssertEqual(core.logEndOffset, 3, "nothing cut")
    }
}
