import Foundation
import Gossip
import Logging
import NIOCore
import NIOPosix
import Partitions
import PeerRPC
import Primitives
import Sealing

/// The real shell around one `ClusterNode` (the SWIM core and the partitions core): it feeds it events with the
/// time they happened and carries out the directives that come back (seal and send, schedule, push-pull over TCP,
/// report changes, answer controller requests).
///
/// Everything here runs on one event loop, which is the only place the core, the sealer and the keyring are
/// touched, so no locks are needed. Protocol decisions stay in the core; this type only does I/O and bookkeeping.
final class GossipShell {
    let eventLoop: any EventLoop
    let configuration: AgentConfiguration
    let logger: Logger
    let metrics = GossipMetrics()
    let startedAt = NIODeadline.now()
    private(set) var node: ClusterNode
    /// The membership core, for views.
    var core: SWIMInstance { node.gossip }
    var sealer: Sealer
    private var nonceGenerator = SystemRandomNumberGenerator()
    let keyringStore: KeyringStore?

    private var datagramChannel: (any Channel)?
    private var timers: [UInt64: Scheduled<Void>] = [:]
    private var nextTimerID: UInt64 = 0
    private var resolvedAddresses: [PeerAddress: SocketAddress] = [:]
    private var leavePromise: EventLoopPromise<Void>?
    /// Controller requests waiting for their answer, by request id.
    private var pendingRequests: [UInt64: EventLoopPromise<RequestFailure?>] = [:]
    /// Whether the cluster state changed since it was last saved to the data directory.
    private var stateDirty = false
    private var leaveCompleted = false
    /// Join push-pulls that failed, for backing off their log lines.
    private var joinFailures = 0
    private(set) var isStopped = false
    /// Told of every accepted cluster-state change (the Kafka broker follows topics and partitions through it).
    var stateObserver: ((StateEntry) -> Void)?
    /// Told when a topic incarnation is gone (the Kafka broker deletes its local logs).
    var topicDeletedObserver: ((TopicDefinition) -> Void)?
    /// Told of every membership change (the Kafka broker watches for a second broker with its id).
    var memberObserver: ((MemberChange) -> Void)?
    /// This node's log of a partition, for the RPC views (set when the agent runs a Kafka broker).
    var localLog: ((PartitionID) -> LocalLogView?)?
    /// Clashes with another node of our name: seen so far, and whether our join had completed first.
    var nameClash = NameClashWatch()
    /// Called (once) when the agent must stop with an error, such as a duplicate name found while joining.
    var onFatalError: ((AgentStartupError) -> Void)?
    /// Whether `start` ran (the agent got past binding its sockets).
    var hasStarted: Bool { datagramChannel != nil }

    /// How often gauges are refreshed from the core.
    private static let metricsInterval = TimeAmount.seconds(1)
    /// Bound on cached hostname resolutions.
    private static let maxResolvedAddresses = 1024

    init(
        configuration: AgentConfiguration,
        keyring: Keyring,
        keyringStore: KeyringStore?,
        eventLoop: any EventLoop,
        logger: Logger
    ) {
        var gossip = configuration.gossip
        gossip.sealingOverhead = Sealer.overhead
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.keyringStore = keyringStore
        var swim = SWIMInstance(
            name: configuration.name,
            address: configuration.advertise,
            metadata: configuration.metadata,
            configuration: gossip,
            seed: UInt64.random(in: .min ... .max)
        )
        let loaded = ClusterStateStore.load(from: configuration.dataDirectory, logger: logger)
        if let saved = loaded.state { swim.restoreState(saved) }
        let voterRecord = VoterRecordStore.load(from: configuration.dataDirectory, logger: logger)
        // A voter that lost either file forgot promises it made, so it runs without a vote.
        var votingState = loaded
        if voterRecord.lost { votingState.movedAside = voterRecord.movedAside }
        let startedAt = Timestamp(nanoseconds: Int64(clamping: NIODeadline.now().uptimeNanoseconds))
        node = ClusterNode(
            gossip: swim,
            partitions: PartitionsInstance(
                name: configuration.name,
                metadata: configuration.metadata,
                configuration: ClusterStateStore.partitionsConfiguration(
                    configuration,
                    after: votingState,
                    logger: logger
                ),
                seed: UInt64.random(in: .min ... .max),
                now: startedAt,
                voterRecord: voterRecord.record
            )
        )
        // A fresh sender identity per boot, so peers' replay state for our previous life never rejects us.
        sealer = Sealer(keyring: keyring, senderID: UInt64.random(in: .min ... .max))
    }

