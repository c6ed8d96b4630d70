import Gossip
import NIOCore
import NIOPosix
import Primitives
import Sealing

/// Why a stream request got no reply.
enum StreamExchangeError: Error, CustomStringConvertible {
    case timedOut
    case closedWithoutReply

    var description: String {
        switch self {
        case .timedOut: "timed out waiting for a reply"
        case .closedWithoutReply: "connection closed without a reply (wrong cluster key?)"
        }
    }
}

/// One request frame out, one reply frame back, over a fresh TCP connection; used for push-pull and
/// keyring operations. Everything is bounded: the connect, the whole exchange, and the reply size.
enum StreamExchange {
    /// Connects to `address`, writes `hello` and `request` as two frames and returns the payload of the first frame
    /// that comes back. Runs on `eventLoop`; the returned future completes there.
    static func exchange(
        _ request: [UInt8],
        hello: [UInt8],
        with address: PeerAddress,
        on eventLoop: any EventLoop,
        limits: StreamLimits
    ) -> EventLoopFuture<[UInt8]> {
        let reply = eventLoop.makePromise(of: [UInt8].self)
        let maxFrameSize = limits.maxFrameSize
        let connected = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(limits.connectTimeout))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(StreamFrameDecoder(maxFrameSize: maxFrameSize)),
                        StreamReplyHandler(reply: reply)
                    )
                }
            }
            .connect(host: address.host, port: Int(address.port))

        let timeout = eventLoop.scheduleTask(in: TimeAmount(limits.exchangeTimeout)) {
            reply.fail(StreamExchangeError.timedOut)
        }
        connected.whenComplete { result in
            switch result {
            case .success(let channel):
                var buffer = channel.allocator.buffer(capacity: hello.count + request.count + 2 * Framing.headerCount)
                buffer.writeBytes(Framing.frame(hello))
                buffer.writeBytes(Framing.frame(request))
                channel.writeAndFlush(buffer, promise: nil)
                reply.futureResult.whenComplete { _ in channel.close(promise: nil) }
            case .failure(let error):
                reply.fail(error)
            }
        }
        reply.futureResult.whenComplete { _ in timeout.cancel() }
        return reply.futureResult
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        self = .nanoseconds(duration.nanoseconds)
    }
}

/// Completes the exchange with the first frame, or fails it if the peer hangs up or errs first.
private final class StreamReplyHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]

    private let reply: EventLoopPromise<[UInt8]>

    init(reply: EventLoopPromise<[UInt8]>) {
        self.reply = reply
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reply.succeed(unwrapInboundIn(data))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        reply.fail(StreamExchangeError.closedWithoutReply)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        reply.fail(error)
        context.close(promise: nil)
    }
}
