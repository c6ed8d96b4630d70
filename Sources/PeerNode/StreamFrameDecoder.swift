import NIOCore
import Sealing

/// Splits a TCP byte stream into length-prefixed frames, refusing any frame above `maxFrameSize` before
/// buffering it.
struct StreamFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    private var decoder: FrameDecoder

    init(maxFrameSize: Int) {
        decoder = FrameDecoder(maxFrameSize: maxFrameSize)
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if buffer.readableBytes > 0 {
            decoder.append(buffer.readableBytesView)
            buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        }
        guard let frame = try decoder.nextFrame() else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}
