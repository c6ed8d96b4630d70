import Primitives
import XCTest

@testable import Records

final class CRC32CTests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        // RFC 3720 (iSCSI) test patterns.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)), 0x62A8_AB43)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8($0) }), 0x46DD_794E)
        XCTAssertEqual(CRC32C.checksum((0..<32).map { UInt8(31 - $0) }), 0x113F_DB5C)
    }

    /// The sliced loop must agree with the plain bitwise definition at every length and alignment.
    func testSlicedMatchesBitwise() {
        var rng = SeededRandom(seed: 7)
        let data = (0..<300).map { _ in UInt8.random(in: 0...255, using: &rng) }
        for start in 0..<9 {
            for end in stride(from: start, through: data.count, by: 13) {
                let slice = Array(data[start..<end])
                XCTAssertEqual(CRC32C.checksum(slice), bitwise(slice), "bytes \(start)..<\(end)")
            }
        }
    }

    func testIncrementalUpdate() {
        let data = Array("The quick brown fox jumps over the lazy dog".utf8)
        for split in 0...data.count {
            let first = data.withUnsafeBytes { CRC32C.update(0, UnsafeRawBufferPointer(rebasing: $0[..<split])) }
            let both = data.withUnsafeBytes { CRC32C.update(first, UnsafeRawBufferPointer(rebasing: $0[split...])) }
            XCTAssertEqual(both, CRC32C.checksum(data))
        }
    }

    private func bitwise(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
