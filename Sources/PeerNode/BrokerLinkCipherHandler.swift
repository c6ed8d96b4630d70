import NIOCore
import Sealing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a broker link connection was cut by this side.
enum BrokerLinkFrameError: Error, CustomStringConvertible {
    /// A frame was longer than a link frame may be.
    case framing(FramingError)
    /// A frame did not open: forged, replayed, reordered or dropped.
    case sealing(LinkError)
    /// A reply's file data could not be read for sealing.
    case unreadableFile(String)

    var description: String {
        switch self {
        case .framing(let error): "\(error)"
        case .sealing(let error): "\(error)"
        case .unreadableFile(let reason): "cannot read reply data: \(reason)"
        }
    }
}

/// The sealed layer of a broker link once the handshake is done, like TLS under a protocol: inbound, it opens
/// length-prefixed link frames and passes their plaintext on as a byte stream (Kafka frames may span link frames);
/// outbound, it gathers everything written until a flush and seals it into frames of at most `maxChunk` bytes.
///
/// Replies that carry file regions (Fetch record data, sent with sendfile on the plain Kafka listener) cannot be
/// sealed in the kernel: their bytes are read here, when written, so a reply queued behind others never reads a
/// file that retention has since removed. The read is a synchronous pread of page-cache data on the event loop, as
/// the log's own reads are.
final class BrokerLinkCipherHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = IOData
    typealias OutboundOut = ByteBuffer

    /// Largest plaintext sealed into one frame, in both directions. Bounds what a peer can make us buffer before a
    /// frame authenticates.
    static let maxChunk = 256 << 10

    private var session: LinkSession
    private var decoder = FrameDecoder(maxFrameSize: maxChunk + LinkCipher.overhead)
    private var pending: [UInt8] = []
    private var pendingPromises: [EventLoopPromise<Void>] = []
    private var failed = false

    init(session: LinkSession) {
        self.session = session
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        decoder.append(unwrapInboundIn(data).readableBytesView)
        do {
            while !failed, let frame = try decoder.nextFrame() {
                let plaintext = try session.receiver.open(frame)
                guard !plaintext.isEmpty else { continue }
                var buffer = context.channel.allocator.buffer(capacity: plaintext.count)
                buffer.writeBytes(plaintext)
                context.fireChannelRead(wrapInboundOut(buffer))
            }
        } catch let error as FramingError {
            fail(.framing(error), context: context)
        } catch let error as LinkError {
            fail(.sealing(error), context: context)
        } catch {
            fail(.sealing(.authenticationFailed), context: context)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !failed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        switch unwrapOutboundIn(data) {
        case .byteBuffer(let buffer):
            pending.append(contentsOf: buffer.readableBytesView)
        case .fileRegion(let region):
            do {
                pending += try Self.read(region)
            } catch {
                promise?.fail(error)
                fail(.unreadableFile("\(error)"), context: context)
                return
            }
        }
        if let promise { pendingPromises.append(promise) }
    }

    func flush(context: ChannelHandlerContext) {
        guard !failed else { return }
        var offset = 0
        var last: EventLoopFuture<Void>?
        while offset < pending.count {
            let end = min(offset + Self.maxChunk, pending.count)
            let sealed = session.sender.seal(pending[offset..<end])
            var buffer = context.channel.allocator.buffer(capacity: Framing.headerCount + sealed.count)
            buffer.writeInteger(UInt32(sealed.count))
            buffer.writeBytes(sealed)
            let written = context.eventLoop.makePromise(of: Void.self)
            context.write(wrapOutboundOut(buffer), promise: written)
            last = written.futureResult
            offset = end
        }
        pending.removeAll(keepingCapacity: pending.count <= Self.maxChunk)
        let promises = pendingPromises
        pendingPromises.removeAll()
        if let last {
            for promise in promises { last.cascade(to: promise) }
        } else {
            for promise in promises { promise.succeed(()) }
        }
        context.flush()
    }

    func channelInactive(context: ChannelHandlerContext) {
        failPending(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failPending(ChannelError.ioOnClosedChannel)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .read? = event as? IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func fail(_ error: BrokerLinkFrameError, context: ChannelHandlerContext) {
        guard !failed else { return }
        failed = true
        failPending(error)
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func failPending(_ error: any Error) {
        pending.removeAll()
        let promises = pendingPromises
        pendingPromises.removeAll()
        for promise in promises { promise.fail(error) }
    }

    /// The bytes of a file region, read at its position without moving the file offset.
    private static func read(_ region: FileRegion) throws -> [UInt8] {
        let count = region.readableBytes
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        try region.fileHandle.withUnsafeFileDescriptor { descriptor in
            while done < count {
                let read = bytes.withUnsafeMutableBytes { buffer in
                    pread(descriptor, buffer.baseAddress! + done, count - done, off_t(region.readerIndex + done))
                }
                if read < 0, errno == EINTR { continue }
                guard read > 0 else {
                    throw BrokerLinkFrameError.unreadableFile(read == 0 ? "file ended early" : "errno \(errno)")
                }
                done += read
            }
        }
        return bytes
    }
}
