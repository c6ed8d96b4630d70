import NIOCore
import Sealing

/// Why a request over a broker link got no reply.
enum BrokerLinkError: Error, Equatable, CustomStringConvertible {
    /// The link or the registry was closed.
    case stopped
    /// Gossip knows no active member of that name to link to.
    case unknownNode(String)
    /// Not a size-prefixed Kafka request frame with a header.
    case malformedRequest
    /// The handshake did not complete: wrong cluster key, a peer that serves no links, or a timeout.
    case handshakeFailed(String)
    /// The connection ended (or was cut for a bad frame) before the reply came.
    case connectionLost(String)
    /// No reply within the request timeout; the connection was closed, since replies come in order.
    case timedOut
    /// The reply at the head of the line answers another request: the stream is out of step.
    case unexpectedCorrelationId(expected: Int32, received: Int32)

    var description: String {
        switch self {
        case .stopped: "the broker link was closed"
        case .unknownNode(let name): "no active member named \(name) to link to"
        case .malformedRequest: "not a size-prefixed Kafka request frame"
        case .handshakeFailed(let reason): "broker link handshake failed: \(reason)"
        case .connectionLost(let reason): "broker link connection lost: \(reason)"
        case .timedOut: "no reply on the broker link in time"
        case .unexpectedCorrelationId(let expected, let received):
            "broker link reply has correlation id \(received), expected \(expected)"
        }
    }
}

/// Runs the client's side of the link handshake on a fresh connection: sends the hello, reads the server's hello,
/// then replaces itself with the sealed layer, a Kafka frame splitter and the reply matcher it hands to `ready`.
final class BrokerLinkHandshakeHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The server's hello is far smaller.
    private static let maxHelloSize = 1024

    private let hello: [UInt8]
    private let pending: LinkClientPending
    private let maxResponseSize: Int
    private let ready: EventLoopPromise<NIOLoopBound<BrokerLinkResponseHandler>>
    private var decoder = FrameDecoder(maxFrameSize: maxHelloSize)
    private var done = false

    init(
        hello: [UInt8],
        pending: LinkClientPending,
        maxResponseSize: Int,
        ready: EventLoopPromise<NIOLoopBound<BrokerLinkResponseHandler>>
    ) {
        self.hello = hello
        self.pending = pending
        self.maxResponseSize = maxResponseSize
        self.ready = ready
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: Framing.headerCount + hello.count)
        buffer.writeBytes(Framing.frame(hello))
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !done else { return }
        decoder.append(unwrapInboundIn(data).readableBytesView)
        do {
            guard let frame = try decoder.nextFrame() else { return }
            // The server sends nothing more until it has a request, so more bytes are a protocol error.
            guard decoder.bufferedByteCount == 0 else { throw LinkError.malformedHello }
            let session = try pending.finish(frame)
            let responses = BrokerLinkResponseHandler()
            try context.pipeline.syncOperations.addHandlers(
                [
                    BrokerLinkCipherHandler(session: session),
                    ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: maxResponseSize)),
                    responses,
                ],
                position: .after(context.handler)
            )
            done = true
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            ready.succeed(NIOLoopBound(responses, eventLoop: context.eventLoop))
        } catch {
            fail("\(error)", context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            ready.fail(BrokerLinkError.handshakeFailed("closed by the peer (wrong cluster key, or not a broker?)"))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail("\(error)", context: context)
    }

    private func fail(_ reason: String, context: ChannelHandlerContext) {
        guard !done else { return }
        done = true
        ready.fail(BrokerLinkError.handshakeFailed(reason))
        context.close(promise: nil)
    }
}

/// Matches replies to requests on an established link. Kafka answers in request order on a connection, so the
/// head of the line is the request a reply answers; its correlation id must agree, else the link is out of step
/// and is closed. Every request still waiting fails when the connection ends.
final class BrokerLinkResponseHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var inFlight = CircularBuffer<(correlationId: Int32, promise: EventLoopPromise<[UInt8]>)>()
    private var closed = false

    /// Requests written and not yet answered.
    var inFlightCount: Int { inFlight.count }

    /// Registers a request about to be written; false (and nothing registered) when the connection has ended.
    func expect(_ correlationId: Int32, promise: EventLoopPromise<[UInt8]>) -> Bool {
        guard !closed else { return false }
        inFlight.append((correlationId, promise))
        return true
    }

    /// Fails every waiting request with `error`; the caller closes the connection.
    func failAll(_ error: BrokerLinkError) {
        closed = true
        while let request = inFlight.popFirst() { request.promise.fail(error) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let head = inFlight.popFirst() else {
            failAll(.connectionLost("a reply to no request"))
            context.close(promise: nil)
            return
        }
        let received = frame.getInteger(at: frame.readerIndex, as: Int32.self)
        guard received == head.correlationId else {
            let error = BrokerLinkError.unexpectedCorrelationId(expected: head.correlationId, received: received ?? -1)
            head.promise.fail(error)
            failAll(error)
            context.close(promise: nil)
            return
        }
        head.promise.succeed(Array(frame.readableBytesView))
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionLost("connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(.connectionLost("\(error)"))
        context.close(promise: nil)
    }
}
