import Primitives
import XCTest

@testable import Records

final class RecordBatchTests: XCTestCase {
    func testBuilderValidatorReaderRoundTrip() throws {
        var builder = RecordBatchBuilder()
        builder.producerId = 42
        builder.producerEpoch = 3
        builder.baseSequence = 100
        builder.append(
            key: Array("k".utf8),
            value: Array("v1".utf8),
            headers: [("a", [9]), ("b", nil)],
            timestamp: 1000
        )
        builder.append(key: nil, value: nil, timestamp: 990)
        builder.append(key: [], value: Array(repeating: 0xAB, count: 300), timestamp: 1200)
        let bytes = builder.build()

        let validated = try RecordBatchValidator.validate(bytes)
        XCTAssertEqual(validated.headers.count, 1)
        let header = validated.headers[0]
        XCTAssertEqual(header.totalSize, bytes.count)
        XCTAssertEqual(header.magic, 2)
        XCTAssertEqual(header.recordsCount, 3)
        XCTAssertEqual(header.lastOffsetDelta, 2)
        XCTAssertEqual(header.baseTimestamp, 1000)
        XCTAssertEqual(header.maxTimestamp, 1200)
        XCTAssertEqual(header.producerId, 42)
        XCTAssertEqual(header.producerEpoch, 3)
        XCTAssertEqual(header.baseSequence, 100)
        XCTAssertEqual(header.compression, CompressionCodec.none)
        XCTAssertEqual(header.timestampType, .createTime)
        XCTAssertFalse(header.isTransactional)
        XCTAssertFalse(header.isControl)

        var stamped = bytes
        XCTAssertTrue(RecordBatchStamp.stamp(&stamped, at: 0, baseOffset: 500, partitionLeaderEpoch: 7))
        XCTAssertNoThrow(try RecordBatchValidator.validate(stamped), "stamping keeps the CRC valid")
        XCTAssertEqual(RecordBatchStamp.lastOffset(stamped), 502)
        XCTAssertEqual(RecordBatchStamp.maxTimestamp(stamped), 1200)

        var reader = RecordBatchReader(stamped)
        let batch = try XCTUnwrap(try reader.next())
        XCTAssertNil(try reader.next())
        XCTAssertEqual(batch.header.baseOffset, 500)
        XCTAssertEqual(batch.header.partitionLeaderEpoch, 7)
        guard case .records(let records) = try batch.records() else { return XCTFail("expected records") }
        XCTAssertEqual(
            records,
            [
                Record(
                    offset: 500,
                    timestamp: 1000,
                    key: Array("k".utf8),
                    value: Array("v1".utf8),
                    headers: [RecordHeader(key: "a", value: [9]), RecordHeader(key: "b", value: nil)]
                ),
                Record(offset: 501, timestamp: 990, key: nil, value: nil),
                Record(offset: 502, timestamp: 1200, key: [], value: Array(repeating: 0xAB, count: 300)),
            ]
        )
    }

    func testSeveralBatchesAndOffsetAssignment() throws {
        let batches = [sampleBatch(count: 1), sampleBatch(count: 10), sampleBatch(count: 4)]
        var bytes = batches.flatMap { $0 }
        let validated = try RecordBatchValidator.validate(bytes)
        XCTAssertEqual(validated.headers.map(\.recordsCount), [1, 10, 4])
        XCTAssertEqual(validated.offsetCount, 15)
        XCTAssertEqual(validated.byteCount, bytes.count)
        XCTAssertEqual(RecordBatchStamp.assignOffsets(&bytes, firstOffset: 100, partitionLeaderEpoch: 2), 115)
        var reader = RecordBatchReader(bytes)
        let (records, compressed) = try reader.allRecords()
        XCTAssertEqual(compressed, 0)
        XCTAssertEqual(records.map(\.offset), Array(100..<115))
        XCTAssertNoThrow(try RecordBatchValidator.validate(bytes))
    }

    func testFlippedBitInCoveredPartIsCorruptMessage() {
        let bytes = sampleBatch(count: 5)
        for position in stride(from: RecordBatchHeader.Field.attributes, to: bytes.count, by: 3) {
            var damaged = bytes
            damaged[position] ^= 0x10
            XCTAssertThrowsError(try RecordBatchValidator.validate(damaged)) { error in
                XCTAssertEqual((error as? RecordBatchError)?.kafkaErrorCode, 2, "byte \(position): \(error)")
            }
        }
        var badCRC = bytes
        badCRC[RecordBatchHeader.Field.crc] ^= 1
        XCTAssertThrowsError(try RecordBatchValidator.validate(badCRC)) { error in
            guard case .corruptMessage = error as? RecordBatchError else { return XCTFail("\(error)") }
        }
    }

    func testMagicOtherThanTwoIsRejected() {
        var bytes = sampleBatch(count: 2) + sampleBatch(count: 1)
        bytes[RecordBatchHeader.Field.magic] = 1
        XCTAssertThrowsError(try RecordBatchValidator.validate(bytes)) { error in
            XCTAssertEqual(error as? RecordBatchError, .unsupportedMagic(1))
            XCTAssertEqual((error as? RecordBatchError)?.kafkaErrorCode, 87)
        }
    }

    func testEveryTruncationIsRejected() {
        let bytes = sampleBatch(count: 6) + sampleBatch(count: 2)
        for length in 0..<bytes.count {
            if length == sampleBatch(count: 6).count { continue }  // a whole first batch is valid on its own
            XCTAssertThrowsError(try RecordBatchValidator.validate(Array(bytes[..<length])), "length \(length)")
        }
    }