    // MARK: Clocks

    /// Monotonic time for the core.
    func now() -> Timestamp {
        Timestamp(nanoseconds: Int64(clamping: NIODeadline.now().uptimeNanoseconds))
    }

    /// Wall-clock milliseconds, used only by sealing's replay window (which tolerates skew between nodes).
    func wallClockMillis() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }

    // MARK: Lifecycle

    /// Starts the core once the UDP socket is bound: timers, then the join through the seeds.
    func start(datagramChannel: any Channel) {
        eventLoop.assertInEventLoop()
        self.datagramChannel = datagramChannel
        logger.info(
            "agent started",
            metadata: [
                "address": "\(core.address)", "seeds": "\(configuration.seeds.map(\.description))",
                "primary_key": "\(sealer.keyring.primary.fingerprint)",
            ]
        )
        nameClash.joinCompleted = configuration.seeds.isEmpty
        execute(node.start(seeds: configuration.seeds, now: now()))
        scheduleMetricsRefresh()
    }

    /// Starts a graceful leave; the future completes once the core reports the `left` message has spread, or
    /// after `leaveTimeout` at the latest.
    func leave() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        if let leavePromise { return leavePromise.futureResult }
        let promise = eventLoop.makePromise(of: Void.self)
        leavePromise = promise
        guard !isStopped else {
            promise.succeed(())
            return promise.futureResult
        }
        logger.info("leaving the cluster")
        execute(node.leave(now: now()))
        let limit = max(
            TimeAmount.seconds(2),
            TimeAmount(configuration.gossip.leavePropagationDelay) + .milliseconds(500)
        )
        eventLoop.assumeIsolated().scheduleTask(in: limit) { [self] in
            guard !leaveCompleted else { return }
            logger.warning("leave did not complete in time; stopping anyway")
            completeLeave()
        }
        return promise.futureResult
    }

    private func completeLeave() {
        leaveCompleted = true
        leavePromise?.succeed(())
    }

    /// Stops driving the core: pending timers are cancelled and late callbacks are ignored.
    func stop() {
        eventLoop.assertInEventLoop()
        guard !isStopped else { return }
        isStopped = true
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        for promise in pendingRequests.values { promise.succeed(.shuttingDown) }
        pendingRequests.removeAll()
        completeLeave()
        metrics.refresh(from: core)
        saveStateIfDirty()
    }

    // MARK: Events

    /// A datagram arrived on the gossip socket.
    func receiveDatagram(_ sealed: [UInt8], from source: SocketAddress) {
        guard !isStopped else { return }
        metrics.datagramsReceived.increment()
        metrics.bytesReceived.increment(by: sealed.count)
        guard let sourceAddress = PeerAddress(source) else { return }
        let opened: [UInt8]
        do {
            opened = try sealer.open(sealed, at: datagramRecipients, nowMillis: wallClockMillis())
        } catch {
            metrics.sealingRejected(error.label)
            logger.trace("dropped datagram", metadata: ["from": "\(sourceAddress)", "reason": "\(error)"])
            return
        }
        do {
            execute(try node.receiveDatagram(opened, from: sourceAddress, now: now()))
        } catch {
            metrics.decodeFailed(error)
            logger.debug("undecodable datagram", metadata: ["from": "\(sourceAddress)", "error": "\(error)"])
        }
    }

    /// Answers one sealed stream request with a sealed reply, or nil to hang up (unopenable or malformed).
    func answerStream(_ sealedRequest: [UInt8]) -> [UInt8]? {
        guard !isStopped, let request = openStreamMessage(sealedRequest) else { return nil }
        metrics.streamsServed.increment()
        switch request.type {
        case .pushPull:
            do {
                let (reply, directives) = try node.receivePushPull(request.body, now: now())
                execute(directives)
                return reply.map { seal(StreamMessage(type: .pushPull, body: $0)) }
            } catch {
                metrics.decodeFailed(error)
                logger.debug("undecodable push-pull request", metadata: ["error": "\(error)"])
                return nil
            }
        case .keyringOperation:
            return answerKeyringRequest(request.body)
        case .hello:
            return nil
        }
    }

    private func timerFired(_ timer: NodeTimer, id: UInt64) {
        timers[id] = nil
        guard !isStopped else { return }
        execute(node.timerFired(timer, now: now()))
    }

    /// Sends a request to the controller (here or forwarded); the future carries the failure, or nil on success.
    func submit(_ request: ControllerRequest) -> EventLoopFuture<RequestFailure?> {
        eventLoop.assertInEventLoop()
        guard !isStopped else { return eventLoop.makeSucceededFuture(.shuttingDown) }
        let promise = eventLoop.makePromise(of: RequestFailure?.self)
        let (id, directives) = node.submit(request, now: now())
        pendingRequests[id] = promise
        execute(directives)
        return promise.futureResult
    }

    /// As a partition leader, asks the controller for a new ISR; the future carries the failure, or nil once the
    /// change is committed.
    func alterPartition(_ partition: PartitionID, isr: [String]) -> EventLoopFuture<RequestFailure?> {
        eventLoop.assertInEventLoop()
        guard !isStopped else { return eventLoop.makeSucceededFuture(.shuttingDown) }
        let promise = eventLoop.makePromise(of: RequestFailure?.self)
        let (id, directives) = node.alterPartition(partition, isr: isr, now: now())
        pendingRequests[id] = promise
        execute(directives)
        return promise.futureResult
    }

    // MARK: Directives

    func execute(_ directives: [NodeDirective]) {
        eventLoop.assertInEventLoop()
        guard !isStopped else { return }
        for directive in directives {
            switch directive {
            case .send(let datagram, let destination):
                send(datagram, to: destination)
            case .schedule(let timer, let delay):
                schedule(timer, after: delay)
            case .pushPull(let payload, let peer, let isJoin):
                pushPull(payload, with: peer, isJoin: isJoin)
            case .memberChanged(let change):
                report(change)
                memberObserver?(change)
            case .stateChanged(let entry):
                metrics.stateChanges.increment()
                stateDirty = true
                stateObserver?(entry)
                logger.debug("cluster state changed", metadata: ["key": "\(entry.key)", "version": "\(entry.version)"])
            case .controllerChanged(let view):
                logger.info(
                    "controller changed",
                    metadata: ["controller": "\(view.controller ?? "none")", "epoch": "\(view.epoch)"]
                )
            case .requestCompleted(let id, let error):
                pendingRequests.removeValue(forKey: id)?.succeed(error)
            case .topicDeleted(let topic):
                logger.info(
                    "topic deleted",
                    metadata: ["topic": "\(topic.name)", "incarnation": "\(topic.incarnation)"]
                )
                topicDeletedObserver?(topic)
            case .leaveComplete:
                logger.info("leave complete")
                completeLeave()
            case .persist(let record, let ticket):
                // Grants and stores are acknowledged only once the record is on disk; a failed write acknowledges
                // nothing (the voter stays silent, which is safe).
                if VoterRecordStore.save(record, to: configuration.dataDirectory, logger: logger) {
                    execute(node.voterRecordPersisted(ticket: ticket, now: now()))
                }
            }
        }
        checkNameClash()
    }

    private func send(_ datagram: [UInt8], to destination: PeerAddress) {
        guard let channel = datagramChannel, let socketAddress = resolve(destination) else {
            metrics.sendFailures.increment()
            return
        }
        let sealed = sealer.seal(
            datagram,
            to: destination.description,
            nowMillis: wallClockMillis(),
            using: &nonceGenerator
        )
        var buffer = channel.allocator.buffer(capacity: sealed.count)
        buffer.writeBytes(sealed)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: socketAddress, data: buffer), promise: nil)
        metrics.datagramsSent.increment()
        metrics.bytesSent.increment(by: sealed.count)
    }

    private func schedule(_ timer: NodeTimer, after delay: Duration) {
        nextTimerID &+= 1
        let id = nextTimerID
        timers[id] = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(max(delay, .zero))) { [self] in
            timerFired(timer, id: id)
        }
    }

    private func pushPull(_ payload: [UInt8], with peer: PeerAddress, isJoin: Bool) {
        exchangeStream(StreamMessage(type: .pushPull, body: payload), with: peer)
            .assumeIsolated()
            .whenComplete { [self] result in
                guard !isStopped else { return }
                switch result {
                case .success(let sealedReply):
                    receivePushPullReply(sealedReply, from: peer, isJoin: isJoin)
                case .failure(let error):
                    pushPullFailed(with: peer, isJoin: isJoin, reason: describeNetworkError(error))
                }
            }
    }

    private func receivePushPullReply(_ sealedReply: [UInt8], from peer: PeerAddress, isJoin: Bool) {
        guard let reply = openStreamMessage(sealedReply), reply.type == .pushPull else {
            pushPullFailed(with: peer, isJoin: isJoin, reason: "reply could not be opened")
            return
        }
        do {
            execute(try node.receivePushPull(reply.body, now: now()).directives)
            if isJoin { nameClash.joinCompleted = true }
        } catch {
            metrics.decodeFailed(error)
            pushPullFailed(with: peer, isJoin: isJoin, reason: "undecodable reply: \(error)")
        }
    }

    private func pushPullFailed(with peer: PeerAddress, isJoin: Bool, reason: String) {
        metrics.pushPullFailures.increment()
        if isJoin { joinFailures += 1 }
        // Joins retry forever with backoff; the log backs off too: failures 1, 2, 4, 8… at info, the rest at debug.
        let logged = isJoin && joinFailures & (joinFailures - 1) == 0
        logger.log(
            level: logged ? .info : .debug,
            isJoin ? "join through a seed failed; retrying with backoff" : "push-pull failed",
            metadata: [
                "peer": "\(peer)", "reason": "\(reason)", "join_failures": "\(joinFailures)",
                "join_retries": "\(core.counters.joinRetries)",
            ]
        )
        execute(node.pushPullFailed(with: peer, now: now()))
    }

    private func report(_ change: MemberChange) {
        let member = change.member
        metrics.memberChanged(to: member.status)
        logger.info(
            "member \(member.status)",
            metadata: [
                "member": "\(member.name)",
                "address": "\(member.address)",
                "status": "\(member.status)",
                "previous": "\(change.previousStatus.map(\.description) ?? "new")",
                "incarnation": "\(member.incarnation)",
            ]
        )
    }

    private func scheduleMetricsRefresh() {
        eventLoop.assumeIsolated().scheduleTask(in: Self.metricsInterval) { [self] in
            guard !isStopped else { return }
            metrics.refresh(from: core)
            saveStateIfDirty()
            scheduleMetricsRefresh()
        }
    }

    /// Saves the replicated cluster state (topics, partitions) to the data directory, at most once a second.
    private func saveStateIfDirty() {
        guard stateDirty else { return }
        stateDirty = false
        ClusterStateStore.save(core.clusterState, to: configuration.dataDirectory, logger: logger)
    }

    // MARK: Sealing

    /// Seals a stream payload under the primary key (datagrams are sealed for their recipient in `send`).
    func seal(_ plaintext: [UInt8]) -> [UInt8] {
        sealer.seal(plaintext, nowMillis: wallClockMillis(), using: &nonceGenerator)
    }

    func seal(_ message: StreamMessage) -> [UInt8] {
        seal(message.plaintext)
    }

    /// Opens a sealed stream message, counting why it was rejected if it was.
    func openStreamMessage(_ sealed: [UInt8]) -> StreamMessage? {
        let plaintext: [UInt8]
        do {
            plaintext = try sealer.open(sealed, nowMillis: wallClockMillis())
        } catch {
            metrics.sealingRejected(error.label)
            logger.debug("dropped stream message", metadata: ["reason": "\(error)"])
            return nil
        }
        guard let message = StreamMessage(plaintext: plaintext) else {
            metrics.sealingRejected("unknown_stream_type")
            return nil
        }
        return message
    }

    // MARK: Addresses

    /// The addresses a datagram may have been sealed for: the advertised one, and the bound one if it is concrete.
    var datagramRecipients: [String] {
        let bind = configuration.bind
        guard bind != configuration.advertise, !AgentConfiguration.isUnspecifiedHost(bind.host) else {
            return [configuration.advertise.description]
        }
        return [configuration.advertise.description, bind.description]
    }

    /// The socket address for a peer. IP literals convert directly; host names are resolved once and cached
    /// (that lookup blocks the loop, so advertise IP addresses in production).
    private func resolve(_ peer: PeerAddress) -> SocketAddress? {
        if let cached = resolvedAddresses[peer] { return cached }
        let resolved: SocketAddress
        do {
            resolved = try SocketAddress(ipAddress: peer.host, port: Int(peer.port))
        } catch {
            do {
                resolved = try SocketAddress.makeAddressResolvingHost(peer.host, port: Int(peer.port))
            } catch {
                logger.debug("cannot resolve peer", metadata: ["peer": "\(peer)", "error": "\(error)"])
                return nil
            }
        }
        if resolvedAddresses.count >= Self.maxResolvedAddresses { resolvedAddresses.removeAll() }
        resolvedAddresses[peer] = resolved
        return resolved
    }
}

extension PeerAddress {
    /// The address a datagram came from; nil for non-IP sockets.
    init?(_ socketAddress: SocketAddress) {
        guard let host = socketAddress.ipAddress, let port = socketAddress.port, let port16 = UInt16(exactly: port)
        else { return nil }
        self.init(host: host, port: port16)
    }
}
