import KafkaProtocol
import Records

/// A small Kafka client: bootstraps from one or more brokers, keeps the cluster's metadata, and sends Produce,
/// Fetch and ListOffsets to partition leaders, refreshing metadata and retrying when leadership moved. Calls may
/// run concurrently; requests to one broker share its connection and are pipelined on it.
public actor KafkaClient {
    public struct Configuration: Sendable {
        /// "host:port" of brokers to start from.
        public var bootstrap: [String]
        public var clientId = "peer"
        public var connectTimeout: Duration = .seconds(5)
        public var requestTimeout: Duration = .seconds(30)
        /// How often a call is retried after a retriable error (leader moved, connection lost, ...).
        public var retries = 5
        public var retryBackoff: Duration = .milliseconds(200)
        /// Whether Metadata requests may create missing topics (brokers decide whether they do).
        public var allowAutoTopicCreation = false

        public init(bootstrap: [String]) {
            self.bootstrap = bootstrap
        }
    }

    public let configuration: Configuration
    public private(set) var metadata = ClusterMetadata()
    private var connections: [String: Task<KafkaConnection, any Error>] = [:]

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    public init(bootstrap: String) {
        self.init(configuration: Configuration(bootstrap: [bootstrap]))
    }

    // MARK: Metadata

    /// Asks any broker for metadata of `topics` (nil: every topic) and merges it in.
    @discardableResult
    public func refreshMetadata(topics: [String]? = nil) async throws -> ClusterMetadata {
        let connection = try await anyConnection()
        let version = try connection.version(of: .metadata)
        let request = MetadataRequest(
            topics: (topics ?? (version == 0 ? [] : nil))?.map { MetadataRequest.Topic(name: $0) },
            allowAutoTopicCreation: configuration.allowAutoTopicCreation
        )
        guard case .metadata(let response) = try await connection.send(.metadata(request), version: version) else {
            throw KafkaClientError.malformedResponse(address: connection.address, api: .metadata, reason: "type")
        }
        metadata.merge(response)
        return metadata
    }

    /// The topic's metadata, fetched when not known yet; throws when the broker reports an error for it.
    public func topic(_ name: String) async throws -> ClusterMetadata.Topic {
        if let known = metadata.topics[name], known.error == .noError, !known.partitions.isEmpty { return known }
        try await refreshMetadata(topics: [name])
        guard let topic = metadata.topics[name] else { throw KafkaClientError.unknownTopic(name) }
        guard topic.error == .noError else { throw KafkaClientError.broker(topic.error, context: "topic \(name)") }
        return topic
    }

    // MARK: Produce, fetch, offsets

    public struct ProduceResult: Sendable, Equatable {
        public var baseOffset: Int64
        public var logAppendTimeMs: Int64
        public var logStartOffset: Int64
    }

    /// Sends record batches (RecordBatch v2 bytes, one or more) to a partition's leader. acks: 0 (returns nil once
    /// written), 1 or −1 (all in-sync replicas).
    @discardableResult
    public func produce(
        topic: String,
        partition: Int32,
        records: [UInt8],
        acks: Int16 = -1,
        timeoutMs: Int32 = 30000
    ) async throws -> ProduceResult? {
        let request = ProduceRequest(
            transactionalId: nil,
            acks: acks,
            timeoutMs: timeoutMs,
            topicData: [.init(name: topic, partitionData: [.init(index: partition, records: .bytes(records))])]
        )
        return try await withRetries { () async throws -> ProduceResult? in
            let connection = try await leaderConnection(topic: topic, partition: partition)
            if acks == 0 {
                try await connection.sendWithoutResponse(.produce(request))
                return nil
            }
            guard case .produce(let response) = try await connection.send(.produce(request)),
                let result = response.responses.first(where: { $0.name == topic })?.partitionResponses
                    .first(where: { $0.index == partition })
            else {
                throw KafkaClientError.malformedResponse(
                    address: connection.address,
                    api: .produce,
                    reason: "no partition"
                )
            }
            guard result.errorCode == .noError else {
                throw KafkaClientError.broker(result.errorCode, context: "produce to \(topic)-\(partition)")
            }
            return ProduceResult(
                baseOffset: result.baseOffset,
                logAppendTimeMs: result.logAppendTimeMs,
                logStartOffset: result.logStartOffset
            )
        }
    }

    /// Fetches from `offset` of a partition's leader, waiting up to `maxWaitMs` for `minBytes`.
    /// OFFSET_OUT_OF_RANGE comes back in the result (the caller decides where to go); other errors throw.
    public func fetch(
        topic: String,
        partition: Int32,
        offset: Int64,
        maxWaitMs: Int32 = 500,
        minBytes: Int32 = 1,
        maxBytes: Int32 = 50 << 20,
        partitionMaxBytes: Int32 = 1 << 20,
        isolationLevel: Int8 = 0
    ) async throws -> FetchResult {
        let request = FetchRequest(
            maxWaitMs: maxWaitMs,
            minBytes: minBytes,
            maxBytes: maxBytes,
            isolationLevel: isolationLevel,
            sessionId: 0,
            sessionEpoch: -1,
            topics: [
                .init(
                    topic: topic,
                    partitions: [.init(partition: partition, fetchOffset: offset, partitionMaxBytes: partitionMaxBytes)]
                )
            ]
        )
        let timeout = configuration.requestTimeout + .milliseconds(Int64(max(maxWaitMs, 0)))
        return try await withRetries {
            let connection = try await leaderConnection(topic: topic, partition: partition)
            guard case .fetch(let response) = try await connection.send(.fetch(request), timeout: timeout) else {
                throw KafkaClientError.malformedResponse(address: connection.address, api: .fetch, reason: "type")
            }
            guard response.errorCode == .noError else {
                throw KafkaClientError.broker(response.errorCode, context: "fetch from \(topic)-\(partition)")
            }
            guard
                let data = response.responses.first(where: { $0.topic == topic })?.partitions
                    .first(where: { $0.partitionIndex == partition })
            else {
                throw KafkaClientError.malformedResponse(
                    address: connection.address,
                    api: .fetch,
                    reason: "no partition"
                )
            }
            guard data.errorCode == .noError || data.errorCode == .offsetOutOfRange else {
                throw KafkaClientError.broker(data.errorCode, context: "fetch from \(topic)-\(partition)")
            }
            return try FetchResult(fetchOffset: offset, partition: data)
        }
    }

    /// Kafka's special timestamps for ListOffsets.
    public static let latest: Int64 = -1
    public static let earliest: Int64 = -2

    /// The first offset whose timestamp is at or after `timestamp`, or the log end (`latest`) or start
    /// (`earliest`) offset of a partition.
    public func listOffset(topic: String, partition: Int32, timestamp: Int64) async throws -> Int64 {
        let request = ListOffsetsRequest(
            replicaId: -1,
            isolationLevel: 0,
            topics: [.init(name: topic, partitions: [.init(partitionIndex: partition, timestamp: timestamp)])]
        )
        return try await withRetries {
            let connection = try await leaderConnection(topic: topic, partition: partition)
            guard case .listOffsets(let response) = try await connection.send(.listOffsets(request)),
                let result = response.topics.first(where: { $0.name == topic })?.partitions
                    .first(where: { $0.partitionIndex == partition })
            else {
                throw KafkaClientError.malformedResponse(
                    address: connection.address,
                    api: .listOffsets,
                    reason: "no partition"
                )
            }
            guard result.errorCode == .noError else {
                throw KafkaClientError.broker(result.errorCode, context: "list offsets of \(topic)-\(partition)")
            }
            return result.offset
        }
    }

    // MARK: Topics

    /// Creates a topic through the controller (−1: the broker's default partitions / replication factor).
    public func createTopic(
        _ name: String,
        partitions: Int32 = -1,
        replicationFactor: Int16 = -1,
        configs: [String: String] = [:],
        timeoutMs: Int32 = 30000
    ) async throws {
        let request = CreateTopicsRequest(
            topics: [
                .init(
                    name: name,
                    numPartitions: partitions,
                    replicationFactor: replicationFactor,
                    configs: configs.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value) }
                )
            ],
            timeoutMs: timeoutMs
        )
        try await withRetries {
            let connection = try await controllerConnection()
            guard case .createTopics(let response) = try await connection.send(.createTopics(request)),
                let result = response.topics.first(where: { $0.name == name })
            else {
                throw KafkaClientError.malformedResponse(
                    address: connection.address,
                    api: .createTopics,
                    reason: "no topic"
                )
            }
            guard result.errorCode == .noError else {
                throw KafkaClientError.broker(result.errorCode, context: "create topic \(name)")
            }
        }
    }

    public func deleteTopic(_ name: String, timeoutMs: Int32 = 30000) async throws {
        let request = DeleteTopicsRequest(topicNames: [name], timeoutMs: timeoutMs)
        try await withRetries {
            let connection = try await controllerConnection()
            guard case .deleteTopics(let response) = try await connection.send(.deleteTopics(request)),
                let result = response.responses.first(where: { $0.name == name })
            else {
                throw KafkaClientError.malformedResponse(
                    address: connection.address,
                    api: .deleteTopics,
                    reason: "no topic"
                )
            }
            guard result.errorCode == .noError else {
                throw KafkaClientError.broker(result.errorCode, context: "delete topic \(name)")
            }
        }
        metadata.topics[name] = nil
    }

    public func close() async {
        let all = connections.values
        connections = [:]
        for task in all {
            if let connection = try? await task.value { await connection.close() }
        }
    }

    // MARK: Connections and retries

    private func connection(to address: String) async throws -> KafkaConnection {
        if let task = connections[address] {
            if let connection = try? await task.value, connection.isActive { return connection }
            if connections[address] == task { connections[address] = nil }
        }
        if let task = connections[address] { return try await task.value }  // someone reconnected meanwhile
        let (host, port) = try Self.split(address)
        let configuration = configuration
        let task = Task {
            try await KafkaConnection.connect(
                host: host,
                port: port,
                clientId: configuration.clientId,
                connectTimeout: configuration.connectTimeout,
                requestTimeout: configuration.requestTimeout
            )
        }
        connections[address] = task
        do {
            return try await task.value
        } catch {
            if connections[address] == task { connections[address] = nil }
            throw error
        }
    }

    private func anyConnection() async throws -> KafkaConnection {
        var lastError: any Error = KafkaClientError.noBrokers
        let known = metadata.brokers.values.sorted { $0.nodeId < $1.nodeId }.map { "\($0.host):\($0.port)" }
        for address in configuration.bootstrap + known {
            do {
                return try await connection(to: address)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// The connection to a partition's leader (metadata fetched when needed).
    public func leaderConnection(topic name: String, partition: Int32) async throws -> KafkaConnection {
        let topic = try await self.topic(name)
        guard partition >= 0, partition < topic.partitionCount else {
            throw KafkaClientError.broker(.unknownTopicOrPartition, context: "\(name)-\(partition)")
        }
        guard let leader = metadata.leader(topic: name, partition: partition) else {
            throw KafkaClientError.noLeader(topic: name, partition: partition)
        }
        return try await connection(to: "\(leader.host):\(leader.port)")
    }

    private func controllerConnection() async throws -> KafkaConnection {
        if metadata.brokers.isEmpty { try await refreshMetadata(topics: []) }
        if let controller = metadata.brokers[metadata.controllerId] {
            return try await connection(to: "\(controller.host):\(controller.port)")
        }
        return try await anyConnection()
    }

    /// Runs `body`, refreshing metadata and retrying after errors that a new leader or connection can cure.
    private func withRetries<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch let error as KafkaClientError where attempt < configuration.retries && Self.isRetriable(error) {
                attempt += 1
                try await Task.sleep(for: configuration.retryBackoff * attempt)
                _ = try? await refreshMetadata(topics: nil)
            }
        }
    }

    static func isRetriable(_ error: KafkaClientError) -> Bool {
        switch error {
        case .unreachable, .connectionClosed, .timedOut, .noLeader, .noBrokers:
            return true
        case .broker(let code, _):
            return [
                .unknownTopicOrPartition, .leaderNotAvailable, .notLeaderOrFollower, .requestTimedOut,
                .notEnoughReplicas, .notEnoughReplicasAfterAppend, .fencedLeaderEpoch, .unknownLeaderEpoch,
                .notController, .kafkaStorageError, .networkException,
            ].contains(code)
        case .malformedResponse, .frameTooLarge, .unexpectedResponse, .unsupportedApi, .unknownTopic:
            return false
        }
    }

    /// "host:port", "[v6]:port".
    static func split(_ address: String) throws -> (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (1...65535).contains(port)
        else { throw KafkaClientError.unreachable(address: address, reason: "expected HOST:PORT") }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host, port)
    }
}
