import Logging
import NIOCore
import Sealing

/// The server side of broker links. Links arrive on the gossip TCP listener: a stream whose first frame is a link
/// client hello (not a sealed stream hello) is handed here, and once the hello opens, the connection becomes a
/// persistent link that serves Kafka requests through the same `KafkaConnectionHandler` as the Kafka listener
/// (replies in request order), behind `BrokerLinkCipherHandler`. Reusing the gossip listener needs no new port,
/// option or metadata tag: a follower reaches its leader at the member address gossip already spreads.
///
/// Lives on the agent's event loop, like the shell and the broker it reads.
final class BrokerLinkAcceptor {
    /// A link with no inbound frame for this long is closed; the follower reconnects when it next needs it.
    static let idleTimeout = TimeAmount.minutes(5)

    private let name: String
    /// The current keyring, or nil once the agent is stopping (then no new links are accepted).
    private let keyring: () -> Keyring?
    private let broker: KafkaBroker
    private let logger: Logger
    private let maxRequestSize: Int
    private var random = SystemRandomNumberGenerator()

    init(name: String, keyring: @escaping () -> Keyring?, broker: KafkaBroker, logger: Logger, maxRequestSize: Int) {
        self.name = name
        self.keyring = keyring
        self.broker = broker
        self.logger = logger
        self.maxRequestSize = maxRequestSize
    }

    /// Answers a client hello and installs the link handlers after the handler of `context` (which the caller then
    /// removes). False when the hello does not open for this node: the caller counts it and closes.
    func upgrade(_ hello: [UInt8], context: ChannelHandlerContext) -> Bool {
        guard let keyring = keyring() else { return false }
        let reply: [UInt8]
        let session: LinkSession
        do {
            (reply, session) = try LinkHandshake.accept(hello, as: name, keyring: keyring, using: &random)
        } catch {
            logger.debug("refused a broker link", metadata: ["reason": "\(error)"])
            return false
        }
        do {
            try context.pipeline.syncOperations.addHandlers(
                [
                    IdleStateHandler(readTimeout: Self.idleTimeout),
                    BrokerLinkCipherHandler(session: session),
                    ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: maxRequestSize)),
                    KafkaConnectionHandler(broker: broker, logger: logger),
                ],
                position: .after(context.handler)
            )
        } catch {
            return false
        }
        var buffer = context.channel.allocator.buffer(capacity: Framing.headerCount + reply.count)
        buffer.writeBytes(Framing.frame(reply))
        context.writeAndFlush(NIOAny(buffer), promise: nil)
        logger.debug(
            "broker link opened",
            metadata: ["peer": "\(session.peerName)", "remote": "\(context.remoteAddress.map { "\($0)" } ?? "?")"]
        )
        return true
    }
}

/// The agent's parts a link acceptor reads, bound to the agent's loop; `acceptor()` makes one per connection there.
struct BrokerLinkSettings: Sendable {
    let name: String
    let shell: NIOLoopBound<GossipShell>
    let broker: NIOLoopBound<KafkaBroker>
    let logger: Logger
    let maxRequestSize: Int

    func acceptor() -> BrokerLinkAcceptor {
        let shell = self.shell
        return BrokerLinkAcceptor(
            name: name,
            keyring: { shell.value.isStopped ? nil : shell.value.sealer.keyring },
            broker: broker.value,
            logger: logger,
            maxRequestSize: maxRequestSize
        )
    }
}
