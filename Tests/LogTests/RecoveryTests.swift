import Records
import XCTest

@testable import Log

final class RecoveryTests: XCTestCase {
    private let directory = "/data/t-0"

    private func open(
        _ storage: any LogStorage,
        _ directory: String? = nil,
        config: LogConfig = LogConfig()
    ) throws
        -> PartitionLog
    {
        try PartitionLog(
            storage: storage,
            directory: directory ?? self.directory,
            topic: "t",
            partition: 0,
            config: config,
            now: 0
        )
    }

    private func fill(_ log: PartitionLog, batches: Int) throws -> [String] {
        var values: [String] = []
        for index in 0..<batches {
            let batch = ["r\(index)-a", "r\(index)-b"]
            values += batch
            try log.append(validatedBatches: clientBatch(batch), leaderEpoch: 0, now: 0)
        }
        log.updateHighWatermark(log.logEndOffset)
        return values
    }

    private func segmentFile(_ storage: InMemoryLogStorage, _ base: Int64 = 0) -> String {
        directory + "/" + LogSegment.fileName(base, ".log")
    }

    func testReopenAfterCleanCloseKeepsEverything() throws {
        let storage = InMemoryLogStorage()
        var config = LogConfig()
        config.segmentBytes = 500
        let log = try open(storage, config: config)
        let values = try fill(log, batches: 12)
        try log.close(now: 1)
        let reopened = try open(storage, config: config)
        XCTAssertTrue(reopened.recoveryReport.isClean)
        XCTAssertTrue(reopened.recoveryReport.checkpointValid)
        XCTAssertEqual(reopened.recoveryReport.recoveredSegments, [], "flushed segments are trusted")
        XCTAssertEqual(reopened.logEndOffset, 24)
        XCTAssertEqual(reopened.highWatermark, 24)
        XCTAssertEqual(try allValues(reopened), values)
    }

    func testTornTailIsCut() throws {
        let storage = InMemoryLogStorage()
        let log = try open(storage)
        let values = try fill(log, batches: 5)
        let path = segmentFile(storage)
        let bytes = try XCTUnwrap(storage.contents(of: path))
        let batchSize = clientBatch(["r0-a", "r0-b"]).count
        storage.setContents(of: path, to: Array(bytes.dropLast(batchSize / 2)))
        let reopened = try open(storage)
        XCTAssertEqual(reopened.logEndOffset, 8)
        XCTAssertEqual(reopened.recoveryReport.truncations.count, 1)
        XCTAssertEqual(reopened.recoveryReport.truncations.first?.bytesCut, Int64(batchSize - batchSize / 2))
        XCTAssertEqual(try allValues(reopened), Array(values.prefix(8)))
        XCTAssertEqual(
            try reopened.append(validatedBatches: clientBatch(["new"]), leaderEpoch: 1, now: 0).firstOffset,
            8
        )
    }

    func testFlippedByteCutsFromThatBatchAndDropsLaterSegments() throws {
        let storage = InMemoryLogStorage()
        var config = LogConfig()
        config.segmentBytes = 400
        let log = try open(storage, config: config)
        let values = try fill(log, batches: 12)
        XCTAssertGreaterThan(log.segmentCount, 2)
        let firstBases = log.segmentBaseOffsets
        // Lose the checkpoint so every segment is scanned, and damage the third batch of the first segment.
        storage.setContents(of: directory + "/partition.checkpoint", to: [1, 2, 3])
        let path = segmentFile(storage)
        var bytes = try XCTUnwrap(storage.contents(of: path))
        let batchSize = clientBatch(["r0-a", "r0-b"]).count
        bytes[batchSize * 2 + 70] ^= 0x40
        storage.setContents(of: path, to: bytes)
        let reopened = try open(storage, config: config)
        XCTAssertFalse(reopened.recoveryReport.checkpointValid)
        XCTAssertEqual(reopened.logEndOffset, 4)
        XCTAssertEqual(reopened.recoveryReport.removedSegments, Array(firstBases.dropFirst()))
        XCTAssertTrue(reopened.recoveryReport.truncations.first?.reason.contains("CRC") ?? false)
        XCTAssertEqual(try allValues(reopened), Array(values.prefix(4)))
        XCTAssertEqual(reopened.segmentBaseOffsets, [0])
    }

    func testMissingOrWrongIndexIsRebuilt() throws {
        let storage = InMemoryLogStorage()
        var config = LogConfig()
        config.indexIntervalBytes = 10
        let log = try open(storage, config: config)
        let values = try fill(log, batches: 10)
        try log.close(now: 0)
        let indexPath = directory + "/" + LogSegment.fileName(0, ".index")
        let original = try XCTUnwrap(storage.contents(of: indexPath))
        XCTAssertEqual(original.count, 9 * 12, "an entry per batch after the first")
        // An entry pointing into the middle of a batch: the index disagrees with the log.
        var wrong = original
        wrong[wrong.count - 1] &+= 3
        storage.setContents(of: indexPath, to: wrong)
        let reopened = try open(storage, config: config)
        XCTAssertEqual(reopened.recoveryReport.recoveredSegments, [0])
        XCTAssertEqual(storage.contents(of: indexPath), original)
        XCTAssertEqual(try allValues(reopened), values)
        try reopened.close(now: 0)
        try storage.removeFile(indexPath)
        let again = try open(storage, config: config)
        XCTAssertEqual(storage.contents(of: indexPath), original)
        for offset in 0..<again.logEndOffset {
            XCTAssertTrue(try records(in: again, from: offset, maxBytes: 1).contains { $0.offset == offset })
        }
    }

