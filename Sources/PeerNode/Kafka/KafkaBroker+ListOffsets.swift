import KafkaProtocol
import Log
import Partitions

/// ListOffsets: the earliest offset, the latest (the high watermark, which consumers may read up to), or the first
/// offset at or after a timestamp.
extension KafkaBroker {
    static let latestTimestamp: Int64 = -1
    static let earliestTimestamp: Int64 = -2

    func listOffsets(_ request: ListOffsetsRequest) -> ListOffsetsResponse {
        ListOffsetsResponse(
            topics: request.topics.map { topic in
                ListOffsetsResponse.Topic(
                    name: topic.name,
                    partitions: topic.partitions.map { listOffset($0, topic: topic.name) }
                )
            }
        )
    }

    private func listOffset(
        _ wanted: ListOffsetsRequest.Topic.Partition,
        topic: String
    )
        -> ListOffsetsResponse.Topic.Partition
    {
        var answer = ListOffsetsResponse.Topic.Partition(partitionIndex: wanted.partitionIndex)
        let state: PartitionState
        let log: PartitionLog
        switch leaderLog(topic: topic, partition: wanted.partitionIndex, currentLeaderEpoch: wanted.currentLeaderEpoch)
        {
        case .failed(let error):
            answer.errorCode = error
            return answer
        case .found(let leading, let local):
            (state, log) = (leading, local)
        }
        let highWatermark = log.highWatermark
        answer.leaderEpoch = state.kafkaLeaderEpoch
        switch wanted.timestamp {
        case Self.latestTimestamp:
            answer.offset = highWatermark
        case Self.earliestTimestamp:
            answer.offset = log.logStartOffset
        case let timestamp where timestamp >= 0:
            // The first batch whose max timestamp reaches `timestamp`, among what consumers may read.
            if let found = try? log.offset(forTimestamp: timestamp, upTo: highWatermark) {
                answer.offset = found.offset
                answer.timestamp = found.timestamp
            }
        default:
            answer.errorCode = .invalidRequest
        }
        return answer
    }
}
