/// Names one request a follower sent, so a late answer to an earlier request is recognised and ignored.
/// `generation` tells apart the follower cores a shell creates over time (`ReplicaManager` counts them).
public struct ReplicaRequestID: Hashable, Sendable, CustomStringConvertible {
    public var generation: UInt64
    public var sequence: UInt64

    public init(generation: UInt64, sequence: UInt64) {
        self.generation = generation
        self.sequence = sequence
    }

    public var description: String { "\(generation).\(sequence)" }
}

/// What a follower's replication core asks its shell to do. Requests go to the core's `leader`.
public enum FollowerDirective: Hashable, Sendable {
    /// Ask the leader where `epoch` ends in its log (OffsetForLeaderEpoch, with `currentLeaderEpoch` for fencing).
    case sendOffsetForLeaderEpoch(ReplicaRequestID, epoch: Int32, currentLeaderEpoch: Int32)
    /// Fetch from `offset` (the follower's log end) in `leaderEpoch`.
    case fetch(ReplicaRequestID, offset: Int64, leaderEpoch: Int32)
    /// Ask the leader for its log start and end offsets (after OFFSET_OUT_OF_RANGE), as ListOffsets earliest/latest.
    case listLeaderOffsets(ReplicaRequestID, leaderEpoch: Int32)
    /// Cut the local log at `to` (`PartitionLog.truncate(to:)`), then report `truncated(logEndOffset:now:)`.
    case truncate(to: Int64)
    /// Empty the local log and restart it at `startingAt` (`PartitionLog.truncateFully(startingAt:)`), then report
    /// `truncated(logEndOffset:now:)`.
    case truncateFully(startingAt: Int64)
    /// The follower's high watermark is now this offset.
    case highWatermark(Int64)
    /// Nothing to do until this time: call `tick(now:)` then.
    case backoff(until: Int64)
}

/// Why a follower's request to its leader failed.
public enum ReplicaFetchError: Hashable, Sendable {
    /// The leader is in a newer epoch than ours (FENCED_LEADER_EPOCH): wait for the new partition state.
    case fencedLeaderEpoch
    /// The leader has not learned our epoch yet (UNKNOWN_LEADER_EPOCH): try again after a backoff.
    case unknownLeaderEpoch
    /// It does not lead the partition (NOT_LEADER_OR_FOLLOWER): try again; a new state is probably on its way.
    case notLeaderOrFollower
    /// The fetch offset is outside the leader's log (OFFSET_OUT_OF_RANGE): ask for its offsets and reset.
    case offsetOutOfRange
    /// The link failed, the request timed out, or any other error: try again after a backoff.
    case unavailable
}
