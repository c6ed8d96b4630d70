import NIOCore

/// Splits a Kafka connection's bytes into request frames: a big-endian int32 size, then that many bytes.
///
/// A negative or oversized size (Kafka's `socket.request.max.bytes`) is an error that closes only this connection,
/// before anything is buffered for it: a client announcing 2 GiB cannot make the broker allocate it.
struct KafkaFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    struct OversizedFrame: Error, CustomStringConvertible {
        var size: Int32
        var limit: Int
        var description: String { "request size \(size) outside 0...\(limit)" }
    }

    let maxFrameSize: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= 0, Int(size) <= maxFrameSize else { throw OversizedFrame(size: size, limit: maxFrameSize) }
        guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let frame = buffer.readSlice(length: Int(size)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
