/// What a leader knows about one follower, learned from its fetches (Kafka's remote `Replica` state).
public struct FollowerProgress: Hashable, Sendable {
    /// The follower's log end offset (its last fetch offset); nil until it fetches from this leader.
    public internal(set) var logEndOffset: Int64?
    /// The last time the follower was caught up with this leader; nil when never.
    public internal(set) var lastCaughtUpTime: Int64?
    /// The leader's log end offset and the time at the follower's previous fetch.
    var lastFetchLeaderLogEndOffset: Int64
    var lastFetchTime: Int64

    init(lastCaughtUpTime: Int64?, leaderLogEndOffset: Int64, now: Int64) {
        self.logEndOffset = nil
        self.lastCaughtUpTime = lastCaughtUpTime
        self.lastFetchLeaderLogEndOffset = leaderLogEndOffset
        self.lastFetchTime = now
    }

    /// Counts a fetch at `fetchOffset`. A fetch at the leader's end means caught up now; a fetch that reached what
    /// the leader held at the previous fetch means caught up as of that previous fetch. So a follower that keeps up
    /// with a steady stream of appends counts as caught up although it is never exactly at the end.
    mutating func recordFetch(at fetchOffset: Int64, leaderLogEndOffset: Int64, now: Int64) {
        if fetchOffset >= leaderLogEndOffset {
            lastCaughtUpTime = max(lastCaughtUpTime ?? now, now)
        } else if fetchOffset >= lastFetchLeaderLogEndOffset {
            lastCaughtUpTime = max(lastCaughtUpTime ?? lastFetchTime, lastFetchTime)
        }
        lastFetchLeaderLogEndOffset = leaderLogEndOffset
        lastFetchTime = now
        logEndOffset = fetchOffset
    }
}

/// An ISR change sent to the controller and not answered yet.
public struct PendingISRChange: Hashable, Sendable {
    public var isr: [String]
    public var basedOnPartitionEpoch: UInt64
    public var sentAt: Int64
    /// The controller refused a copy of it because the partition had moved on: an earlier copy may have been
    /// committed, so the proposed members keep holding the high watermark until the newer state arrives.
    public var awaitingNewerState: Bool = false
}

/// The leader side of one partition's replication: follower positions, the high watermark and ISR proposals.
/// A value: events come in with `now` (milliseconds), directives go out.
///
/// The high watermark is the smallest log end offset over the ISR, so every offset below it is on every in-sync
/// replica and survives any clean leader change. While an ISR change is pending it is computed over the union of the
/// committed and the proposed ISR (Kafka's "maximal ISR", KIP-497): a follower being added already holds the mark
/// back, so when the controller commits it, it holds everything below the mark; a follower being removed holds it
/// back until the removal is committed.
public struct LeaderReplication: Sendable {
    public let localReplica: String
    public let leaderEpoch: Int32
    /// The leader's log end offset when it took this epoch: a follower must reach it (it has then truncated any tail
    /// from older epochs) before it may join the ISR.
    public let leaderEpochStartOffset: Int64
    public let config: ReplicationConfig
    public internal(set) var replicas: [String]
    /// The ISR as committed by the controller.
    public internal(set) var isr: [String]
    public internal(set) var partitionEpoch: UInt64
    public internal(set) var pendingISR: PendingISRChange?
    public internal(set) var logEndOffset: Int64
    public internal(set) var highWatermark: Int64
    public internal(set) var followers: [String: FollowerProgress]
    /// No new proposal before this time (set after a rejection).
    var nextProposalAllowedAt: Int64

    /// Starts leading in `leaderEpoch`. `highWatermark` is the log's (from its checkpoint); in-sync followers get a
    /// whole lag window from `now` to show up.
    public init(
        localReplica: String,
        replicas: [String],
        isr: [String],
        leaderEpoch: Int32,
        partitionEpoch: UInt64,
        logEndOffset: Int64,
        highWatermark: Int64,
        now: Int64,
        config: ReplicationConfig = .default
    ) {
        let end = max(0, logEndOffset)
        self.localReplica = localReplica
        self.leaderEpoch = leaderEpoch
        self.leaderEpochStartOffset = end
        self.config = config
        self.replicas = replicas
        self.isr = isr
        self.partitionEpoch = partitionEpoch
        self.pendingISR = nil
        self.logEndOffset = end
        self.highWatermark = min(max(0, highWatermark), end)
        self.followers = [:]
        self.nextProposalAllowedAt = now
        for replica in replicas where replica != localReplica {
            followers[replica] = FollowerProgress(
                lastCaughtUpTime: isr.contains(replica) ? now : nil,
                leaderLogEndOffset: end,
                now: now
            )
        }
    }

    /// The committed ISR plus the members a pending proposal adds: the set the high watermark waits for.
    public var maximalISR: [String] {
        guard let pending = pendingISR else { return isr }
        return isr + pending.isr.filter { !isr.contains($0) }
    }

    // MARK: Events

    /// The leader appended to its log.
    public mutating func leaderAppended(logEndOffset newEnd: Int64) -> [LeaderDirective] {
        guard newEnd > logEndOffset else { return [] }
        logEndOffset = newEnd
        return advanceHighWatermark()
    }

