/// What a partition leader's replication core asks its shell to do.
public enum LeaderDirective: Hashable, Sendable {
    /// The high watermark moved up to this offset: the shell stores it in the log and completes the acks=all
    /// waiters whose last offset is below it.
    case highWatermarkAdvanced(Int64)
    /// Ask the controller to make `isr` the partition's ISR. The controller commits it only while the partition is
    /// still at `basedOnPartitionEpoch` and led in `leaderEpoch`; the shell reports the answer with
    /// `proposalCommitted` or `proposalRejected`.
    case proposeISR([String], basedOnPartitionEpoch: UInt64, leaderEpoch: Int32)
}

/// What the leader's core says about one follower fetch.
public struct FollowerFetchOutcome: Hashable, Sendable {
    /// Why the fetch was refused, or nil when it was taken.
    public var rejection: FollowerFetchRejection?
    /// The high watermark to send back to the follower (after this fetch was counted).
    public var highWatermark: Int64
    public var directives: [LeaderDirective]

    public init(rejection: FollowerFetchRejection? = nil, highWatermark: Int64, directives: [LeaderDirective] = []) {
        self.rejection = rejection
        self.highWatermark = highWatermark
        self.directives = directives
    }
}

/// A follower fetch the leader's core does not count.
public enum FollowerFetchRejection: Hashable, Sendable {
    /// The fetcher is not a follower of this partition (Kafka answers NOT_LEADER_OR_FOLLOWER).
    case notAReplica
    /// The fetch offset is negative or beyond the leader's log end (OFFSET_OUT_OF_RANGE).
    case offsetOutOfRange
}

/// Whether an acks=all produce may be appended at all.
public enum AcksAllAdmission: Hashable, Sendable {
    case accept
    /// The committed ISR is smaller than `min.insync.replicas` (Kafka's NOT_ENOUGH_REPLICAS, 19).
    case notEnoughReplicas
}

/// Where an appended acks=all produce stands.
public enum AcksAllCompletion: Hashable, Sendable {
    /// The high watermark has not reached the produce's end yet.
    case waiting
    /// Every ISR member holds it: answer success.
    case satisfied
    /// Replicated, but the ISR shrank below `min.insync.replicas` meanwhile (NOT_ENOUGH_REPLICAS_AFTER_APPEND, 20).
    case notEnoughReplicasAfterAppend
}
