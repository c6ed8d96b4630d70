import XCTest

@testable import BatchCompression
@testable import Records

final class RoundTripTests: XCTestCase {
    func testEveryCodecRoundTripsAssortedInputs() throws {
        let inputs: [(String, [UInt8])] = [
            ("empty", []),
            ("one byte", [42]),
            ("text", Array("hello, kafka records".utf8)),
            ("patterned 200 KB", patternedBytes(200_000)),
            ("random 150 KB", randomBytes(150_000, seed: 7)),
        ]
        for codec in allCodecs + [.none] {
            for (name, input) in inputs {
                let compressed = try RecordCompression.compress(codec, input)
                let restored = try RecordCompression.decompress(codec, compressed)
                XCTAssertEqual(restored, input, "\(codec) \(name)")
            }
        }
    }

    func testCompressionShrinksRepetitiveInput() throws {
        let input = patternedBytes(200_000)
        for codec in allCodecs {
            let compressed = try RecordCompression.compress(codec, input)
            XCTAssertLessThan(compressed.count, input.count / 4, "\(codec)")
            XCTAssertNotEqual(compressed, input)
        }
    }

    func testLevelsAreHonouredAndStillRoundTrip() throws {
        let input = patternedBytes(50_000) + randomBytes(5_000, seed: 3)
        for (codec, levels) in [(CompressionCodec.gzip, [1, 9]), (.lz4, [1, 9]), (.zstd, [1, 19])] {
            for level in levels {
                let compressed = try RecordCompression.compress(codec, input, level: level)
                XCTAssertEqual(try RecordCompression.decompress(codec, compressed), input, "\(codec) level \(level)")
            }
        }
        XCTAssertEqual(
            compressionError(try RecordCompression.compress(.gzip, input, level: 42)),
            .compressionFailed(.gzip, "deflateInit2 failed (level 42)")
        )
    }

    func testGzipWritesAGzipStreamAndReadsZlibToo() throws {
        let input = patternedBytes(10_000)
        let gzip = try RecordCompression.compress(.gzip, input)
        XCTAssertEqual(Array(gzip.prefix(3)), [0x1F, 0x8B, 0x08], "gzip magic and deflate method")
        // Two gzip members back to back are one gzip stream (as Java's GZIPInputStream reads them).
        let second = try RecordCompression.compress(.gzip, [1, 2, 3])
        XCTAssertEqual(try RecordCompression.decompress(.gzip, gzip + second), input + [1, 2, 3])
    }

    func testSnappyWritesXerialFramingInBlocksAndReadsRawSnappy() throws {
        let input = patternedBytes(100_000)
        let xerial = try RecordCompression.compress(.snappy, input)
        XCTAssertEqual(Array(xerial.prefix(16)), SnappyCodec.xerialMagic + [0, 0, 0, 1, 0, 0, 0, 1])
        // 100,000 bytes in 32 KiB blocks: four blocks, each length-prefixed.
        var position = 16
        var blocks = 0
        while position < xerial.count {
            let length = xerial[position..<position + 4].reduce(0) { $0 << 8 | Int($1) }
            position += 4 + length
            blocks += 1
        }
        XCTAssertEqual(position, xerial.count)
        XCTAssertEqual(blocks, 4)

        let raw = try input.withUnsafeBytes { try SnappyCodec.compress($0, framing: .raw) }
        XCTAssertFalse(raw.withUnsafeBytes { SnappyCodec.isXerial($0) })
        XCTAssertEqual(try RecordCompression.decompress(.snappy, raw), input)
        // Two xerial streams concatenated, as snappy-java reads them.
        let more = try RecordCompression.compress(.snappy, [9, 8, 7])
        XCTAssertEqual(try RecordCompression.decompress(.snappy, xerial + more), input + [9, 8, 7])
    }

    func testLZ4WritesIndependentBlocksAndReadsConcatenatedFrames() throws {
        let input = patternedBytes(150_000)
        let frame = try RecordCompression.compress(.lz4, input)
        XCTAssertEqual(Array(frame.prefix(4)), [0x04, 0x22, 0x4D, 0x18], "LZ4 frame magic")
        XCTAssertEqual(frame[4] & 0x20, 0x20, "block independence flag")
        XCTAssertEqual((frame[5] >> 4) & 0x07, 4, "64 KiB maximum block size")
        let second = try RecordCompression.compress(.lz4, [5])
        XCTAssertEqual(try RecordCompression.decompress(.lz4, frame + second), input + [5])
    }

