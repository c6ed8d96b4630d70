import NIOCore
import Sealing

/// What the stream listener asks of the shell: whether a hello proves the cluster key, the sealed reply to a
/// request, and counting a rejected stream.
protocol StreamServerDelegate: AnyObject {
    /// Whether `sealedHello` opens as a hello (authentic, fresh, never seen before).
    func acceptsStreamHello(_ sealedHello: [UInt8]) -> Bool
    /// The sealed reply for a sealed request, or nil to hang up without answering.
    func answerStream(_ sealedRequest: [UInt8]) -> [UInt8]?
    /// Counts a stream that was dropped before it was answered, by why.
    func streamRejected(_ reason: StreamRejection)
}

/// Why an inbound stream was dropped; the metric label is the raw value.
enum StreamRejection: String, CaseIterable {
    /// Over the per-source or total connection limit.
    case connectionLimit = "connection_limit"
    /// A frame larger than allowed: before the hello, anything above the small unproven limit.
    case frameTooLarge = "frame_too_large"
    /// The first frame was not a hello sealed with a cluster key.
    case badHello = "bad_hello"
    /// The request did not open or could not be answered.
    case badRequest = "bad_request"
    /// Closed (by the peer, or by the idle timeout) before a whole request arrived.
    case incomplete
}

/// Serves one request per inbound TCP connection. The first frame must be a small sealed hello: until it opens, at
/// most `maxUnprovenFrameSize` bytes are buffered, so a peer without the key cannot make us hold large frames.
/// Then one request frame of up to `maxFrameSize` is answered, the reply written, and the connection closed. A
/// connection that does not finish in time is closed, and every stream dropped unanswered is counted once.
///
/// A first frame that is a broker link hello instead goes to `linkAcceptor` (when this node is a broker), which
/// turns the connection into a persistent link; this handler then leaves the pipeline.
final class StreamServerHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let delegate: any StreamServerDelegate
    private let idleTimeout: TimeAmount
    private let maxFrameSize: Int
    private let linkAcceptor: BrokerLinkAcceptor?
    private var decoder: FrameDecoder
    private var idleClose: Scheduled<Void>?
    private var helloAccepted = false
    /// Answered or rejected: either way nothing more is read, and the stream is not counted again.
    private var finished = false

    init(
        delegate: any StreamServerDelegate,
        idleTimeout: TimeAmount,
        maxUnprovenFrameSize: Int,
        maxFrameSize: Int,
        linkAcceptor: BrokerLinkAcceptor? = nil
    ) {
        self.delegate = delegate
        self.linkAcceptor = linkAcceptor
        self.idleTimeout = idleTimeout
        self.maxFrameSize = maxFrameSize
        decoder = FrameDecoder(maxFrameSize: min(maxUnprovenFrameSize, maxFrameSize))
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
        if !finished { reject(.incomplete, context: nil) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !finished else { return }
        decoder.append(unwrapInboundIn(data).readableBytesView)
        do {
            while !finished, let frame = try decoder.nextFrame() {
                handle(frame, context: context)
            }
        } catch {
            reject(.frameTooLarge, context: context)
        }
    }

    private func handle(_ frame: [UInt8], context: ChannelHandlerContext) {
        guard helloAccepted else {
            if let linkAcceptor, LinkHandshake.isClientHello(frame) {
                upgradeToLink(frame, acceptor: linkAcceptor, context: context)
                return
            }
            guard delegate.acceptsStreamHello(frame) else {
                reject(.badHello, context: context)
                return
            }
            helloAccepted = true
            decoder.maxFrameSize = maxFrameSize
            return
        }
        finished = true
        guard let reply = delegate.answerStream(frame) else {
            delegate.streamRejected(.badRequest)
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

    /// Hands the connection to the link acceptor. The client waits for the server's hello before it sends anything
    /// else, so bytes after its hello are a protocol error.
    private func upgradeToLink(_ hello: [UInt8], acceptor: BrokerLinkAcceptor, context: ChannelHandlerContext) {
        guard decoder.bufferedByteCount == 0, acceptor.upgrade(hello, context: context) else {
            reject(.badHello, context: context)
            return
        }
        finished = true
        idleClose?.cancel()
        idleClose = nil
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func reject(_ reason: StreamRejection, context: ChannelHandlerContext?) {
        guard !finished else { return }
        finished = true
        delegate.streamRejected(reason)
        context?.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A socket error: the stream is unusable.
        reject(.incomplete, context: context)
        context.close(promise: nil)
    }
}
