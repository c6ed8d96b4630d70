import KafkaProtocol

/// What the client knows of the cluster: brokers, and for each topic its partitions and their leaders.
public struct ClusterMetadata: Sendable, Equatable {
    public struct Broker: Sendable, Hashable {
        public var nodeId: Int32
        public var host: String
        public var port: Int32
        public var rack: String?
    }

    public struct Partition: Sendable, Equatable {
        public var partition: Int32
        /// −1 when there is none.
        public var leader: Int32
        public var leaderEpoch: Int32
        public var replicas: [Int32]
        public var isr: [Int32]
        public var error: KafkaError
    }

    public struct Topic: Sendable, Equatable {
        public var name: String
        public var error: KafkaError
        /// Sorted by partition index.
        public var partitions: [Partition]

        public var partitionCount: Int32 { Int32(partitions.count) }
        /// Partitions that currently have a leader.
        public var available: [Int32] { partitions.filter { $0.leader >= 0 }.map(\.partition) }
    }

    public var brokers: [Int32: Broker] = [:]
    public var topics: [String: Topic] = [:]
    public var controllerId: Int32 = -1
    public var clusterId: String?

    public init() {}

    public init(_ response: MetadataResponse) {
        merge(response)
    }

    /// Takes in a Metadata response: brokers and controller are replaced, the topics it lists are replaced.
    public mutating func merge(_ response: MetadataResponse) {
        brokers = Dictionary(
            response.brokers.map {
                ($0.nodeId, Broker(nodeId: $0.nodeId, host: $0.host, port: $0.port, rack: $0.rack))
            },
            uniquingKeysWith: { first, _ in first }
        )
        controllerId = response.controllerId
        clusterId = response.clusterId
        for topic in response.topics {
            let partitions = topic.partitions.map {
                Partition(
                    partition: $0.partitionIndex,
                    leader: $0.leaderId,
                    leaderEpoch: $0.leaderEpoch,
                    replicas: $0.replicaNodes,
                    isr: $0.isrNodes,
                    error: $0.errorCode
                )
            }
            topics[topic.name] = Topic(
                name: topic.name,
                error: topic.errorCode,
                partitions: partitions.sorted { $0.partition < $1.partition }
            )
        }
    }

    /// The leader broker of a partition, when known and listed.
    public func leader(topic: String, partition: Int32) -> Broker? {
        guard let info = topics[topic]?.partitions.first(where: { $0.partition == partition }), info.leader >= 0
        else { return nil }
        return brokers[info.leader]
    }
}
