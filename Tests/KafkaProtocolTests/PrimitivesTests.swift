import KafkaProtocol
import Testing

@Suite struct PrimitivesTests {
    private func bytes(_ write: (inout KafkaWriter) -> Void) -> [UInt8] {
        var writer = KafkaWriter()
        write(&writer)
        return Array(writer.finish().flattened()!.dropFirst(4))
    }

    @Test func zigzagVarintsMatchKafkasEncoding() throws {
        let cases: [(Int32, [UInt8])] = [
            (0, [0x00]), (-1, [0x01]), (1, [0x02]), (-64, [0x7f]), (64, [0x80, 0x01]), (300, [0xd8, 0x04]),
            (Int32.max, [0xfe, 0xff, 0xff, 0xff, 0x0f]), (Int32.min, [0xff, 0xff, 0xff, 0xff, 0x0f]),
        ]
        for (value, encoded) in cases {
            #expect(bytes { $0.varint(value) } == encoded)
            var reader = KafkaReader(encoded)
            #expect(try reader.varint() == value)
        }
        for value: Int64 in [0, -1, 1, 1 << 40, -(1 << 40), .max, .min] {
            var reader = KafkaReader(bytes { $0.varlong(value) })
            #expect(try reader.varlong() == value)
            #expect(reader.remaining == 0)
        }
        for value: UInt32 in [0, 127, 128, 16383, 16384, .max] {
            var reader = KafkaReader(bytes { $0.unsignedVarint(value) })
            #expect(try reader.unsignedVarint() == value)
        }
    }

    @Test func malformedAndTruncatedVarints() {
        var tooLong = KafkaReader([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
        #expect(throws: KafkaDecodeError.malformedVarint) { try tooLong.unsignedVarint() }
        var truncated = KafkaReader([0x80, 0x80])
        #expect(throws: KafkaDecodeError.truncated) { try truncated.varlong() }
    }

    @Test func fixedWidthIntegersAreBigEndian() throws {
        let encoded = bytes {
            $0.int8(-2)
            $0.int16(0x0102)
            $0.int32(-2)
            $0.int64(0x0102_0304_0506_0708)
        }
        #expect(encoded == [0xfe, 1, 2, 0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 5, 6, 7, 8])
        var reader = KafkaReader(encoded)
        #expect(try reader.int8() == -2)
        #expect(try reader.int16() == 0x0102)
        #expect(try reader.int32() == -2)
        #expect(try reader.int64() == 0x0102_0304_0506_0708)
        #expect(throws: KafkaDecodeError.truncated) { try reader.int8() }
    }

    @Test func stringsAndBytesClassicAndCompact() throws {
        let encoded = bytes {
            $0.nullableString("hé", compact: false)
            $0.nullableString(nil, compact: false)
            $0.nullableString("hé", compact: true)
            $0.nullableString(nil, compact: true)
            $0.nullableBytes([1, 2], compact: false)
            $0.nullableBytes(nil, compact: true)
        }
        #expect(encoded == [0, 3, 0x68, 0xc3, 0xa9, 0xff, 0xff, 4, 0x68, 0xc3, 0xa9, 0, 0, 0, 0, 2, 1, 2, 0])
        var reader = KafkaReader(encoded[...])
        #expect(try reader.nullableString(compact: false) == "hé")
        #expect(try reader.nullableString(compact: false) == nil)
        #expect(try reader.nullableString(compact: true) == "hé")
        #expect(try reader.nullableString(compact: true) == nil)
        #expect(try reader.nullableBytes(compact: false) == [1, 2])
        #expect(try reader.nullableBytes(compact: true) == nil)
        #expect(reader.remaining == 0)
    }

    @Test func readerWorksOnASliceOfALargerBuffer() throws {
        let buffer: [UInt8] = [9, 9, 0, 0, 0, 2, 0xaa, 0xbb, 9]
        var reader = KafkaReader(buffer[2..<8])
        #expect(try reader.nullableBytes(compact: false) == [0xaa, 0xbb])
        #expect(reader.remaining == 0)
        #expect(throws: KafkaDecodeError.truncated) { try reader.int8() }
    }

    @Test func sizePrefixCoversExternalParts() {
        var writer = KafkaWriter()
        writer.int32(1)
        writer.external(token: 3, length: 100)
        writer.int16(2)
        let parts = writer.finish()
        #expect(parts == [.bytes([0, 0, 0, 106, 0, 0, 0, 1]), .external(token: 3, length: 100), .bytes([0, 2])])
        #expect(parts.byteCount == 110)
    }

    @Test func errorNames() {
        #expect(KafkaError.notLeaderOrFollower.name == "NOT_LEADER_OR_FOLLOWER")
        #expect(KafkaError(rawValue: 35) == .unsupportedVersion)
        #expect(KafkaError(rawValue: 1234).name == "UNKNOWN_ERROR_CODE_1234")
    }
}
