import XCTest

@testable import Replication

final class ReplicaManagerTests: XCTestCase {
    private func state(
        leader: String?,
        epoch: Int32,
        partitionEpoch: UInt64 = 1,
        isr: [String] = ["a", "b"]
    )
        -> ReplicaPartitionState
    {
        ReplicaPartitionState(
            leader: leader,
            leaderEpoch: epoch,
            partitionEpoch: partitionEpoch,
            replicas: ["a", "b"],
            isr: isr
        )
    }

    func testRolesFollowThePartitionState() {
        var manager = ReplicaManager<Int>(localReplica: "a")
        let log = LocalLogPosition(logEndOffset: 7, highWatermark: 5, latestEpoch: 1)
        XCTAssertEqual(
            manager.partitionStateChanged(0, state: state(leader: "a", epoch: 2), log: log, now: 0),
            [.becameLeader(0, leaderEpoch: 2, startOffset: 7)]
        )
        XCTAssertEqual(manager.leaders[0]?.highWatermark, 5)
        // Same epoch, smaller ISR: the leader core takes it.
        _ = manager.partitionStateChanged(
            0,
            state: state(leader: "a", epoch: 2, partitionEpoch: 2, isr: ["a"]),
            log: log,
            now: 1
        )
        XCTAssertEqual(manager.leaders[0]?.isr, ["a"])
        XCTAssertEqual(manager.withLeader(0) { $0.leaderAppended(logEndOffset: 9) }, [.highWatermarkAdvanced(9)])

        let followed = manager.partitionStateChanged(0, state: state(leader: "b", epoch: 3), log: log, now: 2)
        XCTAssertNil(manager.leaders[0])
        guard case .follower(0, .sendOffsetForLeaderEpoch(let id, epoch: 1, currentLeaderEpoch: 3)) = followed.last
        else {
            return XCTFail("\(followed)")
        }
        XCTAssertEqual(followed.first, .becameFollower(0, leader: "b", leaderEpoch: 3))
        XCTAssertEqual(
            manager.partitionStateChanged(0, state: state(leader: "a", epoch: 2), log: log, now: 3),
            [],
            "stale"
        )
        XCTAssertEqual(manager.partitionStateChanged(0, state: state(leader: "b", epoch: 3), log: log, now: 3), [])

        // A second follower core never reuses the first one's request ids.
        _ = manager.partitionStateChanged(0, state: state(leader: "b", epoch: 4), log: log, now: 4)
        XCTAssertEqual(manager.withFollower(0) { $0.expects(id) }, false)
        XCTAssertEqual(
            manager.partitionStateChanged(0, state: state(leader: nil, epoch: 5), log: log, now: 5),
            [.stopped(0)]
        )
        XCTAssertNil(manager.followers[0])
    }

    func testALeaderAloneInTheISRMovesItsMarkToItsEndAtOnce() {
        var manager = ReplicaManager<Int>(localReplica: "a")
        let log = LocalLogPosition(logEndOffset: 7, highWatermark: 5, latestEpoch: 1)
        XCTAssertEqual(
            manager.partitionStateChanged(0, state: state(leader: "a", epoch: 2, isr: ["a"]), log: log, now: 0),
            [.becameLeader(0, leaderEpoch: 2, startOffset: 7), .leader(0, .highWatermarkAdvanced(7))]
        )
    }
}
