import Gossip
import KafkaProtocol
import Log
import Partitions
import Primitives

/// One follower's fetch from this leader, as the replication core needs it: the follower holds every offset below
/// `fetchOffset`, so it is caught up when `fetchOffset` reaches `leaderLogEndOffset` (Kafka's rule for ISR lag).
struct ReplicaFetchReport: Equatable, Sendable {
    var partition: PartitionID
    /// The follower's gossip member name, as the partition table names replicas.
    var replica: String
    var fetchOffset: Int64
    /// The Kafka leader epoch this broker leads the partition in.
    var leaderEpoch: Int32
    var leaderLogEndOffset: Int64
    var leaderHighWatermark: Int64
}

/// Told of a follower's fetch at monotonic time `now`; returns the partition's high watermark after it (nil leaves
/// the mark as it is). It runs on the broker's event loop, once per partition of each fetch request, before the read.
typealias ReplicaFetchObserver = (_ fetch: ReplicaFetchReport, _ now: Timestamp) -> Int64?

/// Fetches from follower replicas: a Fetch whose replica id is a broker's (>= 0) rather than a consumer's (-1).
///
/// A follower reads up to the log end offset, not the high watermark, and its fetch offset tells the leader how far
/// it has copied, which moves the high watermark. A broker id that is not a follower of the partition is refused
/// as Kafka refuses it (`unknownFollowerError`); it is never served as a consumer instead, since reading past the
/// high watermark is for replicas only.
extension KafkaBroker {
    /// Kafka's answer to a fetch from a broker that is not a follower of the partition: UNKNOWN_LEADER_EPOCH when
    /// the fetch names the current leader epoch (the broker may be a replica the leader has not heard of yet, as
    /// in a reassignment, and retries), NOT_LEADER_OR_FOLLOWER otherwise.
    static func unknownFollowerError(currentLeaderEpoch: Int32) -> KafkaError {
        currentLeaderEpoch >= 0 ? .unknownLeaderEpoch : .notLeaderOrFollower
    }

    /// Whether a Fetch comes from a replica: Kafka's consumers send -1, and other negative ids are special
    /// consumers (-2 debug), never replicas.
    static func isReplicaFetch(_ request: FetchRequest) -> Bool { request.replicaId >= 0 }

    /// The member name of the follower with Kafka broker id `replicaId` among the partition's replicas, or nil
    /// when no follower has that id (this broker's own id included). Ids come from the members' gossiped tags, of
    /// any member that advertises one (gossip may not yet know a fetching follower is alive).
    func follower(withBrokerID replicaId: Int32, of state: PartitionState) -> String? {
        let core = shell.core
        return state.replicas.first { name in
            name != core.name
                && core.member(named: name).flatMap { KafkaMetadataTags.broker(from: $0.metadata)?.nodeID } == replicaId
        }
    }

    /// Reports a follower's fetch to `replicaFetchObserver` and raises the log's high watermark to what it returns.
    /// Returns whether the mark moved (its waiters then need a poll). A fetch offset outside the log (the follower
    /// must reset or truncate first) reports nothing, as Kafka records a follower's position only on a good read.
    func reportReplicaFetch(
        replica: String,
        fetchOffset: Int64,
        state: PartitionState,
        log: PartitionLog
    ) -> Bool {
        guard fetchOffset >= log.logStartOffset, fetchOffset <= log.logEndOffset else { return false }
        let before = log.highWatermark
        let report = ReplicaFetchReport(
            partition: state.id,
            replica: replica,
            fetchOffset: fetchOffset,
            leaderEpoch: state.kafkaLeaderEpoch,
            leaderLogEndOffset: log.logEndOffset,
            leaderHighWatermark: before
        )
        guard let mark = replicaFetchObserver(report, shell.now()) else { return false }
        return Self.raise(log, highWatermarkTo: mark)
    }

    /// Raises the high watermark of a local log to `mark` (never lowers it, never past the log end) and wakes the
    /// requests waiting on it: for the moves no leader-side fetch carries, such as a leader's after an ISR shrink or
    /// a follower's learned from its leader's fetch response. Returns the mark now, or nil when there is no local
    /// log of the partition. On the broker's event loop only.
    @discardableResult
    func raiseHighWatermark(of partition: PartitionID, to mark: Int64) -> Int64? {
        guard let log = logs.log(topic: partition.topic, partition: Int32(clamping: partition.partition)) else {
            return nil
        }
        if Self.raise(log, highWatermarkTo: mark) { waiters.partitionAdvanced(partition) }
        return log.highWatermark
    }

    /// Whether raising `log`'s high watermark to `mark` moved it.
    private static func raise(_ log: PartitionLog, highWatermarkTo mark: Int64) -> Bool {
        let before = log.highWatermark
        guard mark > before else { return false }
        return log.updateHighWatermark(mark) > before
    }
}
