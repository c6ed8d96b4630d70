import NIOCore
import NIOEmbedded
import Testing

@testable import KafkaClient

/// The client's frame assembler must cut frames exactly, however the stream is split into reads.
@Suite struct FrameAssemblerTests {
    /// Frames of assorted sizes (an empty one among them), each a 4-byte size and its bytes, in one stream.
    private func stream(of frames: [[UInt8]]) -> [UInt8] {
        frames.flatMap { frame in
            withUnsafeBytes(of: Int32(frame.count).bigEndian, Array.init) + frame
        }
    }

    private func frames() -> [[UInt8]] {
        [[1, 2, 3], [], Array(repeating: 7, count: 70_000), [9], (0..<300).map { UInt8(truncatingIfNeeded: $0) }]
    }

    private func feed(_ bytes: [UInt8], cuts: [Int], maxFrameSize: Int = 1 << 20) throws -> [[UInt8]] {
        let channel = EmbeddedChannel(handler: KafkaFrameAssembler(maxFrameSize: maxFrameSize))
        var start = 0
        for cut in cuts.sorted() + [bytes.count] where cut >= start {
            try channel.writeInbound(ByteBuffer(bytes: bytes[start..<cut]))
            start = cut
        }
        var out: [[UInt8]] = []
        while let frame = try channel.readInbound(as: [UInt8].self) { out.append(frame) }
        return out
    }

    @Test func wholeStreamInOneRead() throws {
        #expect(try feed(stream(of: frames()), cuts: []) == frames())
    }

    @Test func everySplitOfSizePrefixesAndBodies() throws {
        let bytes = stream(of: frames())
        // Cuts inside the first size prefix, at frame boundaries, inside bodies, and single-byte reads.
        #expect(try feed(bytes, cuts: [1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 13, 500, 70_010, 70_020]) == frames())
        let small = stream(of: [[1, 2, 3], [], [4]])
        #expect(try feed(small, cuts: Array(0..<small.count)) == [[1, 2, 3], [], [4]])
    }

    @Test func randomSplits() throws {
        let bytes = stream(of: frames())
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let cuts = (0..<Int.random(in: 1...40, using: &generator)).map { _ in
                Int.random(in: 0...bytes.count, using: &generator)
            }
            #expect(try feed(bytes, cuts: cuts) == frames())
        }
    }

    @Test func oversizedOrNegativeSizeIsAnError() throws {
        #expect(throws: KafkaClientError.self) { try feed(stream(of: [[1, 2, 3, 4, 5]]), cuts: [], maxFrameSize: 4) }
        #expect(throws: KafkaClientError.self) { try feed([0xFF, 0xFF, 0xFF, 0xFF, 1], cuts: []) }
    }
}
