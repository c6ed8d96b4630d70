import KafkaProtocol
import Records

/// Batches records per partition and keeps several Produce requests in flight. Records sent to one partition
/// go out in order; a batch that fails with a retriable error is resent through `KafkaClient.produce` (which
/// may reorder it behind later batches, as Kafka's non-idempotent producer can).
public actor KafkaProducer {
    public let client: KafkaClient
    public let acks: Int16
    /// A partition's batch is sent once its records reach about this many bytes.
    public let batchBytes: Int
    /// Produce requests awaiting a response before `send` waits for the oldest.
    public let maxInFlight: Int

    public struct Statistics: Sendable, Equatable {
        public var records = 0
        public var batches = 0
        public var bytes = 0
    }
    public private(set) var statistics = Statistics()

    private struct TopicPartition: Hashable {
        var topic: String
        var partition: Int32
    }
    private var builders: [TopicPartition: (builder: RecordBatchBuilder, bytes: Int)] = [:]
    private var topics: [String: ClusterMetadata.Topic] = [:]
    private var partitioner: KafkaPartitioner
    private var random = SystemRandomNumberGenerator()
    private var inFlight: [Task<Void, Never>] = []
    private var firstError: (any Error)?

    /// How batches are compressed, if they are: the codec and the function that compresses a records section
    /// (`BatchCompression`'s `RecordCompression.compressor()`), kept apart so this client needs no C library.
    public let compression: (codec: CompressionCodec, compressor: RecordsCompressor)?

    public init(
        client: KafkaClient,
        acks: Int16 = -1,
        batchBytes: Int = 64 << 10,
        maxInFlight: Int = 5,
        compression: (codec: CompressionCodec, compressor: RecordsCompressor)? = nil
    ) {
        self.compression = compression
        self.client = client
        self.acks = acks
        self.batchBytes = max(batchBytes, 1)
        self.maxInFlight = max(maxInFlight, 1)
        self.partitioner = KafkaPartitioner(stickyBatchBytes: max(batchBytes, 1))
    }

    /// Adds a record; without `partition`, keyed records go where Kafka's Java client puts them and keyless ones
    /// stick to a partition for about a batch. Throws the error of an earlier batch, if one failed.
    public func send(
        topic: String,
        partition: Int32? = nil,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [RecordHeader] = [],
        timestamp: Int64
    ) async throws {
        if let error = firstError {
            firstError = nil
            throw error
        }
        let size =
            (key?.count ?? 0) + (value?.count ?? 0)
            + headers.reduce(0) { $0 + $1.key.utf8.count + ($1.value?.count ?? 0) } + 16
        let chosen: Int32
        if let partition {
            chosen = partition
        } else {
            let info = try await topicInfo(topic)
            chosen = partitioner.partition(
                topic: topic,
                key: key,
                partitionCount: info.partitionCount,
                available: info.available,
                recordBytes: size,
                using: &random
            )
        }
        let target = TopicPartition(topic: topic, partition: chosen)
        // Taken out of the dictionary while appending, so the builder's storage is not copied per record.
        var entry = builders.removeValue(forKey: target) ?? (RecordBatchBuilder(), 0)
        entry.builder.append(RecordBatchBuilder.Entry(key: key, value: value, headers: headers, timestamp: timestamp))
        entry.bytes += size
        builders[target] = entry
        statistics.records += 1
        if entry.bytes >= batchBytes { try await dispatch(target) }
    }

    /// Sends every partly filled batch and waits for all requests in flight; throws the first failure.
    public func flush() async throws {
        for target in builders.keys.sorted(by: { ($0.topic, $0.partition) < ($1.topic, $1.partition) }) {
            try await dispatch(target)
        }
        while !inFlight.isEmpty { await inFlight.removeFirst().value }
        if let error = firstError {
            firstError = nil
            throw error
        }
    }

    /// Sends a record batch built elsewhere (RecordBatch v2 bytes) in the same pipeline, after the records already
    /// waiting for that partition. For benchmarks and tools that build their own batches.
    public func send(batch: [UInt8], recordCount: Int, topic: String, partition: Int32) async throws {
        if let error = firstError {
            firstError = nil
            throw error
        }
        let target = TopicPartition(topic: topic, partition: partition)
        try await dispatch(target)
        statistics.records += recordCount
        try await dispatch(batch: batch, to: target)
    }

    /// Partition counts and leaders of a topic, asked for once per producer.
    private func topicInfo(_ topic: String) async throws -> ClusterMetadata.Topic {
        if let known = topics[topic] { return known }
        let info = try await client.topic(topic)
        topics[topic] = info
        return info
    }

    private func dispatch(_ target: TopicPartition) async throws {
        guard let entry = builders.removeValue(forKey: target), !entry.builder.isEmpty else { return }
        let batch =
            try compression.map { try entry.builder.build(compression: $0.codec, compressor: $0.compressor) }
            ?? entry.builder.build()
        try await dispatch(batch: batch, to: target)
    }

    private func dispatch(batch: [UInt8], to target: TopicPartition) async throws {
        while inFlight.count >= maxInFlight { await inFlight.removeFirst().value }
        statistics.batches += 1
        statistics.bytes += batch.count
        let client = client
        let acks = acks
        if acks == 0 {
            try await client.produce(topic: target.topic, partition: target.partition, records: batch, acks: 0)
            return
        }
        let request = ProduceRequest(
            acks: acks,
            timeoutMs: 30000,
            topicData: [
                .init(name: target.topic, partitionData: [.init(index: target.partition, records: .bytes(batch))])
            ]
        )
        let started: Result<KafkaConnection.PendingResponse, any Error>
        do {
            started = .success(
                try await client.leaderConnection(topic: target.topic, partition: target.partition)
                    .start(.produce(request))
            )
        } catch {
            started = .failure(error)
        }
        let context = "produce to \(target.topic)-\(target.partition)"
        inFlight.append(
            Task {
                do {
                    guard case .produce(let response) = try await started.get().response() else { return }
                    let code = response.responses.first?.partitionResponses.first?.errorCode ?? .unknownServerError
                    if code == .noError { return }
                    throw KafkaClientError.broker(code, context: context)
                } catch let error as KafkaClientError where KafkaClient.isRetriable(error) {
                    // Leader moved or connection lost: resend through the client, which refreshes and retries.
                } catch {
                    self.record(error)
                    return
                }
                do {
                    try await client.produce(
                        topic: target.topic,
                        partition: target.partition,
                        records: batch,
                        acks: acks
                    )
                } catch {
                    self.record(error)
                }
            }
        )
    }

    private func record(_ error: any Error) {
        if firstError == nil { firstError = error }
    }
}
