import Primitives
import XCTest

@testable import BatchCompression
@testable import Records

/// Damaged compressed bytes give a `CompressionError`, never a trap or a hang.
final class CorruptInputTests: XCTestCase {
    func testEveryTruncationIsAnError() throws {
        let input = patternedBytes(3_000) + randomBytes(500, seed: 11)
        for codec in allCodecs {
            let compressed = try RecordCompression.compress(codec, input)
            for length in 0..<compressed.count {
                let cut = Array(compressed[..<length])
                if codec == .snappy && length == SnappyCodec.xerialHeaderSize {
                    // The xerial framing has no end mark: a cut between blocks reads as a shorter stream.
                    XCTAssertEqual(try RecordCompression.decompress(codec, cut), [])
                    continue
                }
                let error = compressionError(try RecordCompression.decompress(codec, cut), "\(codec) cut at \(length)")
                guard let error else { continue }
                switch error {
                case .corrupt(let found, _), .truncated(let found): XCTAssertEqual(found, codec)
                default: XCTFail("\(codec) cut at \(length): \(error)")
                }
            }
        }
    }

    func testTruncatedStreamsSayTruncated() throws {
        let input = randomBytes(5_000, seed: 2)
        // Raw snappy has no framing to tell a cut from damage; the other codecs know the stream stopped early.
        for codec in [CompressionCodec.gzip, .lz4, .zstd] {
            let compressed = try RecordCompression.compress(codec, input)
            XCTAssertEqual(
                compressionError(try RecordCompression.decompress(codec, Array(compressed.dropLast(10)))),
                .truncated(codec)
            )
        }
        let xerial = try RecordCompression.compress(.snappy, input)
        XCTAssertEqual(
            compressionError(try RecordCompression.decompress(.snappy, Array(xerial.dropLast(10)))),
            .truncated(.snappy)
        )
    }

    func testFlippedBitsNeverTrap() throws {
        let input = patternedBytes(20_000) + randomBytes(2_000, seed: 5)
        var rng = SeededRandom(seed: 99)
        for codec in allCodecs {
            let compressed = try RecordCompression.compress(codec, input)
            var failures = 0
            for _ in 0..<300 {
                var damaged = compressed
                let index = Int.random(in: 0..<damaged.count, using: &rng)
                damaged[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
                do {
                    _ = try RecordCompression.decompress(codec, damaged, maxSize: 1 << 20)
                } catch is CompressionError {
                    failures += 1
                }
            }
            // gzip and zstd checksums catch nearly every flip; lz4 and snappy frames written here carry none.
            XCTAssertGreaterThan(failures, 0, "\(codec)")
        }
    }

    func testGarbageIsAnError() {
        for seed in 0..<50 {
            let garbage = randomBytes(Int(seed) * 37 + 1, seed: UInt64(seed))
            for codec in allCodecs {
                do {
                    _ = try RecordCompression.decompress(codec, garbage, maxSize: 1 << 20)
                } catch is CompressionError {
                } catch {
                    XCTFail("\(codec): \(error)")
                }
            }
        }
        for codec in [CompressionCodec.gzip, .lz4, .zstd] {
            XCTAssertNotNil(compressionError(try RecordCompression.decompress(codec, Array("not compressed".utf8))))
        }
    }

    func testTrailingJunkAfterAGzipStreamIsCorrupt() throws {
        let gzip = try RecordCompression.compress(.gzip, [1, 2, 3])
        guard case .corrupt(.gzip, _) = compressionError(try RecordCompression.decompress(.gzip, gzip + [0, 0])) else {
            return XCTFail("expected corrupt")
        }
    }

    func testBadXerialBlockLengths() throws {
        let header = SnappyCodec.xerialMagic + [0, 0, 0, 1, 0, 0, 0, 1]
        XCTAssertEqual(
            compressionError(try RecordCompression.decompress(.snappy, header + [0xFF, 0xFF, 0xFF, 0xFE, 1])),
            .corrupt(.snappy, "xerial block length -2")
        )
        XCTAssertEqual(
            compressionError(try RecordCompression.decompress(.snappy, header + [0, 0, 0, 9, 1, 2])),
            .truncated(.snappy)
        )
        XCTAssertEqual(
            compressionError(try RecordCompression.decompress(.snappy, header + [0, 0])),
            .truncated(.snappy)
        )
        XCTAssertEqual(
            compressionError(try RecordCompression.decompress(.snappy, Array(header.prefix(12)))),
            .truncated(.snappy)
        )
        XCTAssertEqual(try RecordCompression.decompress(.snappy, header), [], "a stream without blocks is empty")
    }

    func testDamagedSectionInAValidBatchIsACompressionError() throws {
        var builder = RecordBatchBuilder()
        for index in 0..<20 { builder.append(key: nil, value: Array("value \(index)".utf8), timestamp: 1) }
        for codec in allCodecs {
            let good = try builder.build(compression: codec)
            // Cut the compressed section and fix the length and CRC: the batch frames correctly, the codec refuses.
            let section = Array(good[61...].dropLast(5))
            var header = try RecordBatchHeader(parsing: good)
            header.batchLength = Int32(RecordBatchHeader.minimumBatchLength + section.count)
            var bytes: [UInt8] = []
            header.write(to: &bytes)
            bytes += section
            header.crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[21...])) }
            bytes.withUnsafeMutableBytes { $0.storeUInt32BE(header.crc, at: RecordBatchHeader.Field.crc) }
            var reader = RecordBatchReader(bytes)
            let batch = try XCTUnwrap(try reader.next())
            XCTAssertNotNil(compressionError(try batch.decompressedRecords()), "\(codec)")
        }
    }

    func testWellCompressedButMalformedRecordsAreRecordErrors() throws {
        var builder = RecordBatchBuilder()
        builder.append(key: nil, value: [1, 2, 3], timestamp: 1)
        let plain = builder.build()
        // A records section that decompresses fine but holds one byte too many.
        let section = try RecordCompression.compress(.zstd, Array(plain[61...]) + [0])
        var header = try RecordBatchHeader(parsing: plain)
        header.attributes |= CompressionCodec.zstd.rawValue
        header.batchLength = Int32(RecordBatchHeader.minimumBatchLength + section.count)
        let batch = RecordBatch(header: header, bytes: [UInt8](repeating: 0, count: 61)[...] + section)
        XCTAssertThrowsError(try batch.decompressedRecords()) { error in
            XCTAssertEqual(error as? RecordBatchError, .invalidRecord("1 bytes left after 1 records"))
        }
    }
}
