import Records
import XCTest

@testable import Log

final class PartitionLogTests: XCTestCase {
    private func makeLog(
        _ storage: InMemoryLogStorage = InMemoryLogStorage(),
        config: LogConfig = LogConfig()
    )
        throws -> PartitionLog
    {
        try PartitionLog(storage: storage, directory: "/data/t-0", topic: "t", partition: 0, config: config, now: 0)
    }

    func testAppendAssignsOffsetsAndStampsEpoch() throws {
        let log = try makeLog()
        XCTAssertEqual(log.logEndOffset, 0)
        let first = try log.append(validatedBatches: clientBatch(["a", "b", "c"]), leaderEpoch: 3, now: 10)
        XCTAssertEqual(first.firstOffset, 0)
        XCTAssertEqual(first.lastOffset, 2)
        XCTAssertEqual(first.recordCount, 3)
        XCTAssertEqual(first.maxTimestamp, 1002)
        let two = clientBatch(["d"]) + clientBatch(["e", "f"])
        let second = try log.append(validatedBatches: two, leaderEpoch: 3, now: 11)
        XCTAssertEqual(second.firstOffset, 3)
        XCTAssertEqual(second.lastOffset, 5)
        XCTAssertEqual(log.logEndOffset, 6)
        log.updateHighWatermark(6)
        let slice = try XCTUnwrap(try log.read(from: 0, maxBytes: 1 << 20, upTo: 6))
        var reader = RecordBatchReader(try slice.readBytes())
        let batches = try reader.all()
        XCTAssertEqual(batches.map(\.header.baseOffset), [0, 3, 4])
        XCTAssertEqual(batches.map(\.header.partitionLeaderEpoch), [3, 3, 3])
        XCTAssertNoThrow(try RecordBatchValidator.validate(try slice.readBytes(), mode: .stored), "CRC still valid")
        XCTAssertEqual(try allValues(log), ["a", "b", "c", "d", "e", "f"])
        XCTAssertEqual(log.leaderEpochCache.entries, [LeaderEpochEntry(epoch: 3, startOffset: 0)])
    }

    func testReadFromTheMiddleOfABatchReturnsTheWholeBatch() throws {
        let log = try makeLog()
        try log.append(validatedBatches: clientBatch(["a", "b", "c", "d"]), leaderEpoch: 0, now: 0)
        try log.append(validatedBatches: clientBatch(["e", "f"]), leaderEpoch: 0, now: 0)
        let slice = try XCTUnwrap(try log.read(from: 2, maxBytes: 1 << 20, upTo: log.logEndOffset))
        XCTAssertEqual(slice.firstBatchBaseOffset, 0)
        XCTAssertEqual(slice.position, 0)
        let fromFive = try records(in: log, from: 5)
        XCTAssertEqual(fromFive.map(\.offset), [4, 5])
    }

    func testMaxBytesReturnsWholeBatchesAndAtLeastOne() throws {
        let log = try makeLog()
        let big = sizedBatch(count: 4, size: 500)
        for _ in 0..<5 { try log.append(validatedBatches: big, leaderEpoch: 0, now: 0) }
        let end = log.logEndOffset
        XCTAssertEqual(try log.read(from: 0, maxBytes: Int.max, upTo: end)?.length, big.count * 5)
        XCTAssertEqual(try log.read(from: 0, maxBytes: -1, upTo: end)?.length, big.count)
        let tiny = try XCTUnwrap(try log.read(from: 0, maxBytes: 10, upTo: end))
        XCTAssertEqual(tiny.length, big.count, "KIP-74: the first batch whole even above maxBytes")
        let two = try XCTUnwrap(try log.read(from: 0, maxBytes: big.count * 2 + big.count / 2, upTo: end))
        XCTAssertEqual(two.length, big.count * 2)
        let exact = try XCTUnwrap(try log.read(from: 4, maxBytes: big.count * 3, upTo: end))
        XCTAssertEqual(exact.position, Int64(big.count))
        XCTAssertEqual(exact.length, big.count * 3)
    }

    func testHighWatermarkLimitsReads() throws {
        let log = try makeLog()
        for index in 0..<4 {
            try log.append(validatedBatches: clientBatch(["v\(index)", "w\(index)"]), leaderEpoch: 0, now: 0)
        }
        XCTAssertNil(try log.read(from: 0, maxBytes: 1 << 20, upTo: 0))
        XCTAssertEqual(try records(in: log, from: 0, upTo: 4).map(\.offset), [0, 1, 2, 3])
        XCTAssertEqual(try records(in: log, from: 0, upTo: 5).map(\.offset), [0, 1, 2, 3], "batch 4-5 not complete")
        XCTAssertNil(try log.read(from: 4, maxBytes: 1 << 20, upTo: 5))
        XCTAssertNil(try log.read(from: 8, maxBytes: 1 << 20, upTo: 8), "at the log end")
        XCTAssertThrowsError(try log.read(from: 9, maxBytes: 100, upTo: 9)) { error in
            XCTAssertEqual(error as? LogError, .offsetOutOfRange(offset: 9, logStartOffset: 0, logEndOffset: 8))
        }
        XCTAssertEqual(log.updateHighWatermark(100), 8, "clamped to the log end")
    }

