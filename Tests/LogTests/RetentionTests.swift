import Records
import XCTest

@testable import Log

final class RetentionTests: XCTestCase {
    private func makeLog(_ config: LogConfig) throws -> PartitionLog {
        try PartitionLog(
            storage: InMemoryLogStorage(),
            directory: "/d/t-0",
            topic: "t",
            partition: 0,
            config: config,
            now: 0
        )
    }

    func testRetentionBySizeDeletesOldestSegments() throws {
        var config = LogConfig()
        config.segmentBytes = 1000
        config.retentionMs = -1
        let log = try makeLog(config)
        for index in 0..<30 {
            try log.append(validatedBatches: sizedBatch(count: 2, size: 100 + index), leaderEpoch: 0, now: 0)
        }
        log.updateHighWatermark(log.logEndOffset)
        let segments = log.segmentCount
        XCTAssertGreaterThan(segments, 4)
        config.retentionBytes = 2500
        log.config = config
        let result = try log.applyRetention(now: 0)
        XCTAssertFalse(result.deletedSegments.isEmpty)
        XCTAssertLessThanOrEqual(log.sizeInBytes, 2500 + 1000)
        XCTAssertGreaterThan(log.sizeInBytes, 2500 - 1000)
        XCTAssertEqual(log.logStartOffset, log.segmentBaseOffsets[0])
        XCTAssertEqual(result.logStartOffset, log.logStartOffset)
        XCTAssertEqual(try allValues(log).count, Int(log.logEndOffset - log.logStartOffset))
        XCTAssertThrowsError(try log.read(from: 0, maxBytes: 100, upTo: log.highWatermark)) { error in
            guard case .offsetOutOfRange = error as? LogError else { return XCTFail("\(error)") }
        }
    }

    func testRetentionByTimeRollsAndDeletesExpiredSegments() throws {
        var config = LogConfig()
        config.segmentBytes = 500
        config.segmentMs = 1000
        config.retentionMs = 1000
        let log = try makeLog(config)
        for index in 0..<10 {
            try log.append(validatedBatches: clientBatch(["old\(index)"], timestamp: 100), leaderEpoch: 0, now: 100)
        }
        for index in 0..<3 {
            try log.append(validatedBatches: clientBatch(["new\(index)"], timestamp: 5000), leaderEpoch: 0, now: 5000)
        }
        log.updateHighWatermark(log.logEndOffset)
        try log.applyRetention(now: 5500)
        XCTAssertEqual(try allValues(log), ["new0", "new1", "new2"])
        XCTAssertEqual(log.logStartOffset, 10)
        // Everything expired: the active segment is rolled and deleted, the log end stays.
        try log.applyRetention(now: 7000)
        XCTAssertEqual(log.logStartOffset, 13)
        XCTAssertEqual(log.logEndOffset, 13)
        XCTAssertEqual(log.segmentCount, 1)
        XCTAssertEqual(try log.append(validatedBatches: clientBatch(["x"]), leaderEpoch: 0, now: 7000).firstOffset, 13)
    }

    func testRetentionNeverPassesTheHighWatermark() throws {
        var config = LogConfig()
        config.segmentBytes = 300
        config.retentionMs = 0
        let log = try makeLog(config)
        for index in 0..<6 {
            try log.append(validatedBatches: clientBatch(["v\(index)"], timestamp: 0), leaderEpoch: 0, now: 0)
        }
        log.updateHighWatermark(2)
        try log.applyRetention(now: 10_000)
        XCTAssertLessThanOrEqual(log.logStartOffset, 2)
        XCTAssertEqual(log.logEndOffset, 6)
    }

    func testDeleteRecordsMovesLogStart() throws {
        var config = LogConfig()
        config.segmentBytes = 300
        let log = try makeLog(config)
        for index in 0..<8 { try log.append(validatedBatches: clientBatch(["v\(index)"]), leaderEpoch: 0, now: 0) }
        log.updateHighWatermark(6)
        XCTAssertThrowsError(try log.deleteRecords(before: 7, now: 0))
        XCTAssertEqual(try log.deleteRecords(before: 5, now: 0), 5)
        XCTAssertEqual(log.logStartOffset, 5)
        XCTAssertLessThanOrEqual(log.segmentBaseOffsets[0], 5)
        XCTAssertEqual(try allValues(log), ["v5", "v6", "v7"])
        XCTAssertEqual(try log.offset(forTimestamp: 0, upTo: 6)?.offset, 5)
    }
}
