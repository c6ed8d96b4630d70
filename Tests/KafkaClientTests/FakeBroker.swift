import KafkaProtocol
import NIOCore
import NIOPosix
import Records

@testable import KafkaClient

/// A one-partition-per-topic broker in memory, enough to drive the client end to end: ApiVersions, Metadata,
/// Produce (stamps base offsets), Fetch (whole batches from the fetch offset), ListOffsets, CreateTopics.
/// Everything runs on one event loop, so its state needs no lock.
final class FakeBroker: @unchecked Sendable {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private(set) var port = 0
    /// topic -> batches with their base offsets.
    var logs: [String: [(base: Int64, bytes: [UInt8])]] = ["t": []]
    var nextOffsets: [String: Int64] = ["t": 0]
    /// Produce requests answered with NOT_LEADER_OR_FOLLOWER before one is accepted.
    var notLeaderAnswers = 0
    /// When set, every Produce is answered with this error.
    var produceError: KafkaError?
    var metadataRequests = 0
    var producedBatches = 0

    func start() async throws {
        let channel = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(KafkaFrameAssembler(maxFrameSize: 1 << 24))
                    try channel.pipeline.syncOperations.addHandler(FakeBrokerHandler(broker: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        port = channel.localAddress?.port ?? 0
    }

    /// Changes or reads the broker's state on its event loop.
    func onLoop<T: Sendable>(_ body: @escaping @Sendable (FakeBroker) -> T) async throws -> T {
        try await group.next().submit { body(self) }.get()
    }

    func stop() async throws {
        try await group.shutdownGracefully()
    }

    func answer(_ header: RequestHeader, _ request: KafkaRequest) -> KafkaResponse? {
        switch request {
        case .apiVersions:
            return .apiVersions(ApiVersionsResponse(apiKeys: ApiKey.supportedApiVersions))
        case .metadata(let metadata):
            metadataRequests += 1
            let names = metadata.topics?.map(\.name) ?? Array(logs.keys)
            return .metadata(
                MetadataResponse(
                    brokers: [.init(nodeId: 1, host: "127.0.0.1", port: Int32(port))],
                    controllerId: 1,
                    topics: names.map { name in
                        guard logs[name] != nil else { return .init(errorCode: .unknownTopicOrPartition, name: name) }
                        return .init(
                            name: name,
                            partitions: [.init(partitionIndex: 0, leaderId: 1, replicaNodes: [1], isrNodes: [1])]
                        )
                    }
                )
            )
        case .produce(let produce):
            var topics: [ProduceResponse.Topic] = []
            for topic in produce.topicData {
                var partitions: [ProduceResponse.Topic.Partition] = []
                for data in topic.partitionData {
                    guard logs[topic.name] != nil, data.index == 0, case .bytes(var bytes) = data.records else {
                        partitions.append(.init(index: data.index, errorCode: .unknownTopicOrPartition))
                        continue
                    }
                    if let produceError {
                        partitions.append(.init(index: data.index, errorCode: produceError))
                        continue
                    }
                    if notLeaderAnswers > 0 {
                        notLeaderAnswers -= 1
                        partitions.append(.init(index: data.index, errorCode: .notLeaderOrFollower))
                        continue
                    }
                    let base = nextOffsets[topic.name, default: 0]
                    var reader = RecordBatchReader(bytes)
                    var count: Int64 = 0
                    while let batch = try? reader.next() { count += Int64(batch.header.lastOffsetDelta) + 1 }
                    for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: base >> (56 - 8 * i)) }
                    logs[topic.name, default: []].append((base, bytes))
                    nextOffsets[topic.name] = base + count
                    producedBatches += 1
                    partitions.append(.init(index: data.index, errorCode: .noError, baseOffset: base))
                }
                topics.append(.init(name: topic.name, partitionResponses: partitions))
            }
            return produce.acks == 0 ? nil : .produce(ProduceResponse(responses: topics))
        case .fetch(let fetch):
            return .fetch(
                FetchResponse(
                    responses: fetch.topics.map { topic in
                        .init(
                            topic: topic.topic,
                            partitions: topic.partitions.map { partition in
                                let log = logs[topic.topic] ?? []
                                let end = nextOffsets[topic.topic] ?? 0
                                // Batches whose last offset reaches the fetch offset: every batch starting
                                // before the next one's base.
                                var bytes: [UInt8] = []
                                for (index, entry) in log.enumerated() {
                                    let next = index + 1 < log.count ? log[index + 1].base : end
                                    if next > partition.fetchOffset { bytes += entry.bytes }
                                }
                                return .init(
                                    partitionIndex: partition.partition,
                                    highWatermark: end,
                                    lastStableOffset: end,
                                    logStartOffset: 0,
                                    records: .bytes(bytes)
                                )
                            }
                        )
                    }
                )
            )
        case .listOffsets(let list):
            return .listOffsets(
                ListOffsetsResponse(
                    topics: list.topics.map { topic in
                        .init(
                            name: topic.name,
                            partitions: topic.partitions.map {
                                .init(
                                    partitionIndex: $0.partitionIndex,
                                    offset: $0.timestamp == -2 ? 0 : nextOffsets[topic.name, default: 0]
                                )
                            }
                        )
                    }
                )
            )
        case .createTopics(let create):
            return .createTopics(
                CreateTopicsResponse(
                    topics: create.topics.map { topic in
                        if logs[topic.name] != nil { return .init(name: topic.name, errorCode: .topicAlreadyExists) }
                        logs[topic.name] = []
                        nextOffsets[topic.name] = 0
                        return .init(name: topic.name, errorCode: .noError)
                    }
                )
            )
        default:
            return nil
        }
    }
}

private final class FakeBrokerHandler: ChannelInboundHandler {
    typealias InboundIn = [UInt8]
    typealias OutboundOut = ByteBuffer
    let broker: FakeBroker

    init(broker: FakeBroker) { self.broker = broker }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let parts: [EncodedPart]
        do {
            let (header, request) = try KafkaCodec.decodeRequest(frame: frame)
            guard let response = broker.answer(header, request) else { return }
            parts = KafkaCodec.encodeResponse(response, header: header)
        } catch .unsupportedVersion(let header) where header.apiKey == ApiKey.apiVersions.rawValue {
            parts = KafkaCodec.unsupportedApiVersionsResponse(correlationId: header.correlationId)
        } catch {
            context.close(promise: nil)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: parts.byteCount)
        for case .bytes(let bytes) in parts { buffer.writeBytes(bytes) }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }
}
