import Gossip
import KafkaProtocol
import Log
import Logging
import NIOCore
import Partitions
import Primitives
import Replication

/// The Kafka broker of one agent: it answers Kafka clients from the local logs and from the cluster state gossip
/// spreads (members, topics, partition leaders).
///
/// It lives on the agent's event loop next to the gossip shell, so it reads the partition table directly and
/// without locks. Appends go to the page cache at once (Kafka's design: durability comes from replication, with an
/// optional flush policy), so they are cheap enough to run on the loop.
final class KafkaBroker {
    let nodeID: Int32
    let advertised: PeerAddress
    let shell: GossipShell
    let logs: LogManager
    let metrics: KafkaMetrics
    let logger: Logger
    var eventLoop: any EventLoop { shell.eventLoop }
    /// Fetches waiting for data (long poll) and acks=all produces waiting for the high watermark.
    let waiters = KafkaWaiters()
    var producerIDs: ProducerIDAllocator
    private(set) var isStopped = false
    /// Which topic incarnation each local log belongs to, read from its file once (it is consulted on every request).
    var logIncarnations: [TopicPartition: TopicIncarnation] = [:]
    /// Whether an fdatasync batch is running on the thread pool.
    var flushInFlight = false
    /// Every partition this broker replicates, as leader or follower (the sans-IO core; see +Replication).
    lazy var replication = ReplicaManager<PartitionID>(localReplica: shell.core.name)
    /// Sealed links to the leaders this broker follows, once replication starts.
    var links: BrokerLinks?
    /// Per leader, the partitions whose next fetch waits for the Fetch in flight to that leader to return.
    var pendingReplicaFetches: [String: [PartitionID: PendingReplicaFetch]] = [:]
    /// Leaders with a follower Fetch in flight (at most one each, as Kafka's fetcher threads do).
    var replicaFetchesInFlight: Set<String> = []
    /// Correlation ids of the requests this broker sends as a follower.
    var nextCorrelationID: Int32 = 0
    /// Stops the agent with this one-line reason (set by the agent).
    var onFatalError: ((String) -> Void)?
    /// Told of every follower fetch, before it is read (see `ReplicaFetchReport`); returns the partition's high
    /// watermark after it, or nil to leave the mark alone. The default knows no replication and returns nil.
    var replicaFetchObserver: ReplicaFetchObserver = { _, _ in nil }

    /// The API versions advertised to clients: only what is fully served, with one exception. Produce is advertised
    /// from v0 although v0-v2 (the old message sets) are refused, because librdkafka up to 2.11.0 (kcat 1.7.1's)
    /// compresses with gzip, snappy or lz4 only when a broker's Produce range reaches down to v0; Kafka 4.0 keeps
    /// advertising them for the same reason.
    static let advertisedVersions: [ApiKey: ClosedRange<Int16>] = [
        .produce: 0...8,
        .fetch: 4...11,
        .listOffsets: 1...5,
        .metadata: 0...8,
        .apiVersions: 0...3,
        .createTopics: 0...4,
        .deleteTopics: 0...3,
        .initProducerId: 0...1,
        .offsetForLeaderEpoch: 0...4,
        .describeConfigs: 0...3,
    ]

    init(
        nodeID: Int32,
        advertised: PeerAddress,
        shell: GossipShell,
        logs: LogManager,
        producerIDs: ProducerIDAllocator,
        logger: Logger
    ) {
        self.nodeID = nodeID
        self.advertised = advertised
        self.shell = shell
        self.logs = logs
        self.producerIDs = producerIDs
        self.metrics = KafkaMetrics()
        self.logger = logger
    }

    /// Fails every waiting request, flushes and checkpoints the logs; later requests are refused.
    func stop() {
        guard !isStopped else { return }
        isStopped = true
        waiters.failAll()
        links?.closeAll()
        closeLogs()
    }

    /// Wall-clock milliseconds: Kafka's timestamps and retention are in wall time.
    func wallClockMillis() -> Int64 { shell.wallClockMillis() }

    // MARK: Dispatch

