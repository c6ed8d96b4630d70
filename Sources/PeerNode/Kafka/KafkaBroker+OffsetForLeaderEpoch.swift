import KafkaProtocol
import Log
import Partitions

/// OffsetForLeaderEpoch: where a leader epoch ends in this leader's log, from its leader-epoch cache. Followers ask
/// it to find where their log diverges from the leader's (truncation by leader epoch, KIP-101/279); consumers ask
/// it after a leader change to detect records they read that the new leader lacks (KIP-320).
///
/// Served by the leader only, for consumers and replicas alike (Kafka serves a follower's own log only to its
/// "debug" id -2, which no client we serve uses).
extension KafkaBroker {
    func offsetForLeaderEpoch(_ request: OffsetForLeaderEpochRequest) -> OffsetForLeaderEpochResponse {
        OffsetForLeaderEpochResponse(
            topics: request.topics.map { topic in
                OffsetForLeaderEpochResponse.Topic(
                    topic: topic.topic,
                    partitions: topic.partitions.map { epochEndOffset($0, topic: topic.topic) }
                )
            }
        )
    }

    /// The largest epoch at or below the one asked for and the start of the next epoch (the log end offset for the
    /// current one); (-1, -1) with no error when the epoch is newer than any here, as Kafka answers.
    private func epochEndOffset(
        _ wanted: OffsetForLeaderEpochRequest.Topic.Partition,
        topic: String
    ) -> OffsetForLeaderEpochResponse.Topic.Partition {
        var answer = OffsetForLeaderEpochResponse.Topic.Partition(partition: wanted.partition)
        let state: PartitionState
        let log: PartitionLog
        switch leaderLog(topic: topic, partition: wanted.partition, currentLeaderEpoch: wanted.currentLeaderEpoch) {
        case .failed(let error):
            answer.errorCode = error
            return answer
        case .found(let leading, let local):
            (state, log) = (leading, local)
        }
        let found = log.endOffset(forLeaderEpoch: wanted.leaderEpoch, leaderEpoch: state.kafkaLeaderEpoch)
        answer.leaderEpoch = found.epoch
        answer.endOffset = found.endOffset
        return answer
    }
}