    func testMaxMessageBytes() {
        let bytes = sampleBatch(count: 20)
        XCTAssertThrowsError(try RecordBatchValidator.validate(bytes, maxBatchSize: bytes.count - 1)) { error in
            XCTAssertEqual(error as? RecordBatchError, .messageTooLarge(size: bytes.count, limit: bytes.count - 1))
        }
        XCTAssertNoThrow(try RecordBatchValidator.validate(bytes, maxBatchSize: bytes.count))
    }

    func testReaderStopsAtPartialTrailingBatch() throws {
        let first = sampleBatch(count: 3)
        let bytes = first + sampleBatch(count: 3).prefix(40)
        var reader = RecordBatchReader(bytes)
        XCTAssertEqual(try reader.all().count, 1)
        XCTAssertEqual(reader.trailingPartialBytes, 40)
        var strict = RecordBatchReader(bytes, allowPartialTrailing: false)
        XCTAssertNotNil(try strict.next())
        XCTAssertThrowsError(try strict.next())
    }

    func testCompressedBatchIsMarkedNotDecoded() throws {
        var bytes = sampleBatch(count: 3)
        bytes[RecordBatchHeader.Field.attributes + 1] |= 0x04  // zstd; records are no longer parsed
        refreshCRC(&bytes)
        let validated = try RecordBatchValidator.validate(bytes)
        XCTAssertEqual(validated.headers[0].compression, .zstd)
        var reader = RecordBatchReader(bytes)
        XCTAssertEqual(try reader.next()?.records(), .compressed(.zstd))
    }

    func testProduceModeRules() throws {
        var empty = RecordBatchBuilder().build()
        XCTAssertThrowsError(try RecordBatchValidator.validate(empty)) { error in
            XCTAssertEqual((error as? RecordBatchError)?.kafkaErrorCode, 87)
        }
        XCTAssertNoThrow(try RecordBatchValidator.validate(empty, mode: .stored))
        // A count that disagrees with lastOffsetDelta, with a valid CRC.
        var bytes = sampleBatch(count: 4)
        bytes.withUnsafeMutableBytes { $0.storeInt32BE(5, at: RecordBatchHeader.Field.lastOffsetDelta) }
        refreshCRC(&bytes)
        XCTAssertThrowsError(try RecordBatchValidator.validate(bytes)) { error in
            guard case .invalidRecord = error as? RecordBatchError else { return XCTFail("\(error)") }
        }
        XCTAssertNoThrow(try RecordBatchValidator.validate(bytes, mode: .stored), "a compacted batch")
        empty[RecordBatchHeader.Field.magic] = 2

        var control = sampleBatch(count: 1)
        control[RecordBatchHeader.Field.attributes + 1] |= 0x20
        refreshCRC(&control)
        XCTAssertThrowsError(try RecordBatchValidator.validate(control), "clients may not write control batches")
        XCTAssertNoThrow(try RecordBatchValidator.validate(control, mode: .stored))

        var idempotent = RecordBatchBuilder()
        idempotent.producerId = 7
        idempotent.producerEpoch = 0
        idempotent.append(key: nil, value: [1], timestamp: 0)
        XCTAssertThrowsError(try RecordBatchValidator.validate(idempotent.build()), "producer id without sequence")
        idempotent.baseSequence = 0
        XCTAssertNoThrow(try RecordBatchValidator.validate(idempotent.build()))
    }

    /// Changing any header byte either gets the batch rejected or leaves it meaning the same (CRC-free fields).
    func testEveryHeaderMutationIsRejectedOrHarmless() throws {
        let bytes = sampleBatch(count: 4)
        let original = try RecordBatchValidator.validate(bytes).headers[0]
        for position in 0..<RecordBatchHeader.size {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var mutated = bytes
                mutated[position] ^= flip
                guard let header = try? RecordBatchValidator.validate(mutated).headers[0] else { continue }
                var expected = original
                expected.baseOffset = header.baseOffset
                expected.partitionLeaderEpoch = header.partitionLeaderEpoch
                XCTAssertEqual(header, expected, "byte \(position) ^ \(flip) accepted with a new meaning")
                XCTAssertTrue(position < RecordBatchHeader.Field.batchLength || position >= 12 && position < 16)
            }
        }
    }

    /// Random bytes, random cuts and random mutations never trap and never pass as something else.
    func testRandomAndMutatedInputNeverTraps() {
        var rng = SeededRandom(seed: 99)
        let valid = sampleBatch(count: 7) + sampleBatch(count: 2)
        for round in 0..<3000 {
            var input: [UInt8]
            switch round % 3 {
            case 0:
                input = (0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 1:
                input = Array(valid[..<Int.random(in: 0...valid.count, using: &rng)])
            default:
                input = valid
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    input[Int.random(in: 0..<input.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            // Random bytes with a forged CRC reach the record parser too.
            if round % 2 == 0, input.count >= RecordBatchHeader.size { refreshCRC(&input) }
            _ = try? RecordBatchValidator.validate(input)
            _ = try? RecordBatchValidator.validate(input, mode: .stored)
            var reader = RecordBatchReader(input)
            _ = try? reader.allRecords()
            var unchecked = RecordBatchReader(input, verifyCRC: false)
            _ = try? unchecked.allRecords()
            _ = RecordBatchStamp.assignOffsets(&input, firstOffset: Int64.max - 2, partitionLeaderEpoch: 1)
        }
    }

    private func refreshCRC(_ bytes: inout [UInt8]) {
        let length = bytes.withUnsafeBytes { Int($0.int32BE(at: RecordBatchHeader.Field.batchLength)) }
        let end = min(bytes.count, max(RecordBatchHeader.Field.attributes, length + 12))
        let crc = CRC32C.checksum(bytes[RecordBatchHeader.Field.attributes..<end])
        bytes.withUnsafeMutableBytes { $0.storeUInt32BE(crc, at: RecordBatchHeader.Field.crc) }
    }
}
