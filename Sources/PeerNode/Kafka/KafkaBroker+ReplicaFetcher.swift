import KafkaProtocol
import Log
import NIOCore
import Partitions
import Replication

/// A follower's side of replication: the requests its core asks for go to the leader as Kafka requests (Fetch,
/// OffsetForLeaderEpoch, ListOffsets, with this broker's id as `replica_id`) over the sealed broker link, and the
/// answers go back to the core. Fetched batches are appended unchanged, at the leader's offsets.
extension KafkaBroker {
    /// A follower's long poll: the leader answers when it has data or after this long.
    static let replicaFetchMaxWaitMs: Int32 = 500
    static let replicaFetchMaxBytes: Int32 = 8 << 20
    static let replicaFetchPartitionMaxBytes: Int32 = 4 << 20

    /// A fetch the follower core asked for, waiting for the next Fetch request to its leader.
    struct PendingReplicaFetch {
        var request: ReplicaRequestID
        var offset: Int64
        var leaderEpoch: Int32
    }

    func applyFollower(_ id: PartitionID, _ directive: FollowerDirective) {
        guard let log = logs.log(topic: id.topic, partition: Int32(clamping: id.partition)),
            let leader = replication.followers[id]?.leader
        else { return }
        switch directive {
        case .sendOffsetForLeaderEpoch(let request, let epoch, let current):
            askEpochEnd(id, request: request, epoch: epoch, current: current, leader: leader, log: log)
        case .fetch(let request, let offset, let epoch):
            pendingReplicaFetches[leader, default: [:]][id] = PendingReplicaFetch(
                request: request,
                offset: offset,
                leaderEpoch: epoch
            )
            sendReplicaFetch(to: leader)
        case .listLeaderOffsets(let request, let epoch):
            listLeaderOffsets(id, request: request, epoch: epoch, leader: leader)
        case .truncate(let offset):
            truncate(id, log: log) { try log.truncate(to: offset, now: $0) }
        case .truncateFully(let start):
            truncate(id, log: log) { try log.truncateFully(startingAt: start, now: $0) }
        case .highWatermark(let mark):
            raiseHighWatermark(of: id, to: mark)
        case .backoff:
            break  // the replication tick calls the core again
        }
    }

    private func truncate(_ id: PartitionID, log: PartitionLog, _ cut: (Int64) throws -> Void) {
        do {
            try cut(wallClockMillis())
        } catch {
            logger.error("cannot truncate a replica's log", metadata: ["partition": "\(id)", "error": "\(error)"])
            return
        }
        logger.info("truncated a follower's log", metadata: ["partition": "\(id)", "end": "\(log.logEndOffset)"])
        updateFollower(id) {
            $0.truncated(logEndOffset: log.logEndOffset, now: replicationNow())
        }
    }

    private func askEpochEnd(
        _ id: PartitionID,
        request: ReplicaRequestID,
        epoch: Int32,
        current: Int32,
        leader: String,
        log: PartitionLog
    ) {
        var body = OffsetForLeaderEpochRequest()
        body.replicaId = nodeID
        var partition = OffsetForLeaderEpochRequest.Topic.Partition()
        partition.partition = Int32(clamping: id.partition)
        partition.currentLeaderEpoch = current
        partition.leaderEpoch = epoch
        var topic = OffsetForLeaderEpochRequest.Topic()
        topic.topic = id.topic
        topic.partitions = [partition]
        body.topics = [topic]
        sendToLeader(leader, .offsetForLeaderEpoch(body), version: 3) { [self] response in
            guard case .offsetForLeaderEpoch(let answer) = response,
                let p = answer.topics.first?.partitions.first
            else { return replicaFailed(id, request, .unavailable) }
            guard p.errorCode == .noError else { return replicaFailed(id, request, Self.fetchError(p.errorCode)) }
            updateFollower(id) {
                $0.offsetForLeaderEpochAnswered(
                    request,
                    leaderEpoch: p.leaderEpoch,
                    endOffset: p.endOffset,
                    localEpochs: log.leaderEpochCache,
                    now: replicationNow()
                )
            }
        } failed: { [self] in
            replicaFailed(id, request, .unavailable)
        }
    }

    /// The leader's log start and end, as two ListOffsets lookups (earliest, then latest).
    private func listLeaderOffsets(_ id: PartitionID, request: ReplicaRequestID, epoch: Int32, leader: String) {
        func lookup(_ timestamp: Int64, _ done: @escaping (Int64) -> Void) {
            var partition = ListOffsetsRequest.Topic.Partition()
            partition.partitionIndex = Int32(clamping: id.partition)
            partition.currentLeaderEpoch = epoch
            partition.timestamp = timestamp
            var topic = ListOffsetsRequest.Topic()
            topic.name = id.topic
            topic.partitions = [partition]
            var body = ListOffsetsRequest()
            body.replicaId = nodeID
            body.topics = [topic]
            sendToLeader(leader, .listOffsets(body), version: 4) { [self] response in
                guard case .listOffsets(let answer) = response, let p = answer.topics.first?.partitions.first else {
                    return replicaFailed(id, request, .unavailable)
                }
                guard p.errorCode == .noError else { return replicaFailed(id, request, Self.fetchError(p.errorCode)) }
                done(p.offset)
            } failed: { [self] in
                replicaFailed(id, request, .unavailable)
            }
        }
        lookup(-2) { [self] start in
            lookup(-1) { [self] end in
                updateFollower(id) {
                    $0.leaderOffsetsListed(request, logStartOffset: start, logEndOffset: end, now: replicationNow())
                }
            }
        }
    }

    /// Runs `body` on the partition's follower core and carries out what it asks.
    func updateFollower(_ id: PartitionID, _ body: (inout FollowerReplication) -> [FollowerDirective]) {
        apply((replication.withFollower(id, body) ?? []).map { .follower(id, $0) })
    }

    func replicaFailed(_ id: PartitionID, _ request: ReplicaRequestID, _ error: ReplicaFetchError) {
        updateFollower(id) { $0.requestFailed(request, error: error, now: replicationNow()) }
    }

    static func fetchError(_ error: KafkaError) -> ReplicaFetchError {
        switch error {
        case .fencedLeaderEpoch: return .fencedLeaderEpoch
        case .unknownLeaderEpoch: return .unknownLeaderEpoch
        case .notLeaderOrFollower: return .notLeaderOrFollower
        case .offsetOutOfRange: return .offsetOutOfRange
        default: return .unavailable
        }
    }

    /// Sends one request to `leader` over the sealed link; `answered` or `failed` runs on the broker's loop.
    func sendToLeader(
        _ leader: String,
        _ request: KafkaRequest,
        version: Int16,
        answered: @escaping (KafkaResponse) -> Void,
        failed: @escaping () -> Void
    ) {
        guard let links, !isStopped else { return failed() }
        nextCorrelationID &+= 1
        let frame = KafkaCodec.encodeRequest(
            request,
            version: version,
            correlationId: nextCorrelationID,
            clientId: "peer-replica-\(shell.core.name)"
        )
        let apiKey = request.apiKey
        links.send(frame, to: leader).hop(to: eventLoop).whenComplete { [self] result in
            guard !isStopped else { return }
            switch result {
            case .success(let reply):
                guard let (_, response) = try? KafkaCodec.decodeResponse(apiKey: apiKey, version: version, frame: reply)
                else { return failed() }
                answered(response)
            case .failure:
                failed()
            }
        }
    }
}
