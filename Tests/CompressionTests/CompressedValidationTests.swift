import XCTest

@testable import BatchCompression
@testable import Records

/// A broker checks the records inside compressed batches too, not only the CRC over the compressed bytes.
final class CompressedValidationTests: XCTestCase {
    private func builder(count: Int) -> RecordBatchBuilder {
        var builder = RecordBatchBuilder()
        for index in 0..<count { builder.append(key: nil, value: Array("v\(index)".utf8), timestamp: 100) }
        return builder
    }

    /// A compressed batch whose records section is `section`, compressed with `codec`, under `plain`'s header.
    private func batch(
        header plain: [UInt8],
        section: [UInt8],
        codec: CompressionCodec,
        lastOffsetDelta: Int32? = nil
    ) throws -> [UInt8] {
        let compressed = try RecordCompression.compress(codec, section)
        var header = try RecordBatchHeader(parsing: plain)
        if let lastOffsetDelta { header.lastOffsetDelta = lastOffsetDelta }
        header.attributes |= codec.rawValue
        header.batchLength = Int32(RecordBatchHeader.minimumBatchLength + compressed.count)
        var bytes: [UInt8] = []
        header.write(to: &bytes)
        bytes += compressed
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[21...])) }
        bytes.withUnsafeMutableBytes { $0.storeUInt32BE(crc, at: RecordBatchHeader.Field.crc) }
        return bytes
    }

    func testWellFormedCompressedBatchesPass() throws {
        for codec in allCodecs {
            let bytes = try builder(count: 30).build(compression: codec)
            let validated = try RecordBatchValidator.validate(bytes, maxDecompressedSize: 1 << 20)
            XCTAssertEqual(validated.recordCount, 30, "\(codec)")
        }
    }

    func testMalformedRecordsInsideACompressedBatchAreRefused() throws {
        let plain = builder(count: 2).build()
        var section = Array(plain[61...])
        // The second record claims offset delta 2 (the first record is 1 + 2 + 1 + 1 + 1 + 1 + 3 + 1 bytes long:
        // length, attributes, timestampDelta, offsetDelta, key, value length, "v0", header count).
        let secondRecord = 1 + Int(section[0] >> 1)
        XCTAssertEqual(section[secondRecord + 3], 2, "zigzag offset delta 1")
        section[secondRecord + 3] = 4
        for codec in allCodecs {
            let bytes = try batch(header: plain, section: section, codec: codec)
            // The CRC is right, so the plain validator (which cannot look inside) accepts it.
            XCTAssertNoThrow(try RecordBatchValidator.validate(bytes))
            XCTAssertThrowsError(try RecordBatchValidator.validate(bytes, maxDecompressedSize: 1 << 20)) { error in
                XCTAssertEqual(error as? RecordBatchError, .invalidRecord("record 1 has offset delta 2"), "\(codec)")
            }
            // A stored batch may have gaps (compaction): the same records under lastOffsetDelta 2 are fine there.
            let compacted = try batch(header: plain, section: section, codec: codec, lastOffsetDelta: 2)
            XCTAssertNoThrow(try RecordBatchValidator.validate(compacted, mode: .stored, maxDecompressedSize: 1 << 20))
            XCTAssertThrowsError(try RecordBatchValidator.validate(compacted, maxDecompressedSize: 1 << 20))
        }
    }

    func testUndecompressableSectionsAreCompressionErrors() throws {
        let plain = builder(count: 3).build()
        var header = try RecordBatchHeader(parsing: plain)
        header.attributes |= CompressionCodec.lz4.rawValue
        var bytes: [UInt8] = []
        header.write(to: &bytes)
        bytes += Array(plain[61...])  // not an LZ4 frame
        let crc = bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[21...])) }
        bytes.withUnsafeMutableBytes { $0.storeUInt32BE(crc, at: RecordBatchHeader.Field.crc) }
        let error = compressionError(try RecordBatchValidator.validate(bytes, maxDecompressedSize: 1 << 20))
        XCTAssertEqual(error?.kafkaErrorCode, 2)
    }

    func testTheDecompressedSizeBoundApplies() throws {
        var big = RecordBatchBuilder()
        big.append(key: nil, value: [UInt8](repeating: 7, count: 300_000), timestamp: 1)
        let bytes = try big.build(compression: .zstd)
        XCTAssertEqual(
            compressionError(try RecordBatchValidator.validate(bytes, maxDecompressedSize: 100_000)),
            .tooLarge(.zstd, limit: 100_000)
        )
        XCTAssertNoThrow(try RecordBatchValidator.validate(bytes, maxDecompressedSize: 400_000))
    }
}
