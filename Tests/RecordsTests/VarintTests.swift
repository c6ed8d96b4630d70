import Primitives
import XCTest

@testable import Records

final class VarintTests: XCTestCase {
    func testZigzagEncodings() {
        let cases: [(Int32, [UInt8])] = [
            (0, [0x00]), (-1, [0x01]), (1, [0x02]), (-2, [0x03]), (63, [0x7E]), (-64, [0x7F]), (64, [0x80, 0x01]),
            (Int32.max, [0xFE, 0xFF, 0xFF, 0xFF, 0x0F]), (Int32.min, [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        ]
        for (value, expected) in cases {
            var bytes: [UInt8] = []
            Varint.writeVarint(value, to: &bytes)
            XCTAssertEqual(bytes, expected, "\(value)")
            XCTAssertEqual(Varint.sizeOfVarint(value), expected.count)
            var offset = 0
            XCTAssertEqual(Varint.readVarint(bytes, at: &offset), value)
            XCTAssertEqual(offset, expected.count)
        }
    }

    func testVarlongRoundTrip() {
        var rng = SeededRandom(seed: 3)
        var values: [Int64] = [0, -1, 1, Int64.max, Int64.min, 1 << 35, -(1 << 35)]
        for _ in 0..<500 { values.append(Int64(bitPattern: rng.next()) >> Int64.random(in: 0...63, using: &rng)) }
        for value in values {
            var bytes: [UInt8] = []
            Varint.writeVarlong(value, to: &bytes)
            XCTAssertEqual(bytes.count, Varint.sizeOfVarlong(value))
            XCTAssertLessThanOrEqual(bytes.count, 10)
            var offset = 0
            XCTAssertEqual(Varint.readVarlong(bytes, at: &offset), value)
            XCTAssertEqual(offset, bytes.count)
        }
    }

    func testMalformedVarintsAreRejected() {
        var offset = 0
        XCTAssertNil(Varint.readVarint([0x80, 0x80], at: &offset), "truncated")
        XCTAssertEqual(offset, 0)
        XCTAssertNil(Varint.readVarint([0x80, 0x80, 0x80, 0x80, 0x80, 0x01], at: &offset), "six bytes")
        XCTAssertNil(Varint.readVarlong([UInt8](repeating: 0xFF, count: 11), at: &offset), "eleven bytes")
        XCTAssertNil(Varint.readVarint([], at: &offset))
    }
}
