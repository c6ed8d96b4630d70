import Primitives
import Records
import XCTest

@testable import Log

/// Damages a closed log's files at random and reopens it: recovery must never trap, and what it keeps must be a
/// prefix of what was written, at the same offsets.
final class RecoveryFuzzTests: XCTestCase {
    private let directory = "/data/fuzz-0"

    func testRandomDamageRecoversToAPrefix() throws {
        var rng = SeededRandom(seed: 2024)
        var config = LogConfig()
        config.segmentBytes = 700
        config.indexIntervalBytes = 60
        let base = InMemoryLogStorage()
        let log = try PartitionLog(
            storage: base,
            directory: directory,
            topic: "fuzz",
            partition: 0,
            config: config,
            now: 0
        )
        var written: [String] = []
        for index in 0..<40 {
            let values = (0..<Int.random(in: 1...4, using: &rng)).map {
                "b\(index)-\($0)-" + String(repeating: "v", count: Int.random(in: 0...60, using: &rng))
            }
            written += values
            try log.append(
                validatedBatches: clientBatch(values, timestamp: Int64(index) * 10),
                leaderEpoch: Int32(index / 10),
                now: 0
            )
        }
        log.updateHighWatermark(log.logEndOffset)
        try log.close(now: 0)
        let fullEnd = log.logEndOffset
        XCTAssertGreaterThan(log.segmentCount, 3)

        for round in 0..<300 {
            let storage = base.snapshot()
            let files = storage.filePaths
            let logs = files.filter { $0.hasSuffix(".log") }
            let indexes = files.filter { $0.hasSuffix("index") }
            let kind = round % 6
            var dataMayShrink = false
            switch kind {
            case 0:  // a log file cut anywhere
                let path = logs.randomElement(using: &rng)!
                let bytes = storage.contents(of: path)!
                storage.setContents(of: path, to: Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))))
                dataMayShrink = true
            case 1:  // bytes flipped in a log file, checkpoint lost so everything is scanned
                let path = logs.randomElement(using: &rng)!
                var bytes = storage.contents(of: path)!
                guard !bytes.isEmpty else { continue }
                for _ in 0..<Int.random(in: 1...3, using: &rng) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
                storage.setContents(of: path, to: bytes)
                try storage.removeFile(directory + "/partition.checkpoint")
                dataMayShrink = true
            case 2:  // bytes flipped in an index
                let path = indexes.randomElement(using: &rng)!
                var bytes = storage.contents(of: path)!
                guard !bytes.isEmpty else { continue }
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                storage.setContents(of: path, to: bytes)
            case 3:  // an index cut or removed
                let path = indexes.randomElement(using: &rng)!
                let bytes = storage.contents(of: path)!
                if Bool.random(using: &rng) {
                    try storage.removeFile(path)
                } else {
                    storage.setContents(of: path, to: Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &rng))))
                }
            case 4:  // checkpoints replaced by garbage
                for name in ["partition.checkpoint", "leader-epoch-checkpoint"] {
                    let garbage = (0..<Int.random(in: 0...40, using: &rng)).map { _ in
                        UInt8.random(in: 0...255, using: &rng)
                    }
                    storage.setContents(of: directory + "/" + name, to: garbage)
                }
            default:  // random bytes appended to the last segment (a torn write of garbage)
                let path = logs.last!
                let garbage = (0..<Int.random(in: 1...200, using: &rng)).map { _ in
                    UInt8.random(in: 0...255, using: &rng)
                }
                storage.setContents(of: path, to: storage.contents(of: path)! + garbage)
            }
            let reopened = try PartitionLog(
                storage: storage,
                directory: directory,
                topic: "fuzz",
                partition: 0,
                config: config,
                now: 0
            )
            let context = "round \(round) kind \(kind): \(reopened.recoveryReport)"
            XCTAssertLessThanOrEqual(reopened.logEndOffset, fullEnd, context)
            if !dataMayShrink { XCTAssertEqual(reopened.logEndOffset, fullEnd, context) }
            let start = reopened.logStartOffset
            let values = try allValues(reopened)
            XCTAssertEqual(values, Array(written[Int(start)..<Int(reopened.logEndOffset)]), context)
            for offset in stride(from: start, to: reopened.logEndOffset, by: 7) {
                XCTAssertTrue(
                    try records(in: reopened, from: offset, maxBytes: 1).contains { $0.offset == offset },
                    context
                )
            }
            // The log stays usable: an append lands at the end and reads back.
            let appended = try reopened.append(validatedBatches: clientBatch(["after"]), leaderEpoch: 9, now: 0)
            XCTAssertEqual(appended.firstOffset, reopened.logEndOffset - 1, context)
            XCTAssertEqual(
                try records(in: reopened, from: appended.firstOffset).last?.value,
                Array("after".utf8),
                context
            )
        }
    }
}
