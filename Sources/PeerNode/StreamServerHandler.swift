import NIOCore
import Sealing

/// Serves one request per inbound TCP connection: the first frame is handed to `answer`, whose sealed reply (if
/// any) is written back before the connection closes. A connection that sends nothing in time is closed.
final class StreamServerHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]
    typealias OutboundOut = ByteBuffer

    /// Returns the sealed reply for a sealed request, or nil to hang up without answering.
    private let answer: ([UInt8]) -> [UInt8]?
    private let idleTimeout: TimeAmount
    private var idleClose: Scheduled<Void>?
    private var answered = false

    init(idleTimeout: TimeAmount, answer: @escaping ([UInt8]) -> [UInt8]?) {
        self.idleTimeout = idleTimeout
        self.answer = answer
    }

    func channelActive(context: ChannelHandlerContext) {
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        idleClose = context.eventLoop.scheduleTask(in: idleTimeout) {
            loopBoundContext.value.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleClose?.cancel()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        answered = true
        guard let reply = answer(unwrapInboundIn(data)) else {
            context.close(promise: nil)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: reply.count + Framing.headerCount)
        buffer.writeBytes(Framing.frame(reply))
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(buffer)).whenComplete { _ in
            loopBoundContext.value.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A malformed or oversized frame: the stream is out of sync, so drop it.
        context.close(promise: nil)
    }
}