    func testSegmentsRollBySizeAndReadsCrossThem() throws {
        var config = LogConfig()
        config.segmentBytes = 3000
        config.indexIntervalBytes = 100
        let log = try makeLog(config: config)
        var expected: [String] = []
        for index in 0..<40 {
            let values = (0..<(index % 4 + 1)).map {
                "value-\(index)-\($0)-" + String(repeating: "x", count: index * 3)
            }
            expected += values
            try log.append(validatedBatches: clientBatch(values), leaderEpoch: 0, now: 0)
        }
        XCTAssertGreaterThan(log.segmentCount, 3)
        XCTAssertTrue(log.segmentBaseOffsets == log.segmentBaseOffsets.sorted())
        XCTAssertEqual(try allValues(log), expected)
        // Every offset reads back the batch holding it, through the sparse index.
        for offset in 0..<log.logEndOffset {
            let found = try records(in: log, from: offset, maxBytes: 1)
            XCTAssertTrue(found.contains { $0.offset == offset }, "offset \(offset)")
        }
    }

    func testSegmentRollsByAge() throws {
        var config = LogConfig()
        config.segmentMs = 1000
        let log = try makeLog(config: config)
        try log.append(validatedBatches: clientBatch(["a"], timestamp: 0), leaderEpoch: 0, now: 0)
        try log.append(validatedBatches: clientBatch(["b"], timestamp: 500), leaderEpoch: 0, now: 500)
        XCTAssertEqual(log.segmentCount, 1)
        try log.append(validatedBatches: clientBatch(["c"], timestamp: 1200), leaderEpoch: 0, now: 1200)
        XCTAssertEqual(log.segmentBaseOffsets, [0, 2])
    }

    func testTooLargeBatchIsRejected() throws {
        var config = LogConfig()
        config.maxMessageBytes = 200
        let log = try makeLog(config: config)
        XCTAssertThrowsError(try log.append(validatedBatches: sizedBatch(count: 2, size: 200), leaderEpoch: 0, now: 0))
        {
            guard case .messageTooLarge = $0 as? RecordBatchError else { return XCTFail("\($0)") }
        }
        XCTAssertEqual(log.logEndOffset, 0)
    }

    func testTimestampLookup() throws {
        var config = LogConfig()
        config.segmentBytes = 600
        config.indexIntervalBytes = 50
        let log = try makeLog(config: config)
        for index in 0..<20 {
            try log.append(
                validatedBatches: clientBatch(["a", "b"], timestamp: Int64(index) * 100),
                leaderEpoch: 0,
                now: 0
            )
        }
        log.updateHighWatermark(log.logEndOffset)
        XCTAssertGreaterThan(log.segmentCount, 2)
        XCTAssertEqual(try log.offset(forTimestamp: 0, upTo: 40)?.offset, 0)
        XCTAssertEqual(try log.offset(forTimestamp: 1, upTo: 40)?.offset, 1)
        XCTAssertEqual(try log.offset(forTimestamp: 2, upTo: 40)?.offset, 2)
        XCTAssertEqual(try log.offset(forTimestamp: 1050, upTo: 40)?.offset, 22)
        XCTAssertEqual(try log.offset(forTimestamp: 1101, upTo: 40)?.offset, 23)
        XCTAssertEqual(try log.offset(forTimestamp: 1101, upTo: 40)?.timestamp, 1101)
        XCTAssertNil(try log.offset(forTimestamp: 5000, upTo: 40))
        XCTAssertNil(try log.offset(forTimestamp: 1050, upTo: 20), "above the limit")
    }

    func testTruncateRemovesTailAndEpochs() throws {
        var config = LogConfig()
        config.segmentBytes = 400
        let log = try makeLog(config: config)
        for index in 0..<10 {
            try log.append(
                validatedBatches: clientBatch(["x\(index)", "y\(index)"]),
                leaderEpoch: Int32(index / 3),
                now: 0
            )
        }
        log.updateHighWatermark(20)
        XCTAssertEqual(log.leaderEpochCache.entries.map(\.startOffset), [0, 6, 12, 18])
        XCTAssertEqual(try log.truncate(to: 12, now: 0), 12)
        XCTAssertEqual(log.logEndOffset, 12)
        XCTAssertEqual(log.highWatermark, 12)
        XCTAssertEqual(log.leaderEpochCache.entries.map(\.epoch), [0, 1])
        XCTAssertEqual(try allValues(log).count, 12)
        XCTAssertEqual(try log.truncate(to: 7, now: 0), 6, "the batch holding offset 7 goes whole")
        let appended = try log.append(validatedBatches: clientBatch(["z"]), leaderEpoch: 5, now: 0)
        XCTAssertEqual(appended.firstOffset, 6)
        XCTAssertEqual(log.leaderEpochCache.entries.last, LeaderEpochEntry(epoch: 5, startOffset: 6))
        try log.truncateFully(startingAt: 100, now: 0)
        XCTAssertEqual(log.logStartOffset, 100)
        XCTAssertEqual(log.logEndOffset, 100)
        XCTAssertEqual(try log.append(validatedBatches: clientBatch(["q"]), leaderEpoch: 6, now: 0).firstOffset, 100)
    }

