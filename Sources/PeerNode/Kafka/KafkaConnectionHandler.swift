import KafkaProtocol
import Logging
import NIOCore
import NIOPosix

/// One Kafka client connection: hands each request frame to the broker and writes the replies back in request
/// order, as Kafka's protocol requires, even when a later request (a Metadata call) finishes before an earlier one
/// (a long-polling Fetch or an acks=all Produce).
///
/// Record data in Fetch replies is written as file regions, so the kernel copies it from the page cache to the
/// socket (sendfile) without passing through this process.
final class KafkaConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = IOData

    private let broker: KafkaBroker
    private let logger: Logger
    private var nextSequence = 0
    private var nextToWrite = 0
    private var finished: [Int: KafkaReply] = [:]
    private var closing = false

    init(broker: KafkaBroker, logger: Logger) {
        self.broker = broker
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        var frame = unwrapInboundIn(data)
        let bytes = frame.readBytes(length: frame.readableBytes) ?? []
        let sequence = nextSequence
        nextSequence += 1
        let remote = context.remoteAddress
        let future = broker.handle(frame: bytes, from: remote)
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        future.whenComplete { result in
            let (handler, context) = loopBound.value
            switch result {
            case .success(let reply): handler.finished[sequence] = reply
            case .failure(let error): handler.finished[sequence] = .close(reason: "\(error)")
            }
            handler.writeReady(context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        broker.metrics.malformedRequests.increment()
        logger.debug(
            "closing Kafka connection",
            metadata: ["remote": "\(context.remoteAddress.map { "\($0)" } ?? "?")", "reason": "\(error)"]
        )
        closing = true
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        finished.removeAll()
        context.fireChannelInactive()
    }

    /// Writes every reply whose predecessors have all been written.
    private func writeReady(context: ChannelHandlerContext) {
        var wrote = false
        while !closing, let reply = finished.removeValue(forKey: nextToWrite) {
            nextToWrite += 1
            switch reply {
            case .none:
                continue
            case .close(let reason):
                logger.debug("closing Kafka connection", metadata: ["reason": "\(reason)"])
                closing = true
                if wrote { context.flush() }
                context.close(promise: nil)
                return
            case .frame(let parts, let files):
                write(parts, files: files, context: context)
                wrote = true
            }
        }
        if wrote { context.flush() }
    }

    private func write(_ parts: [EncodedPart], files: [Int: FileSlice], context: ChannelHandlerContext) {
        for part in parts {
            switch part {
            case .bytes(let bytes):
                var buffer = context.channel.allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                context.write(wrapOutboundOut(.byteBuffer(buffer)), promise: nil)
            case .external(let token, let length):
                guard let slice = files[token], slice.length == length else {
                    // The frame's size prefix promised these bytes: the connection cannot continue.
                    logger.error("fetch reply lost its file slice; closing", metadata: ["token": "\(token)"])
                    closing = true
                    context.close(promise: nil)
                    return
                }
                writeFile(slice, context: context)
            }
        }
    }

    private func writeFile(_ slice: FileSlice, context: ChannelHandlerContext) {
        let handle: NIOFileHandle
        do {
            // Opened by path when written, not borrowed from the log at read time: a reply can wait behind earlier
            // ones, and by then retention may have closed the log's descriptor and the number been reused.
            handle = try NIOFileHandle(_deprecatedPath: slice.path)
        } catch {
            logger.error("cannot open segment for a fetch; closing", metadata: ["path": "\(slice.path)"])
            closing = true
            context.close(promise: nil)
            return
        }
        let region = FileRegion(
            fileHandle: handle,
            readerIndex: slice.position,
            endIndex: slice.position + slice.length
        )
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { _ in try? handle.close() }
        context.write(wrapOutboundOut(.fileRegion(region)), promise: promise)
    }
}
