/// The part of a replica's leader-epoch cache that truncation by leader epoch reads. `Log.LeaderEpochCache` has
/// exactly these members, so the shell conforms it with one line:
/// `extension LeaderEpochCache: LeaderEpochLookup {}`.
public protocol LeaderEpochLookup {
    /// The newest epoch with an entry, nil for an empty cache.
    var latestEpoch: Int32? { get }
    /// Where `epoch` ends: the largest known epoch <= `epoch` and the start offset of the next epoch (the log end for
    /// the latest). (-1, -1) when `epoch` is -1 or newer than every known epoch; (`epoch`, first start offset) when it
    /// is older than every known epoch.
    func endOffset(for epoch: Int32, logEndOffset: Int64) -> (epoch: Int32, endOffset: Int64)
}

/// What a follower does with the leader's answer to OffsetForLeaderEpoch.
public enum DivergenceDecision: Hashable, Sendable {
    /// Cut the log at `offset` (nothing to cut when it is at or past the log end). When `askAgainWith` is set the
    /// divergence point is not found yet: the follower does not know the epoch the leader answered with, so it cuts
    /// its epochs the leader cannot have and asks again about its own largest epoch below (KIP-279).
    case truncate(to: Int64, askAgainWith: Int32?)
    /// The leader could not place the epoch (it answered -1, or an epoch newer than asked): ask again later. A new
    /// leader records its epoch at its log end when it takes over, after which it can always answer.
    case retryLater
}

/// Finds where a follower's log leaves the leader's (KIP-101, KIP-279). The follower asked about `requestedEpoch`
/// (its latest); the leader answered with the largest epoch it has at or below it and where that epoch ends in its
/// log. The logs agree up to the end of the last epoch both have, so the follower keeps
/// min(leader's end of that epoch, its own end of that epoch). The high watermark plays no part: a follower's mark
/// may lag the leader's, and cutting there could drop committed records (KIP-101's first scenario).
public func divergencePoint(
    requestedEpoch: Int32,
    leaderEpoch: Int32,
    leaderEndOffset: Int64,
    localEpochs: some LeaderEpochLookup,
    localLogEndOffset: Int64
) -> DivergenceDecision {
    guard leaderEpoch >= 0, leaderEndOffset >= 0, leaderEpoch <= requestedEpoch else { return .retryLater }
    let local = localEpochs.endOffset(for: leaderEpoch, logEndOffset: localLogEndOffset)
    if local.epoch == leaderEpoch {
        return .truncate(to: min(leaderEndOffset, local.endOffset, localLogEndOffset), askAgainWith: nil)
    }
    if local.epoch < 0 || local.endOffset < 0 {
        // The leader answered about an epoch newer than all of ours: we cannot place it, so ask about our latest.
        if let latest = localEpochs.latestEpoch, latest < leaderEpoch {
            return .truncate(to: localLogEndOffset, askAgainWith: latest)
        }
        // We know no epoch at all: the leader's end of its epoch bounds what we may keep.
        return .truncate(to: min(leaderEndOffset, localLogEndOffset), askAgainWith: nil)
    }
    // We skipped the leader's epoch: our epochs between ours-below and the requested one are unknown to the leader.
    return .truncate(to: min(local.endOffset, localLogEndOffset), askAgainWith: local.epoch)
}
