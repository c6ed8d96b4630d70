import XCTest

@testable import BatchCompression
@testable import Records

/// Decompression stops at the size bound: a small section cannot claim unbounded memory.
final class SizeBoundTests: XCTestCase {
    /// 16 MiB of zeros compresses to a few KiB with every codec: a small decompression bomb.
    let bomb = [UInt8](repeating: 0, count: 16 << 20)

    func testBombsStopAtTheLimit() throws {
        for codec in allCodecs {
            let compressed = try RecordCompression.compress(codec, bomb)
            XCTAssertLessThan(compressed.count, 1 << 20, "\(codec) bomb")
            XCTAssertEqual(
                compressionError(try RecordCompression.decompress(codec, compressed, maxSize: 1 << 20)),
                .tooLarge(codec, limit: 1 << 20)
            )
        }
    }

    func testTheLimitIsInclusive() throws {
        let input = patternedBytes(100_000)
        for codec in allCodecs + [.none] {
            let compressed = try RecordCompression.compress(codec, input)
            XCTAssertEqual(try RecordCompression.decompress(codec, compressed, maxSize: input.count), input)
            XCTAssertEqual(
                compressionError(try RecordCompression.decompress(codec, compressed, maxSize: input.count - 1)),
                .tooLarge(codec, limit: input.count - 1),
                "\(codec)"
            )
        }
    }

    func testSnappyBlockClaimingMoreThanTheLimitIsRefusedBeforeAllocating() {
        // A raw snappy block whose header claims 2^31 bytes (varint 0x80 0x80 0x80 0x80 0x08) and holds nothing.
        let claim: [UInt8] = [0x80, 0x80, 0x80, 0x80, 0x08, 0x00]
        XCTAssertEqual(
            compressionError(try RecordCompression.decompress(.snappy, claim)),
            .tooLarge(.snappy, limit: RecordCompression.defaultMaxDecompressedSize)
        )
    }

    func testBatchDecodingHonoursTheLimit() throws {
        var builder = RecordBatchBuilder()
        builder.append(key: nil, value: [UInt8](repeating: 0, count: 2 << 20), timestamp: 1)
        for codec in allCodecs {
            var reader = RecordBatchReader(try builder.build(compression: codec))
            let batch = try XCTUnwrap(try reader.next())
            XCTAssertEqual(
                compressionError(try batch.decompressedRecords(maxDecompressedSize: 1 << 20)),
                .tooLarge(codec, limit: 1 << 20)
            )
            XCTAssertEqual(try batch.decompressedRecords().first?.value?.count, 2 << 20)
        }
    }

    func testNegativeLimitMeansNothingFits() throws {
        let compressed = try RecordCompression.compress(.zstd, [1])
        XCTAssertEqual(
            compressionError(try RecordCompression.decompress(.zstd, compressed, maxSize: -5)),
            .tooLarge(.zstd, limit: 0)
        )
    }
}