    /// Answers one request frame (size prefix already stripped).
    func handle(frame: [UInt8], from remote: SocketAddress?) -> EventLoopFuture<KafkaReply> {
        let started = NIODeadline.now()
        let header: RequestHeader
        let request: KafkaRequest
        do {
            (header, request) = try KafkaCodec.decodeRequest(frame: frame)
        } catch {
            return eventLoop.makeSucceededFuture(refuse(error, from: remote))
        }
        guard !isStopped else { return eventLoop.makeSucceededFuture(.close(reason: "broker stopping")) }
        let api = header.knownApiKey.map { "\($0)" } ?? "\(header.apiKey)"
        metrics.requestReceived(api: api)
        guard let range = Self.advertisedVersions[request.apiKey], range.contains(header.apiVersion) else {
            return eventLoop.makeSucceededFuture(refuse(.unsupportedVersion(header), from: remote))
        }
        let reply: EventLoopFuture<KafkaResponse?>
        switch request {
        case .apiVersions:
            reply = eventLoop.makeSucceededFuture(.apiVersions(apiVersionsResponse()))
        case .metadata(let body):
            reply = eventLoop.makeSucceededFuture(.metadata(metadata(body, version: header.apiVersion)))
        case .produce(let body):
            reply = produce(body).map { $0.map(KafkaResponse.produce) }
        case .fetch(let body):
            return fetch(body).map { [metrics] response, files in
                metrics.requestAnswered(api: api, since: started)
                return .frame(KafkaCodec.encodeResponse(.fetch(response), header: header), files: files)
            }
        case .listOffsets(let body):
            reply = eventLoop.makeSucceededFuture(.listOffsets(listOffsets(body)))
        case .createTopics(let body):
            reply = createTopics(body).map { .createTopics($0) }
        case .deleteTopics(let body):
            reply = deleteTopics(body).map { .deleteTopics($0) }
        case .describeConfigs(let body):
            reply = eventLoop.makeSucceededFuture(.describeConfigs(describeConfigs(body)))
        case .initProducerId(let body):
            reply = eventLoop.makeSucceededFuture(.initProducerId(initProducerID(body)))
        case .offsetForLeaderEpoch(let body):
            reply = eventLoop.makeSucceededFuture(.offsetForLeaderEpoch(offsetForLeaderEpoch(body)))
        }
        return reply.map { [metrics] response in
            metrics.requestAnswered(api: api, since: started)
            guard let response else { return .none }
            return .frame(KafkaCodec.encodeResponse(response, header: header), files: [:])
        }
    }

    /// What Kafka does with a request it cannot serve: ApiVersions at an unknown version gets UNSUPPORTED_VERSION
    /// in a v0 body (clients then retry lower); anything else closes the connection, and only that one.
    private func refuse(_ error: KafkaDecodeError, from remote: SocketAddress?) -> KafkaReply {
        if case .unsupportedVersion(let header) = error, header.apiKey == ApiKey.apiVersions.rawValue {
            metrics.requestReceived(api: "apiVersions")
            return .frame(
                KafkaCodec.unsupportedApiVersionsResponse(
                    correlationId: header.correlationId,
                    apiKeys: Self.advertisedApiVersions
                ),
                files: [:]
            )
        }
        metrics.malformedRequests.increment()
        logger.debug(
            "refused a Kafka request",
            metadata: ["remote": "\(remote.map { "\($0)" } ?? "?")", "reason": "\(error)"]
        )
        return .close(reason: "\(error)")
    }

    static let advertisedApiVersions: [ApiVersionsResponse.ApiVersion] =
        advertisedVersions
        .sorted { $0.key.rawValue < $1.key.rawValue }
        .map { key, range in
            ApiVersionsResponse.ApiVersion(
                apiKey: key.rawValue,
                minVersion: range.lowerBound,
                maxVersion: range.upperBound
            )
        }

    private func apiVersionsResponse() -> ApiVersionsResponse {
        ApiVersionsResponse(errorCode: .noError, apiKeys: Self.advertisedApiVersions)
    }
}
