import Gossip
import KafkaProtocol
import Log
import Partitions
import PeerRPC

/// How the broker finds a partition's state and its local log, and what a client may see of it.
extension KafkaBroker {
    /// Why a partition cannot be served here, as a Kafka error.
    enum PartitionLookup {
        case leader(PartitionState)
        case failed(KafkaError)
    }

    /// The partition's state when this broker leads it, else the error a client should act on.
    func leaderState(topic: String, partition: Int32) -> PartitionLookup {
        let partitions = shell.node.partitions
        guard partitions.topics[topic] != nil else { return .failed(.unknownTopicOrPartition) }
        guard let state = partitions.partitionStates[PartitionID(topic: topic, partition: Int(partition))] else {
            return .failed(.unknownTopicOrPartition)
        }
        guard let leader = state.leader else { return .failed(.leaderNotAvailable) }
        guard leader == shell.core.name else { return .failed(.notLeaderOrFollower) }
        return .leader(state)
    }

    /// A led partition with its local log, checked against the client's `currentLeaderEpoch`, or the error to answer.
    enum LeaderLogLookup {
        case found(PartitionState, PartitionLog)
        case failed(KafkaError)
    }

    /// The state and local log of a partition this broker leads, fenced by the client's leader epoch (KIP-320).
    func leaderLog(topic: String, partition: Int32, currentLeaderEpoch: Int32) -> LeaderLogLookup {
        let state: PartitionState
        switch leaderState(topic: topic, partition: partition) {
        case .failed(let error): return .failed(error)
        case .leader(let leading): state = leading
        }
        if let mismatch = epochMismatch(currentLeaderEpoch, state: state) { return .failed(mismatch) }
        guard let log = try? localLog(for: state) else { return .failed(.kafkaStorageError) }
        return .found(state, log)
    }

    /// The error for a client's `currentLeaderEpoch` that does not match ours (-1 skips the check), as Kafka's
    /// KIP-320 fencing does.
    func epochMismatch(_ clientEpoch: Int32, state: PartitionState) -> KafkaError? {
        guard clientEpoch >= 0 else { return nil }
        if clientEpoch < state.kafkaLeaderEpoch { return .fencedLeaderEpoch }
        if clientEpoch > state.kafkaLeaderEpoch { return .unknownLeaderEpoch }
        return nil
    }

    /// The local log of a partition this broker leads, created on first use with the topic's configuration. A log
    /// left from an earlier incarnation of the topic (deleted and created again while this broker was away) is
    /// removed first: its records are not the new topic's.
    func localLog(for state: PartitionState) throws -> PartitionLog {
        let partition = Int32(state.id.partition)
        let topic = shell.node.partitions.topics[state.id.topic]
        let current = topic?.incarnation ?? .original
        if let log = logs.log(topic: state.id.topic, partition: partition) {
            let own = incarnation(of: log)
            if own == current { return log }
            logger.notice(
                "removing the log of an earlier incarnation of the topic",
                metadata: ["partition": "\(state.id)", "log": "\(own)", "topic": "\(current)"]
            )
            try deleteLog(topic: state.id.topic, partition: partition)
        }
        let config = (try? LogConfig(topic?.configs ?? [:])) ?? LogConfig()
        let log = try logs.createLog(
            topic: state.id.topic,
            partition: partition,
            config: config,
            now: wallClockMillis()
        )
        try LogIncarnation.write(current, directory: log.directory)
        logIncarnations[TopicPartition(topic: state.id.topic, partition: partition)] = current
        return log
    }

    /// The topic incarnation a local log belongs to, from memory after the first read of its file.
    func incarnation(of log: PartitionLog) -> TopicIncarnation {
        let key = TopicPartition(topic: log.topic, partition: log.partition)
        if let known = logIncarnations[key] { return known }
        let read = LogIncarnation.read(directory: log.directory)
        logIncarnations[key] = read
        return read
    }

    /// Deletes a local log and forgets its incarnation.
    func deleteLog(topic: String, partition: Int32) throws {
        logIncarnations[TopicPartition(topic: topic, partition: partition)] = nil
        try logs.deleteLog(topic: topic, partition: partition)
    }

    /// The topic's `min.insync.replicas` (Kafka's default, 1, when unset or malformed).
    func minInsyncReplicas(topic: String) -> Int {
        shell.node.partitions.topics[topic]?.configs["min.insync.replicas"].flatMap { Int($0) } ?? 1
    }
}

extension KafkaBroker {
    /// This node's log of `partition` for the RPC views, or nil when it holds none.
    func localLogView(_ partition: PartitionID) -> LocalLogView? {
        guard let log = logs.log(topic: partition.topic, partition: Int32(partition.partition)) else { return nil }
        let highWatermark = log.highWatermark
        return LocalLogView(
            logStartOffset: log.logStartOffset,
            logEndOffset: log.logEndOffset,
            highWatermark: highWatermark,
            sizeBytes: log.sizeInBytes
        )
    }
}