    func testZstdReadsConcatenatedFrames() throws {
        let first = try RecordCompression.compress(.zstd, patternedBytes(1_000))
        let second = try RecordCompression.compress(.zstd, randomBytes(1_000, seed: 1))
        XCTAssertEqual(
            try RecordCompression.decompress(.zstd, first + second),
            patternedBytes(1_000) + randomBytes(1_000, seed: 1)
        )
    }

    func testCompressedBatchesCarryTheCodecAndDecodeToTheSameRecords() throws {
        var builder = RecordBatchBuilder()
        builder.producerId = 9
        builder.producerEpoch = 1
        builder.baseSequence = 40
        for index in 0..<50 {
            builder.append(
                key: index % 4 == 0 ? nil : Array("key-\(index)".utf8),
                value: index == 10 ? patternedBytes(70_000) : Array("value \(index)".utf8),
                headers: index % 3 == 0 ? [("trace", [UInt8(index)]), ("none", nil)] : [],
                timestamp: 1_700_000_000_000 + Int64(index)
            )
        }
        let plain = builder.build()
        var plainReader = RecordBatchReader(plain)
        let expected = try XCTUnwrap(try plainReader.next()).decompressedRecords()
        XCTAssertEqual(expected.count, 50)

        for codec in allCodecs {
            var bytes = try builder.build(compression: codec)
            XCTAssertLessThan(bytes.count, plain.count, "\(codec)")
            let validated = try RecordBatchValidator.validate(bytes)
            let header = try XCTUnwrap(validated.headers.first)
            XCTAssertEqual(header.compression, codec)
            XCTAssertEqual(header.recordsCount, 50)
            XCTAssertEqual(header.lastOffsetDelta, 49)
            XCTAssertEqual(header.producerId, 9)
            XCTAssertEqual(header.baseSequence, 40)
            XCTAssertEqual(header.totalSize, bytes.count)

            XCTAssertTrue(RecordBatchStamp.stamp(&bytes, at: 0, baseOffset: 1000, partitionLeaderEpoch: 3))
            var reader = RecordBatchReader(bytes)
            let batch = try XCTUnwrap(try reader.next())
            XCTAssertEqual(try batch.records(), .compressed(codec))
            let records = try batch.decompressedRecords()
            XCTAssertEqual(records.map(\.offset), Array(1000..<1050))
            XCTAssertEqual(records.map { $0.offset - 1000 }, expected.map(\.offset), "\(codec)")
            XCTAssertEqual(records.map(\.value), expected.map(\.value), "\(codec)")
            XCTAssertEqual(records.map(\.key), expected.map(\.key), "\(codec)")
            XCTAssertEqual(records.map(\.headers), expected.map(\.headers), "\(codec)")
            XCTAssertEqual(records.map(\.timestamp), expected.map(\.timestamp), "\(codec)")
        }
    }

    func testReaderDecodesAMixOfCompressedAndPlainBatches() throws {
        var bytes: [UInt8] = []
        var expectedValues: [[UInt8]?] = []
        for (index, codec) in ([.none] + allCodecs).enumerated() {
            var builder = RecordBatchBuilder()
            builder.baseOffset = Int64(index * 2)
            for value in [Array("a\(index)".utf8), Array("b\(index)".utf8)] {
                builder.append(key: nil, value: value, timestamp: 5)
                expectedValues.append(value)
            }
            bytes += try builder.build(compression: codec)
        }
        var reader = RecordBatchReader(bytes)
        let records = try reader.allDecompressedRecords()
        XCTAssertEqual(records.map(\.value), expectedValues)
        XCTAssertEqual(records.map(\.offset), Array(0..<10))
    }

    func testBuildingWithNoneIsThePlainBatch() throws {
        var builder = RecordBatchBuilder()
        builder.append(key: [1], value: [2], timestamp: 3)
        XCTAssertEqual(try builder.build(compression: .none), builder.build())
    }
}
