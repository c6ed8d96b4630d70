import Gossip
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PeerRPC
import Primitives
import Sealing

/// A running agent: the gossip shell plus its UDP socket, its TCP stream listener and its HTTP RPC listener, all
/// on one event loop. Create it with `start`, end it with `leave` (graceful) or `stop`.
public final class PeerAgent: Sendable {
    public let configuration: AgentConfiguration
    private let eventLoop: any EventLoop
    private let shell: NIOLoopBound<GossipShell>
    /// The Kafka broker, when this agent serves Kafka clients.
    private let broker: NIOLoopBound<KafkaBroker>?
    private let channels: NIOLoopBoundBox<[any Channel]>
    /// Why the agent stopped on its own with an error (a duplicate name), if it did.
    private let failure: NIOLoopBoundBox<AgentStartupError?>
    private let stopped: EventLoopPromise<Void>
    private let logger: Logger

    /// How long an inbound stream or RPC connection may stay idle before it is closed.
    private static let inboundIdleTimeout = TimeAmount.seconds(10)

    private init(
        configuration: AgentConfiguration,
        eventLoop: any EventLoop,
        shell: NIOLoopBound<GossipShell>,
        broker: NIOLoopBound<KafkaBroker>?,
        channels: NIOLoopBoundBox<[any Channel]>,
        failure: NIOLoopBoundBox<AgentStartupError?>,
        logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.shell = shell
        self.broker = broker
        self.channels = channels
        self.failure = failure
        self.stopped = eventLoop.makePromise(of: Void.self)
        self.logger = logger
    }

