import Log
import XCTest

@testable import Replication

/// Three replicas of one partition driven by `ReplicaManager`s (see `ReplicationWorld`) over a network that delays,
/// reorders and drops messages and stalls links for a while, with clean leader changes, restarts, and partition
/// states that reach each node late. After every step: every offset below any high watermark a leader announced is
/// committed, every member of the controller's ISR holds all committed records unchanged, no ISR member cuts below
/// them, and no replica's high watermark covers a record that differs from the committed one.
final class ReplicationPropertyTests: XCTestCase {
    func testCommittedRecordsSurviveRandomInterleavings() {
        var totals = (committed: 0, truncations: 0, proposals: 0, isrChanges: 0, elections: Int32(0))
        for seed in UInt64(1)...64 {
            var world = ReplicationWorld(seed: seed)
            for _ in 0..<2_500 {
                world.step()
                if let failure = world.failure {
                    return XCTFail("seed \(seed), step \(world.steps): \(failure)")
                }
            }
            XCTAssertGreaterThan(world.committed.count, 0, "seed \(seed) never committed anything")
            totals.committed += world.committed.count
            totals.truncations += world.truncations
            totals.isrChanges += world.isrChanges
            totals.proposals += world.proposals
            totals.elections += world.controller.leaderEpoch
        }
        XCTAssertGreaterThan(totals.truncations, 0)
        XCTAssertGreaterThan(totals.isrChanges, 0)
        print("replication property: \(totals)")
    }
}
