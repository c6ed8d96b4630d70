import NIOCore

/// Hands every datagram on the gossip socket to the shell. Socket errors (e.g. ICMP unreachable reports) are
/// not fatal for an unconnected UDP socket, so the channel stays open.
final class DatagramHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    private let shell: GossipShell

    init(shell: GossipShell) {
        self.shell = shell
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        shell.receiveDatagram(Array(envelope.data.readableBytesView), from: envelope.remoteAddress)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        shell.logger.debug("gossip socket error", metadata: ["error": "\(error)"])
    }
}