    /// Loads the keyring, binds every listener and starts gossiping.
    ///
    /// - Parameters:
    ///   - renderMetrics: renders the executable's metrics backend for `GET /metrics`.
    ///   - eventLoopGroup: one loop of it runs the whole agent.
    public static func start(
        configuration: AgentConfiguration,
        logger: Logger,
        renderMetrics: (@Sendable () -> String)? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> PeerAgent {
        var configuration = configuration
        let problems = configuration.validationErrors()
        guard problems.isEmpty else { throw AgentStartupError.invalidConfiguration(problems) }
        let (keyring, store) = try loadKeyring(configuration, logger: logger)
        let kafka = try configuration.kafka.map {
            try KafkaSetup.prepare($0, configuration: &configuration, logger: logger)
        }

        let eventLoop = eventLoopGroup.next()
        let (shell, broker, channels, failure) = try await eventLoop.submit { [configuration] in
            let shell = GossipShell(
                configuration: configuration,
                keyring: keyring,
                keyringStore: store,
                eventLoop: eventLoop,
                logger: logger
            )
            let broker = kafka.map { $0.makeBroker(shell: shell, logger: logger) }
            if let broker {
                shell.stateObserver = { broker.clusterStateChanged($0) }
                shell.localLog = { broker.localLogView($0) }
                shell.memberObserver = { broker.memberChanged($0) }
                shell.topicDeletedObserver = { broker.topicDeleted($0) }
                broker.onFatalError = { [unowned shell] reason in shell.onFatalError?(.refusedByCluster(reason)) }
                broker.startMaintenance()
                broker.startReplication()
            }
            return (
                NIOLoopBound(shell, eventLoop: eventLoop),
                broker.map { NIOLoopBound($0, eventLoop: eventLoop) },
                NIOLoopBoundBox([any Channel](), eventLoop: eventLoop),
                NIOLoopBoundBox(AgentStartupError?.none, eventLoop: eventLoop)
            )
        }.get()
        let agent = PeerAgent(
            configuration: configuration,
            eventLoop: eventLoop,
            shell: shell,
            broker: broker,
            channels: channels,
            failure: failure,
            logger: logger
        )
        do {
            let datagramChannel = try await agent.bindDatagramSocket()
            try await agent.bindStreamListener()
            if let broker, let kafka = configuration.kafka {
                try await agent.bindKafka(kafka, broker: broker)
            }
            if let rpcAddress = configuration.rpcAddress {
                try await agent.bindRPC(at: rpcAddress, renderMetrics: renderMetrics)
            }
            try await eventLoop.submit {
                shell.value.onFatalError = { error in
                    // No graceful leave: a `left` under a shared name would mark the other agent as gone.
                    failure.value = error
                    agent.closeAll()
                }
                shell.value.start(datagramChannel: datagramChannel)
            }.get()
        } catch {
            await agent.stop()
            throw error
        }
        return agent
    }

    /// Leaves gracefully (announces `left`, waits for it to spread, at most a few seconds), then closes every
    /// listener. Calling it again, or while stopping, just waits.
    public func leave() async {
        eventLoop.execute { [self] in beginLeave() }
        await waitUntilStopped()
    }

    /// Closes everything immediately, without telling the cluster.
    public func stop() async {
        eventLoop.execute { [self] in closeAll() }
        await waitUntilStopped()
    }

    /// Returns once the agent has stopped, whether by `leave`, `stop` or `POST /v1/leave`.
    public func waitUntilStopped() async {
        try? await stopped.futureResult.get()
    }

    /// Why the agent stopped on its own, if it stopped because of an error rather than a leave or `stop`.
    public func stopError() async -> AgentStartupError? {
        try? await eventLoop.submit { [failure] in failure.value }.get()
    }

    /// The current member list, as `GET /v1/members` shows it.
    public func members() async throws -> [MemberView] {
        try await eventLoop.submit { [shell] in shell.value.membersResponse.members }.get()
    }

    // MARK: On the loop

    private func beginLeave() {
        shell.value.leave().assumeIsolated().whenComplete { [self] _ in closeAll() }
    }

    private func closeAll() {
        guard !shell.value.isStopped else { return }
        let wasRunning = shell.value.hasStarted
        broker?.value.stop()
        shell.value.stop()
        let closing = channels.value.map { $0.close() }
        channels.value = []
        EventLoopFuture.andAllComplete(closing, on: eventLoop).whenComplete { [self] _ in
            if wasRunning { logger.info("agent stopped") }
            stopped.succeed(())
        }
    }

    private func register(_ channel: any Channel) {
        channels.value.append(channel)
    }

    // MARK: Listeners

    private func bindDatagramSocket() async throws -> any Channel {
        let shell = self.shell
        let address = configuration.bind
        do {
            let channel = try await DatagramBootstrap(group: eventLoop)
                // Large enough for any datagram, so none is silently truncated.
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DatagramHandler(shell: shell.value))
                    }
                }
                .bind(host: address.host, port: Int(address.port))
                .get()
            try await eventLoop.submit { [self] in register(channel) }.get()
            return channel
        } catch {
            throw AgentStartupError.bindFailed(
                what: "gossip UDP socket",
                address: address,
                reason: describeNetworkError(error)
            )
        }
    }

    private func bindStreamListener() async throws {
        let shell = self.shell
        let limits = configuration.streamLimits
        let links = brokerLinkSettings()
        try await bindListener(
            "gossip TCP listener",
            at: configuration.bind,
            maxConnections: limits.maxInboundConnections,
            maxPerSource: limits.maxInboundConnectionsPerSource,
            refused: { shell.value.streamRejected(.connectionLimit) },
            addHandlers: { pipeline in
                try pipeline.addHandler(
                    StreamServerHandler(
                        delegate: shell.value,
                        idleTimeout: Self.inboundIdleTimeout,
                        maxUnprovenFrameSize: limits.maxUnprovenFrameSize,
                        maxFrameSize: limits.maxFrameSize,
                        linkAcceptor: links?.acceptor()
                    )
                )
            }
        )
    }

    /// What the gossip TCP listener needs to accept broker links: only a broker serves them.
    private func brokerLinkSettings() -> BrokerLinkSettings? {
        guard let broker, let kafka = configuration.kafka else { return nil }
        return BrokerLinkSettings(
            name: configuration.name,
            shell: shell,
            broker: broker,
            logger: logger,
            maxRequestSize: kafka.maxRequestSize
        )
    }

    private func bindKafka(_ kafka: KafkaListenerConfiguration, broker: NIOLoopBound<KafkaBroker>) async throws {
        let logger = self.logger
        let maxRequestSize = kafka.maxRequestSize
        try await bindListener(
            "Kafka listener",
            at: kafka.bind,
            maxConnections: kafka.maxConnections,
            maxPerSource: kafka.maxConnectionsPerSource,
            refused: { broker.value.metrics.connectionsRefused.increment() },
            configure: {
                $0.serverChannelOption(.backlog, value: 256).childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            },
            addHandlers: { pipeline in
                try pipeline.addHandlers(
                    ByteToMessageHandler(KafkaFrameDecoder(maxFrameSize: maxRequestSize)),
                    KafkaConnectionHandler(broker: broker.value, logger: logger)
                )
            }
        )
    }

    private func bindRPC(at address: PeerAddress, renderMetrics: (@Sendable () -> String)?) async throws {
        let shell = self.shell
        let leave: @Sendable () -> Void = { [self] in eventLoop.execute { self.beginLeave() } }
        let policy = RPCAccessPolicy(token: configuration.rpcToken, boundAddress: address)
        let limits = configuration.rpcLimits
        try await bindListener(
            "RPC listener",
            at: address,
            maxConnections: limits.maxConnections,
            maxPerSource: limits.maxConnections,
            refused: { shell.value.metrics.rpcConnectionsRefused.increment() },
            addHandlers: { pipeline in
                let router = RPCRouter(shell: shell.value, leave: leave, renderMetrics: renderMetrics)
                try pipeline.configureHTTPServerPipeline(withErrorHandling: false)
                try pipeline.addHandlers(
                    IdleStateHandler(readTimeout: Self.inboundIdleTimeout),
                    RPCHTTPHandler(router: router, policy: policy, requestTimeout: TimeAmount(limits.requestTimeout))
                )
            }
        )
    }

    /// Binds a TCP listener on the agent's loop whose accepted connections are capped in all and per source
    /// address (a refused one is closed at once and reported through `refused`), each set up by `addHandlers`.
    private func bindListener(
        _ what: String,
        at address: PeerAddress,
        maxConnections: Int,
        maxPerSource: Int,
        refused: @escaping @Sendable () -> Void,
        configure: (ServerBootstrap) -> ServerBootstrap = { $0 },
        addHandlers: @escaping @Sendable (ChannelPipeline.SynchronousOperations) throws -> Void
    ) async throws {
        let limiter = try await eventLoop.submit {
            NIOLoopBound(
                ConnectionLimiter(maxTotal: maxConnections, maxPerSource: maxPerSource),
                eventLoop: self.eventLoop
            )
        }.get()
        do {
            let bootstrap = ServerBootstrap(group: eventLoop)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            let channel = try await configure(bootstrap)
                .childChannelInitializer { channel in
                    guard limiter.value.admit(channel) else {
                        refused()
                        // A failed initializer makes the bootstrap close the accepted socket.
                        return channel.eventLoop.makeFailedFuture(ConnectionRefused())
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        try addHandlers(channel.pipeline.syncOperations)
                    }
                }
                .bind(host: address.host, port: Int(address.port))
                .get()
            try await eventLoop.submit { [self] in register(channel) }.get()
        } catch {
            throw AgentStartupError.bindFailed(what: what, address: address, reason: describeNetworkError(error))
        }
    }

    // MARK: Keyring

    /// The keyring file in the data directory wins over the configured keyring; a configured keyring is written
    /// there on first start so later rotations persist.
    private static func loadKeyring(
        _ configuration: AgentConfiguration,
        logger: Logger
    ) throws -> (Keyring, KeyringStore?) {
        guard let dataDirectory = configuration.dataDirectory else {
            guard let keyring = configuration.keyring else { throw AgentStartupError.noKey(dataDirectory: nil) }
            return (keyring, nil)
        }
        let store = KeyringStore(dataDirectory: dataDirectory)
        if let stored = try store.load() {
            if configuration.keyring != nil, configuration.keyring != stored {
                logger.notice("using the keyring file; it overrides the given key", metadata: ["path": "\(store.path)"])
            }
            return (stored, store)
        }
        guard let keyring = configuration.keyring else { throw AgentStartupError.noKey(dataDirectory: dataDirectory) }
        do {
            try store.save(keyring)
        } catch {
            throw AgentStartupError.keyringFile(path: store.path, reason: error.localizedDescription)
        }
        return (keyring, store)
    }
}
