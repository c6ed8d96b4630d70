import NIOCore

/// Cuts the byte stream from the broker into Kafka frames (a 4-byte big-endian size, then that many bytes) and
/// passes each on as one array, copying every byte once: from the socket's read buffer straight into an array
/// reserved at the frame's full size. `ByteToMessageHandler` would first gather a large Fetch response in a growing
/// buffer, and the response decoder then needs an array: two copies of every fetched byte, which is most of what a
/// consumer spends (`peer bench kafka` measured it).
final class KafkaFrameAssembler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = [UInt8]

    let maxFrameSize: Int
    /// The size prefix read so far, when it came split over reads.
    private var sizePrefix: [UInt8] = []
    /// The frame being filled, and how many of its bytes are still to come (nil while reading a size prefix).
    private var frame: [UInt8] = []
    private var missing: Int?
    private var failed = false

    init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        while !failed, buffer.readableBytes > 0 {
            guard let stillMissing = missing else {
                readSizePrefix(from: &buffer, context: context)
                continue
            }
            let take = min(stillMissing, buffer.readableBytes)
            buffer.readWithUnsafeReadableBytes { bytes in
                frame.append(
                    contentsOf: UnsafeRawBufferPointer(rebasing: bytes[..<take]).assumingMemoryBound(to: UInt8.self)
                )
                return take
            }
            missing = stillMissing - take
            if missing == 0 { emit(context: context) }
        }
    }

    private func readSizePrefix(from buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        let take = min(4 - sizePrefix.count, buffer.readableBytes)
        sizePrefix += buffer.readBytes(length: take) ?? []
        guard sizePrefix.count == 4 else { return }
        let size = sizePrefix.withUnsafeBytes { Int32(bigEndian: $0.loadUnaligned(as: Int32.self)) }
        sizePrefix.removeAll(keepingCapacity: true)
        guard size >= 0, Int(size) <= maxFrameSize else {
            failed = true
            context.fireErrorCaught(KafkaClientError.frameTooLarge(size: Int(size)))
            return
        }
        frame = []
        frame.reserveCapacity(Int(size))
        missing = Int(size)
        if size == 0 { emit(context: context) }
    }

    private func emit(context: ChannelHandlerContext) {
        let complete = frame
        frame = []
        missing = nil
        context.fireChannelRead(wrapInboundOut(complete))
    }
}
