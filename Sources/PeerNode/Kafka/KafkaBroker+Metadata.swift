import Gossip
import KafkaProtocol
import Partitions

/// Metadata: answered by any broker from gossip's member table and the partition table.
extension KafkaBroker {
    /// The cluster id clients see: derived from the controller voters, which every member of a cluster shares and
    /// which, unlike the key, do not change on rotation.
    var clusterID: String {
        "peer-"
            + String(
                BrokerIdentity.fnv1a(shell.configuration.partitions.voters.sorted().joined(separator: ",")),
                radix: 16
            )
    }

    func clusterView() -> KafkaClusterView {
        KafkaClusterView(members: shell.core.members, selfName: shell.core.name, selfMetadata: shell.core.metadata)
    }

    func metadata(_ request: MetadataRequest, version: Int16) -> MetadataResponse {
        let view = clusterView()
        let partitions = shell.node.partitions
        let now = shell.now()
        // Any broker forwards CreateTopics and DeleteTopics to the controller, so while none is known (an election
        // under way) this broker names itself rather than -1, which would leave admin clients waiting.
        let controller = shell.node.controllerView(at: now).controller.flatMap { view.aliveID(of: $0) } ?? nodeID

        // Null (or, before v1, empty) asks for every topic.
        let names: [String]
        if let requested = request.topics, !(version == 0 && requested.isEmpty) {
            names = requested.map(\.name)
        } else {
            names = partitions.topics.keys.sorted()
        }
        let topics = names.map { name -> MetadataResponse.Topic in
            guard let definition = partitions.topics[name] else {
                return MetadataResponse.Topic(errorCode: .unknownTopicOrPartition, name: name)
            }
            return MetadataResponse.Topic(
                errorCode: .noError,
                name: name,
                isInternal: name.hasPrefix("__"),
                partitions: (0..<definition.partitionCount).map { index in
                    metadataPartition(
                        index,
                        state: partitions.partitionStates[PartitionID(topic: name, partition: index)],
                        view: view
                    )
                }
            )
        }
        return MetadataResponse(
            brokers: view.brokers.map {
                MetadataResponse.Broker(
                    nodeId: $0.nodeID,
                    host: $0.address.host,
                    port: Int32($0.address.port),
                    rack: $0.rack
                )
            },
            clusterId: clusterID,
            controllerId: controller,
            topics: topics
        )
    }

    private func metadataPartition(
        _ index: Int,
        state: PartitionState?,
        view: KafkaClusterView
    )
        -> MetadataResponse.Topic.Partition
    {
        guard let state else {
            return MetadataResponse.Topic.Partition(
                errorCode: .leaderNotAvailable,
                partitionIndex: Int32(index),
                leaderId: -1
            )
        }
        let replicas = state.replicas.compactMap { view.knownID(of: $0) }
        let isr = state.isr.compactMap { view.knownID(of: $0) }
        let offline = state.replicas.filter { view.aliveID(of: $0) == nil }.compactMap { view.knownID(of: $0) }
        let leader = state.leader.flatMap { view.aliveID(of: $0) }
        return MetadataResponse.Topic.Partition(
            errorCode: leader == nil ? .leaderNotAvailable : .noError,
            partitionIndex: Int32(index),
            leaderId: leader ?? -1,
            leaderEpoch: state.kafkaLeaderEpoch,
            replicaNodes: replicas,
            isrNodes: isr,
            offlineReplicas: offline
        )
    }
}

extension PartitionState {
    /// Kafka's int32 leader epoch. Our epoch's `number` grows by one with every new leader epoch, across controller
    /// terms, so it orders epochs exactly as (term, number) does.
    var kafkaLeaderEpoch: Int32 { Int32(clamping: leaderEpoch.number) }
}