    /// A follower fetched from `fetchOffset` (so it holds everything below it). The shell checked the fetch's
    /// leader epoch first (fenced and unknown epochs never reach here). Returns the high watermark to answer with.
    public mutating func followerFetched(replica: String, fetchOffset: Int64, now: Int64) -> FollowerFetchOutcome {
        guard replica != localReplica, var progress = followers[replica] else {
            return FollowerFetchOutcome(rejection: .notAReplica, highWatermark: highWatermark)
        }
        guard fetchOffset >= 0, fetchOffset <= logEndOffset else {
            return FollowerFetchOutcome(rejection: .offsetOutOfRange, highWatermark: highWatermark)
        }
        progress.recordFetch(at: fetchOffset, leaderLogEndOffset: logEndOffset, now: now)
        followers[replica] = progress
        var directives = advanceHighWatermark()
        directives += proposeExpansion(now: now)
        return FollowerFetchOutcome(highWatermark: highWatermark, directives: directives)
    }

    /// Time passed: resend an unanswered proposal, drop lagging followers, add caught-up ones.
    public mutating func tick(now: Int64) -> [LeaderDirective] {
        if var pending = pendingISR {
            guard !pending.awaitingNewerState, now - pending.sentAt >= config.isrProposalRetryMs else { return [] }
            pending.sentAt = now
            pendingISR = pending
            return [
                .proposeISR(pending.isr, basedOnPartitionEpoch: pending.basedOnPartitionEpoch, leaderEpoch: leaderEpoch)
            ]
        }
        let shrink = proposeShrink(now: now)
        return shrink.isEmpty ? proposeExpansion(now: now) : shrink
    }

    /// The controller's partition state, from gossip. A state of another leader epoch is not for this core (the
    /// shell starts a new one); an older or equal partition epoch is ignored. A newer partition epoch settles any
    /// pending proposal: the controller commits a proposal only on its base epoch, so it either is this state or
    /// never will be.
    public mutating func partitionStateChanged(
        replicas newReplicas: [String],
        isr newISR: [String],
        leaderEpoch epoch: Int32,
        partitionEpoch newEpoch: UInt64,
        now: Int64
    ) -> [LeaderDirective] {
        guard epoch == leaderEpoch, newEpoch > partitionEpoch else { return [] }
        replicas = newReplicas
        isr = newISR
        partitionEpoch = newEpoch
        if let pending = pendingISR, newEpoch > pending.basedOnPartitionEpoch { pendingISR = nil }
        for replica in newReplicas where replica != localReplica && followers[replica] == nil {
            followers[replica] = FollowerProgress(
                lastCaughtUpTime: newISR.contains(replica) ? now : nil,
                leaderLogEndOffset: logEndOffset,
                now: now
            )
        }
        for replica in followers.keys where !newReplicas.contains(replica) { followers[replica] = nil }
        return advanceHighWatermark()
    }

    /// The controller committed our proposal; `isr` and `partitionEpoch` are the new state.
    public mutating func proposalCommitted(
        isr newISR: [String],
        partitionEpoch newEpoch: UInt64,
        now: Int64
    )
        -> [LeaderDirective]
    {
        partitionStateChanged(
            replicas: replicas,
            isr: newISR,
            leaderEpoch: leaderEpoch,
            partitionEpoch: newEpoch,
            now: now
        )
    }

    /// The controller refused the proposal based on `basedOnPartitionEpoch`; `controllerPartitionEpoch` is the
    /// partition epoch it had then. A transport failure is not a rejection (the core resends on `tick`), and the
    /// controller's checks must be deterministic, so a resent copy is refused alike.
    ///
    /// When the controller had moved past the base epoch, an earlier copy of the proposal may be what moved it (the
    /// answer to that copy can arrive later than this one): the proposal stays in the maximal ISR until a newer
    /// partition state arrives. Otherwise it is dropped, and the next proposal waits `isrProposalRetryMs`.
    public mutating func proposalRejected(
        basedOnPartitionEpoch basis: UInt64,
        controllerPartitionEpoch: UInt64,
        now: Int64
    ) -> [LeaderDirective] {
        guard var pending = pendingISR, pending.basedOnPartitionEpoch == basis else { return [] }
        if controllerPartitionEpoch > basis {
            pending.awaitingNewerState = true
            pendingISR = pending
            return []
        }
        pendingISR = nil
        nextProposalAllowedAt = now &+ config.isrProposalRetryMs
        return advanceHighWatermark()
    }

    // MARK: acks=all

    /// Whether an acks=all produce may be appended: the committed ISR must have `min.insync.replicas` members.
    public func canAcceptAcksAll(minInsyncReplicas: Int) -> AcksAllAdmission {
        isr.count >= minInsyncReplicas ? .accept : .notEnoughReplicas
    }

    /// Where an acks=all produce whose records end before `requiredOffset` (its last offset + 1) stands.
    public func acksAllCompletion(requiredOffset: Int64, minInsyncReplicas: Int) -> AcksAllCompletion {
        guard highWatermark >= requiredOffset else { return .waiting }
        return isr.count >= minInsyncReplicas ? .satisfied : .notEnoughReplicasAfterAppend
    }

    // MARK: High watermark

    /// The smallest log end offset over the maximal ISR; a member that has not fetched yet counts as -1.
    func computedHighWatermark() -> Int64 {
        var mark = logEndOffset
        for member in maximalISR where member != localReplica {
            mark = min(mark, followers[member]?.logEndOffset ?? -1)
        }
        return mark
    }

    /// Moves the high watermark up when the ISR allows; it never goes back.
    mutating func advanceHighWatermark() -> [LeaderDirective] {
        let candidate = computedHighWatermark()
        guard candidate > highWatermark else { return [] }
        highWatermark = candidate
        return [.highWatermarkAdvanced(candidate)]
    }
}
