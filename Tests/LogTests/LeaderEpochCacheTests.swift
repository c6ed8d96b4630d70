import XCTest

@testable import Log

final class LeaderEpochCacheTests: XCTestCase {
    func testAssignKeepsOnlyNewerEpochs() {
        var cache = LeaderEpochCache()
        XCTAssertTrue(cache.assign(epoch: 2, startOffset: 0))
        XCTAssertFalse(cache.assign(epoch: 2, startOffset: 5))
        XCTAssertFalse(cache.assign(epoch: 1, startOffset: 9))
        XCTAssertTrue(cache.assign(epoch: 4, startOffset: 10))
        XCTAssertTrue(cache.assign(epoch: 5, startOffset: 10), "epoch 4 wrote nothing")
        XCTAssertEqual(
            cache.entries,
            [LeaderEpochEntry(epoch: 2, startOffset: 0), LeaderEpochEntry(epoch: 5, startOffset: 10)]
        )
        XCTAssertEqual(cache.epoch(at: 9), 2)
        XCTAssertEqual(cache.epoch(at: 10), 5)
    }

    func testEndOffsetForEpoch() {
        var cache = LeaderEpochCache()
        cache.assign(epoch: 2, startOffset: 5)
        cache.assign(epoch: 4, startOffset: 20)
        cache.assign(epoch: 7, startOffset: 30)
        XCTAssertTrue(cache.endOffset(for: 7, logEndOffset: 42) == (7, 42))
        XCTAssertTrue(cache.endOffset(for: 4, logEndOffset: 42) == (4, 30))
        XCTAssertTrue(cache.endOffset(for: 5, logEndOffset: 42) == (4, 30), "unknown epoch: the one before it")
        XCTAssertTrue(cache.endOffset(for: 1, logEndOffset: 42) == (1, 5), "older than all")
        XCTAssertTrue(cache.endOffset(for: 8, logEndOffset: 42) == (-1, -1), "newer than all")
        XCTAssertTrue(cache.endOffset(for: -1, logEndOffset: 42) == (-1, -1))
    }

    func testEndOffsetAsTheLeaderOfANewerEpoch() {
        var cache = LeaderEpochCache()
        cache.assign(epoch: 2, startOffset: 5)
        cache.assign(epoch: 4, startOffset: 20)
        // Leading in epoch 6, nothing written in it yet: epoch 4 ends at the log end offset, and so does any epoch
        // between 4 and 6 (the "largest epoch at or below" is 4), where the plain lookup knows nothing of them.
        XCTAssertTrue(cache.endOffset(for: 5, logEndOffset: 30) == (-1, -1))
        XCTAssertTrue(cache.endOffset(for: 5, logEndOffset: 30, leaderEpoch: 6) == (4, 30))
        XCTAssertTrue(cache.endOffset(for: 4, logEndOffset: 30, leaderEpoch: 6) == (4, 30))
        XCTAssertTrue(cache.endOffset(for: 6, logEndOffset: 30, leaderEpoch: 6) == (6, 30))
        XCTAssertTrue(cache.endOffset(for: 2, logEndOffset: 30, leaderEpoch: 6) == (2, 20))
        XCTAssertTrue(cache.endOffset(for: 7, logEndOffset: 30, leaderEpoch: 6) == (-1, -1), "newer than the leader")
        // A leader epoch the cache already holds (or an older one) changes nothing.
        XCTAssertTrue(cache.endOffset(for: 3, logEndOffset: 30, leaderEpoch: 4) == (2, 20))
        XCTAssertTrue(cache.endOffset(for: 4, logEndOffset: 30, leaderEpoch: 1) == (4, 30))
        // An empty log (a new leader that holds nothing): its own epoch ends at 0, an earlier one too.
        XCTAssertTrue(LeaderEpochCache().endOffset(for: 3, logEndOffset: 0, leaderEpoch: 3) == (3, 0))
        XCTAssertTrue(LeaderEpochCache().endOffset(for: 1, logEndOffset: 0, leaderEpoch: 3) == (1, 0))
        XCTAssertTrue(LeaderEpochCache().endOffset(for: -1, logEndOffset: 0, leaderEpoch: 3) == (-1, -1))
        XCTAssertEqual(cache.entries.count, 2, "the lookup does not change the cache")
    }

    func testTruncation() {
        var cache = LeaderEpochCache()
        cache.assign(epoch: 1, startOffset: 0)
        cache.assign(epoch: 2, startOffset: 10)
        cache.assign(epoch: 3, startOffset: 20)
        var fromEnd = cache
        fromEnd.truncateFromEnd(endOffset: 10)
        XCTAssertEqual(fromEnd.entries, [LeaderEpochEntry(epoch: 1, startOffset: 0)])
        cache.truncateFromStart(startOffset: 15)
        XCTAssertEqual(
            cache.entries,
            [LeaderEpochEntry(epoch: 2, startOffset: 15), LeaderEpochEntry(epoch: 3, startOffset: 20)]
        )
    }

    func testEncodingRoundTrip() {
        var cache = LeaderEpochCache()
        cache.assign(epoch: 3, startOffset: 1 << 40)
        cache.assign(epoch: Int32.max, startOffset: Int64.max)
        XCTAssertEqual(LeaderEpochCache.decode(cache.encoded()), cache)
        XCTAssertNil(LeaderEpochCache.decode(Array(cache.encoded().dropLast())))
    }
}
