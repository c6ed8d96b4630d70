import KafkaProtocol
import Log
import Partitions
import Replication

/// A follower's fetches to one leader go out together: one Fetch request in flight per leader, carrying every
/// partition whose core asked for a fetch meanwhile, as Kafka's replica fetcher does. One request per partition
/// would queue the answers on the link (it replies in order), so one idle partition's long poll would delay the rest.
extension KafkaBroker {
    func sendReplicaFetch(to leader: String) {
        guard !replicaFetchesInFlight.contains(leader), let pending = pendingReplicaFetches.removeValue(forKey: leader),
            !pending.isEmpty
        else { return }
        replicaFetchesInFlight.insert(leader)
        var body = FetchRequest()
        body.replicaId = nodeID
        body.maxWaitMs = Self.replicaFetchMaxWaitMs
        body.minBytes = 1
        body.maxBytes = Self.replicaFetchMaxBytes
        let byTopic = Dictionary(grouping: pending.keys, by: \.topic)
        for (name, ids) in byTopic.sorted(by: { $0.key < $1.key }) {
            var topic = FetchRequest.Topic()
            topic.topic = name
            for id in ids.sorted() {
                guard let fetch = pending[id] else { continue }
                var partition = FetchRequest.Topic.Partition()
                partition.partition = Int32(clamping: id.partition)
                partition.currentLeaderEpoch = fetch.leaderEpoch
                partition.fetchOffset = fetch.offset
                partition.partitionMaxBytes = Self.replicaFetchPartitionMaxBytes
                topic.partitions.append(partition)
            }
            body.topics.append(topic)
        }
        sendToLeader(leader, .fetch(body), version: 11) { [self] response in
            var answered: Set<PartitionID> = []
            if case .fetch(let answer) = response {
                for topic in answer.responses {
                    for p in topic.partitions {
                        let id = PartitionID(topic: topic.topic, partition: Int(p.partitionIndex))
                        guard let fetch = pending[id], answered.insert(id).inserted else { continue }
                        replicaFetchAnswered(id, fetch.request, p)
                    }
                }
            }
            for (id, fetch) in pending.sorted(by: { $0.key < $1.key }) where !answered.contains(id) {
                replicaFailed(id, fetch.request, .unavailable)
            }
            replicaFetchesInFlight.remove(leader)
            sendReplicaFetch(to: leader)
        } failed: { [self] in
            for (id, fetch) in pending.sorted(by: { $0.key < $1.key }) {
                replicaFailed(id, fetch.request, .unavailable)
            }
            replicaFetchesInFlight.remove(leader)
            sendReplicaFetch(to: leader)
        }
    }

    /// One partition's part of a Fetch answer: append its batches unchanged, then tell the core.
    private func replicaFetchAnswered(
        _ id: PartitionID,
        _ request: ReplicaRequestID,
        _ p: FetchResponse.Topic.Partition
    ) {
        guard p.errorCode == .noError else { return replicaFailed(id, request, Self.fetchError(p.errorCode)) }
        guard replication.followers[id]?.expects(request) == true,
            let log = logs.log(topic: id.topic, partition: Int32(clamping: id.partition))
        else { return }
        if case .bytes(let bytes) = p.records ?? .bytes([]), !bytes.isEmpty {
            do {
                _ = try log.appendAsFollower(bytes, now: wallClockMillis())
            } catch {
                logger.warning(
                    "a fetched batch did not follow the log",
                    metadata: ["partition": "\(id)", "error": "\(error)"]
                )
                return updateFollower(id) {
                    $0.appendFailed(
                        request,
                        logEndOffset: log.logEndOffset,
                        latestLocalEpoch: log.leaderEpochCache.latestEpoch,
                        now: replicationNow()
                    )
                }
            }
        }
        updateFollower(id) {
            $0.fetched(
                request,
                logEndOffset: log.logEndOffset,
                leaderHighWatermark: p.highWatermark,
                now: replicationNow()
            )
        }
    }
}
