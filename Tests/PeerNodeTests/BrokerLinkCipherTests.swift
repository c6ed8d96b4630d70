import Foundation
import NIOCore
import NIOEmbedded
import Sealing
import Testing

@testable import PeerNode

/// The sealed layer of a link on an embedded channel: replies with file regions (Fetch data, which the plain Kafka
/// listener sends with sendfile) are read and sealed in order, large writes are cut into frames, and a bad frame
/// closes the channel.
@Suite("Broker link cipher")
struct BrokerLinkCipherTests {
    static func sessions() throws -> (client: LinkSession, server: LinkSession) {
        var random = SystemRandomNumberGenerator()
        let keyring = Keyring(primary: ClusterKey.generate())
        let (hello, pending) = try LinkHandshake.start(from: "f", to: "l", keyring: keyring, using: &random)
        let (reply, server) = try LinkHandshake.accept(hello, as: "l", keyring: keyring, using: &random)
        return (try pending.finish(reply), server)
    }

    /// Opens every frame the server side wrote, in order, and joins their plaintext.
    static func openAll(
        _ channel: EmbeddedChannel,
        with session: inout LinkSession
    ) throws -> (bytes: [UInt8], frames: Int) {
        var decoder = FrameDecoder()
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            decoder.append(buffer.readableBytesView)
        }
        var bytes: [UInt8] = []
        var frames = 0
        while let frame = try decoder.nextFrame() {
            bytes += try session.receiver.open(frame)
            frames += 1
        }
        #expect(decoder.bufferedByteCount == 0)
        return (bytes, frames)
    }

    @Test("bytes and file regions written before a flush come out sealed, in order, in frames of bounded size")
    func fileRegionsAreSealedInOrder() throws {
        var (client, server) = try Self.sessions()
        let channel = EmbeddedChannel(handler: BrokerLinkCipherHandler(session: server))

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("link-region-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let contents = (0..<(700 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(contents).write(to: URL(fileURLWithPath: path))

        let head: [UInt8] = [0, 0, 0, 9, 1, 2, 3]
        let handle = try NIOFileHandle(_deprecatedPath: path)
        let region = FileRegion(fileHandle: handle, readerIndex: 1000, endIndex: 1000 + (600 << 10))
        let written = channel.eventLoop.makePromise(of: Void.self)
        channel.write(IOData.byteBuffer(ByteBuffer(bytes: head)), promise: nil)
        channel.write(IOData.fileRegion(region), promise: written)
        channel.write(IOData.byteBuffer(ByteBuffer(bytes: [7])), promise: nil)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "sealed before the flush")
        channel.flush()
        try written.futureResult.wait()
        try handle.close()

        let (bytes, frames) = try Self.openAll(channel, with: &client)
        // Compared outside #expect: a failed comparison of large arrays would be diffed element by element.
        let intact = bytes == head + Array(contents[1000..<(1000 + (600 << 10))]) + [7]
        #expect(intact, "the sealed bytes differ from the written ones")
        #expect(frames == 3, "600 KiB and a few bytes make three frames of at most 256 KiB")
        _ = try? channel.finish()
    }

    @Test("inbound frames open into the byte stream; a replayed one closes the channel")
    func inboundFrames() throws {
        var (client, server) = try Self.sessions()
        let channel = EmbeddedChannel(handler: BrokerLinkCipherHandler(session: server))
        let first = Framing.frame(client.sender.seal([1, 2]))
        let second = Framing.frame(client.sender.seal([3]))
        // Split across reads at an awkward place.
        try channel.writeInbound(ByteBuffer(bytes: first + second.prefix(3)))
        try channel.writeInbound(ByteBuffer(bytes: second.dropFirst(3)))
        var received: [UInt8] = []
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { received += buffer.readableBytesView }
        #expect(received == [1, 2, 3])

        #expect(throws: BrokerLinkFrameError.self) { try channel.writeInbound(ByteBuffer(bytes: second)) }
        #expect(!channel.isActive)
        _ = try? channel.finish()
    }
}