    func testFollowerAppendKeepsOffsets() throws {
        let leader = try makeLog()
        try leader.append(validatedBatches: clientBatch(["a", "b"]), leaderEpoch: 1, now: 0)
        try leader.append(validatedBatches: clientBatch(["c"]), leaderEpoch: 2, now: 0)
        leader.updateHighWatermark(3)
        let bytes = try XCTUnwrap(try leader.read(from: 0, maxBytes: 1 << 20, upTo: 3)).readBytes()
        let follower = try PartitionLog(
            storage: InMemoryLogStorage(),
            directory: "/f",
            topic: "t",
            partition: 0,
            now: 0
        )
        let result = try follower.appendAsFollower(bytes, now: 0)
        XCTAssertEqual(result.firstOffset, 0)
        XCTAssertEqual(result.lastOffset, 2)
        XCTAssertEqual(follower.logEndOffset, 3)
        XCTAssertEqual(follower.leaderEpochCache.entries, leader.leaderEpochCache.entries)
        XCTAssertThrowsError(try follower.appendAsFollower(bytes, now: 0)) {
            XCTAssertEqual($0 as? LogError, .nonMonotonicAppend(firstOffset: 0, logEndOffset: 3))
        }
    }
}

extension PartitionLogTests {
    /// A follower that restarted its log at the leader's log start, inside a batch, takes that whole batch.
    func testFollowerRestartedInsideABatch() throws {
        let leader = try PartitionLog(storage: InMemoryLogStorage(), directory: "/l", topic: "t", partition: 0, now: 0)
        try leader.append(validatedBatches: clientBatch(["a", "b", "c"]), leaderEpoch: 1, now: 0)
        try leader.append(validatedBatches: clientBatch(["d"]), leaderEpoch: 1, now: 0)
        leader.updateHighWatermark(4)
        try leader.deleteRecords(before: 1, now: 0)
        let follower = try PartitionLog(
            storage: InMemoryLogStorage(),
            directory: "/f",
            topic: "t",
            partition: 0,
            now: 0
        )
        try follower.truncateFully(startingAt: leader.logStartOffset, now: 0)
        let bytes = try XCTUnwrap(try leader.read(from: 1, maxBytes: 1 << 20, upTo: 4)).readBytes()
        try follower.appendAsFollower(bytes, now: 0)
        XCTAssertEqual(follower.logStartOffset, 1)
        XCTAssertEqual(follower.logEndOffset, 4)
        XCTAssertEqual(try allValues(follower), ["b", "c", "d"])
        XCTAssertThrowsError(try follower.appendAsFollower(clientBatch(["gap"]), now: 0), "offset 0 is not the end")
    }
}

extension PartitionLogTests {
    /// Extreme offsets, sizes and timestamps give answers or typed errors, never a trap.
    func testExtremeArgumentsNeverTrap() throws {
        let log = try makeLog()
        try log.append(validatedBatches: clientBatch(["a", "b"]), leaderEpoch: 0, now: 0)
        let extremes: [Int64] = [Int64.min, -1, 0, 1, 2, 3, Int64.max]
        for offset in extremes {
            for limit in extremes {
                _ = try? log.read(from: offset, maxBytes: Int.max, upTo: limit)
                _ = try? log.read(from: offset, maxBytes: Int.min, upTo: limit)
                _ = try? log.offset(forTimestamp: offset, upTo: limit)
            }
            _ = log.updateHighWatermark(offset)
            _ = try? log.deleteRecords(before: offset, now: offset)
            _ = log.needsFlush(now: offset)
            _ = try? log.applyRetention(now: offset)
        }
        XCTAssertThrowsError(try log.append(validatedBatches: [], leaderEpoch: 0, now: 0))
        XCTAssertThrowsError(try log.append(validatedBatches: [1, 2, 3], leaderEpoch: 0, now: 0))
        XCTAssertThrowsError(try log.appendAsFollower(Array(repeating: 0xFF, count: 100), now: Int64.min))
        try log.truncate(to: Int64.min, now: Int64.max)
        XCTAssertEqual(log.logEndOffset, 0)
        XCTAssertEqual(
            try log.append(validatedBatches: clientBatch(["c"]), leaderEpoch: Int32.max, now: Int64.min).firstOffset,
            0
        )
    }
}