    /// An entry with a valid checksum that points at the wrong place is caught when used, and the index rebuilt.
    func testIndexEntryThatDisagreesWithTheLogIsNotTrusted() throws {
        let storage = InMemoryLogStorage()
        var config = LogConfig()
        config.indexIntervalBytes = 10
        let log = try open(storage, config: config)
        let values = try fill(log, batches: 10)
        try log.close(now: 0)
        let indexPath = directory + "/" + LogSegment.fileName(0, ".index")
        let original = try XCTUnwrap(storage.contents(of: indexPath))
        // Entry 3 (batch 4, relative offset 8) moved into the middle of batch 3: still ordered, checksum valid.
        var forged = original
        let moved = UInt32(original[2 * 12 + 7]) + UInt32(original[2 * 12 + 6]) << 8 + 5
        var entry = Array(original[(3 * 12)..<(3 * 12 + 4)])
        entry += [0, 0, UInt8(moved >> 8), UInt8(moved & 0xFF)]
        let crc = CRC32C.checksum(entry)
        entry += [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)]
        forged.replaceSubrange((3 * 12)..<(4 * 12), with: entry)
        storage.setContents(of: indexPath, to: forged)
        let reopened = try open(storage, config: config)
        XCTAssertEqual(reopened.recoveryReport.recoveredSegments, [], "the forged entry passes the load checks")
        XCTAssertEqual(try records(in: reopened, from: 8, maxBytes: 1).map(\.offset), [8, 9])
        XCTAssertEqual(storage.contents(of: indexPath), original, "rebuilt from the log")
        XCTAssertEqual(try allValues(reopened), values)
    }

    func testCrashLosesOnlyUnflushedData() throws {
        let storage = InMemoryLogStorage()
        var config = LogConfig()
        config.flushMessages = 4
        let log = try open(storage, config: config)
        _ = try fill(log, batches: 2)
        XCTAssertTrue(log.needsFlush(now: 0))
        let flush = try log.prepareFlush()
        try log.append(validatedBatches: clientBatch(["late"]), leaderEpoch: 0, now: 0)
        try flush.run()
        try log.completeFlush(flush, now: 0)
        XCTAssertEqual(log.recoveryPoint, 4)
        XCTAssertFalse(log.needsFlush(now: 0))
        try log.append(validatedBatches: clientBatch(["lost"]), leaderEpoch: 0, now: 0)
        storage.crash()
        let reopened = try open(storage, config: config)
        XCTAssertEqual(reopened.logEndOffset, 5, "the fdatasync also covered the append made while it was prepared")
        XCTAssertEqual(try allValues(reopened), ["r0-a", "r0-b", "r1-a", "r1-b", "late"])
    }

    func testFlushByTime() throws {
        var config = LogConfig()
        config.flushMs = 100
        let log = try open(InMemoryLogStorage(), config: config)
        XCTAssertFalse(log.needsFlush(now: 1000), "nothing to flush")
        try log.append(validatedBatches: clientBatch(["a"]), leaderEpoch: 0, now: 0)
        XCTAssertTrue(log.needsFlush(now: 1000))
        try log.flush(now: 1000)
        try log.append(validatedBatches: clientBatch(["b"]), leaderEpoch: 0, now: 1010)
        XCTAssertFalse(log.needsFlush(now: 1050))
        XCTAssertTrue(log.needsFlush(now: 1100))
    }

    func testEpochCacheCheckpointRoundTrip() throws {
        let storage = InMemoryLogStorage()
        let log = try open(storage)
        for epoch: Int32 in [1, 1, 4, 7] {
            try log.append(validatedBatches: clientBatch(["e\(epoch)"]), leaderEpoch: epoch, now: 0)
        }
        let expected = [
            LeaderEpochEntry(epoch: 1, startOffset: 0), LeaderEpochEntry(epoch: 4, startOffset: 2),
            LeaderEpochEntry(epoch: 7, startOffset: 3),
        ]
        XCTAssertEqual(log.leaderEpochCache.entries, expected)
        let reopened = try open(storage)
        XCTAssertEqual(reopened.leaderEpochCache.entries, expected)
        XCTAssertTrue(reopened.endOffset(forLeaderEpoch: 4) == (4, 3))
        XCTAssertTrue(reopened.endOffset(forLeaderEpoch: 7) == (7, 4))
        // A damaged epoch file is ignored rather than trusted.
        storage.setContents(of: directory + "/leader-epoch-checkpoint", to: Array("LEC1garbage".utf8))
        XCTAssertEqual(try open(storage).leaderEpochCache.entries, [])
    }

    func testRecoveryOnRealFiles() throws {
        let root = try temporaryDirectory(self)
        let storage = POSIXLogStorage()
        let path = root + "/topic-a-3"
        var config = LogConfig()
        config.segmentBytes = 400
        let log = try open(storage, path, config: config)
        let values = try fill(log, batches: 15)
        try log.close(now: 0)
        XCTAssertGreaterThan(log.segmentCount, 2)
        let lastBase = try XCTUnwrap(log.segmentBaseOffsets.last)
        // Cut the last segment in the middle of its last batch, as a crash mid-write would.
        let file = try storage.openFile(path + "/" + LogSegment.fileName(lastBase, ".log"), create: false)
        try file.truncate(to: try file.size() - 10)
        let reopened = try open(storage, path, config: config)
        XCTAssertEqual(reopened.recoveryReport.truncations.count, 1)
        XCTAssertEqual(reopened.logEndOffset, 28)
        XCTAssertEqual(try allValues(reopened), Array(values.prefix(28)))
        XCTAssertEqual(
            try reopened.append(validatedBatches: clientBatch(["z"]), leaderEpoch: 0, now: 0).firstOffset,
            28
        )
    }
}
