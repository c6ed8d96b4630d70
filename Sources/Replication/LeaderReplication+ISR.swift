/// ISR proposals: drop followers that fell behind, add followers that caught up. One proposal at a time.
extension LeaderReplication {
    /// Whether an in-sync follower counts as caught up at `now`: at the leader's end, or caught up within the lag
    /// window.
    public func isCaughtUp(_ replica: String, now: Int64) -> Bool {
        guard let progress = followers[replica] else { return false }
        if progress.logEndOffset == logEndOffset { return true }
        guard let caughtUp = progress.lastCaughtUpTime else { return false }
        return now - caughtUp <= config.replicaLagTimeMaxMs
    }

    /// Whether an out-of-sync follower may join: it reached the high watermark and this epoch's start (so it
    /// truncated whatever it had from older epochs).
    public func isEligibleToJoin(_ replica: String) -> Bool {
        guard replicas.contains(replica), !isr.contains(replica), let end = followers[replica]?.logEndOffset else {
            return false
        }
        return end >= highWatermark && end >= leaderEpochStartOffset
    }

    /// Proposes an ISR without the followers that are not caught up, when nothing else is pending.
    mutating func proposeShrink(now: Int64) -> [LeaderDirective] {
        guard pendingISR == nil, now >= nextProposalAllowedAt else { return [] }
        let lagging = isr.filter { $0 != localReplica && !isCaughtUp($0, now: now) }
        guard !lagging.isEmpty else { return [] }
        return propose(isr.filter { !lagging.contains($0) }, now: now)
    }

    /// Proposes the ISR plus one eligible follower (in replica order), when nothing else is pending.
    mutating func proposeExpansion(now: Int64) -> [LeaderDirective] {
        guard pendingISR == nil, now >= nextProposalAllowedAt else { return [] }
        guard let joining = replicas.first(where: { $0 != localReplica && isEligibleToJoin($0) }) else { return [] }
        return propose(isr + [joining], now: now)
    }

    private mutating func propose(_ proposed: [String], now: Int64) -> [LeaderDirective] {
        pendingISR = PendingISRChange(isr: proposed, basedOnPartitionEpoch: partitionEpoch, sentAt: now)
        return [.proposeISR(proposed, basedOnPartitionEpoch: partitionEpoch, leaderEpoch: leaderEpoch)]
    }
}
