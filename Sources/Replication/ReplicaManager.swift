/// A partition's state as replication needs it (from the controller's `PartitionState`; the leader epoch as Kafka
/// sees it, `kafkaLeaderEpoch`).
public struct ReplicaPartitionState: Hashable, Sendable {
    public var leader: String?
    public var leaderEpoch: Int32
    public var partitionEpoch: UInt64
    public var replicas: [String]
    public var isr: [String]

    public init(leader: String?, leaderEpoch: Int32, partitionEpoch: UInt64, replicas: [String], isr: [String]) {
        self.leader = leader
        self.leaderEpoch = leaderEpoch
        self.partitionEpoch = partitionEpoch
        self.replicas = replicas
        self.isr = isr
    }
}

/// The local log's position, read by the shell when a partition changes role.
public struct LocalLogPosition: Hashable, Sendable {
    public var logEndOffset: Int64
    public var highWatermark: Int64
    /// The newest epoch in the log's leader-epoch cache.
    public var latestEpoch: Int32?

    public init(logEndOffset: Int64, highWatermark: Int64, latestEpoch: Int32?) {
        self.logEndOffset = logEndOffset
        self.highWatermark = highWatermark
        self.latestEpoch = latestEpoch
    }
}

/// What the replica manager asks its shell to do, per partition.
public enum ReplicaManagerDirective<Partition: Hashable & Sendable>: Hashable, Sendable {
    /// This broker now leads the partition in `leaderEpoch`: record the epoch as starting at `startOffset` in the
    /// log's epoch cache before anything else (without it the leader cannot answer a follower's OffsetForLeaderEpoch
    /// about a newer epoch it never saw, and that follower could not rejoin).
    case becameLeader(Partition, leaderEpoch: Int32, startOffset: Int64)
    /// This broker now follows `leader` in `leaderEpoch`: fail any acks=all waiters it had as leader.
    case becameFollower(Partition, leader: String, leaderEpoch: Int32)
    /// This broker no longer replicates the partition (removed from its replicas, or the partition is offline).
    case stopped(Partition)
    case leader(Partition, LeaderDirective)
    case follower(Partition, FollowerDirective)
}

/// Every partition this broker replicates, as leader or follower, behind one entry point: partition states from the
/// controller decide each partition's role, and events are routed to its core.
public struct ReplicaManager<Partition: Hashable & Sendable>: Sendable {
    public let localReplica: String
    public let config: ReplicationConfig
    public private(set) var leaders: [Partition: LeaderReplication] = [:]
    public private(set) var followers: [Partition: FollowerReplication] = [:]
    /// Counts the follower cores created, so a late answer to a replaced core's request never matches.
    private var generations: UInt64 = 0

    public init(localReplica: String, config: ReplicationConfig = .default) {
        self.localReplica = localReplica
        self.config = config
    }

    /// A new partition state. Becomes leader, follower, or stops; within the same leader epoch, only the leader
    /// core cares (its ISR). A state of an older leader epoch than the running core's is ignored.
    public mutating func partitionStateChanged(
        _ partition: Partition,
        state: ReplicaPartitionState,
        log: LocalLogPosition,
        now: Int64
    ) -> [ReplicaManagerDirective<Partition>] {
        if let current = leaders[partition]?.leaderEpoch ?? followers[partition]?.leaderEpoch,
            state.leaderEpoch < current
        {
            return []
        }
        guard let leader = state.leader, state.replicas.contains(localReplica) else { return stop(partition) }
        if leader == localReplica { return lead(partition, state: state, log: log, now: now) }
        return follow(partition, leader: leader, state: state, log: log, now: now)
    }

    /// Forgets the partition (deleted, or this broker shuts down).
    public mutating func stop(_ partition: Partition) -> [ReplicaManagerDirective<Partition>] {
        let known = leaders.removeValue(forKey: partition) != nil || followers.removeValue(forKey: partition) != nil
        return known ? [.stopped(partition)] : []
    }

    private mutating func lead(
        _ partition: Partition,
        state: ReplicaPartitionState,
        log: LocalLogPosition,
        now: Int64
    ) -> [ReplicaManagerDirective<Partition>] {
        if var core = leaders[partition], core.leaderEpoch == state.leaderEpoch {
            let directives = core.partitionStateChanged(
                replicas: state.replicas,
                isr: state.isr,
                leaderEpoch: state.leaderEpoch,
                partitionEpoch: state.partitionEpoch,
                now: now
            )
            leaders[partition] = core
            return directives.map { .leader(partition, $0) }
        }
        followers[partition] = nil
        var core = LeaderReplication(
            localReplica: localReplica,
            replicas: state.replicas,
            isr: state.isr,
            leaderEpoch: state.leaderEpoch,
            partitionEpoch: state.partitionEpoch,
            logEndOffset: log.logEndOffset,
            highWatermark: log.highWatermark,
            now: now,
            config: config
        )
        // A leader alone in the ISR holds everything in its log: its mark moves to its end at once.
        let marks = core.advanceHighWatermark()
        leaders[partition] = core
        return [.becameLeader(partition, leaderEpoch: core.leaderEpoch, startOffset: core.leaderEpochStartOffset)]
            + marks.map { .leader(partition, $0) }
    }

    private mutating func follow(
        _ partition: Partition,
        leader: String,
        state: ReplicaPartitionState,
        log: LocalLogPosition,
        now: Int64
    ) -> [ReplicaManagerDirective<Partition>] {
        if let core = followers[partition], core.leader == leader, core.leaderEpoch == state.leaderEpoch {
            return []
        }
        leaders[partition] = nil
        generations &+= 1
        var core = FollowerReplication(
            leader: leader,
            leaderEpoch: state.leaderEpoch,
            logEndOffset: log.logEndOffset,
            highWatermark: log.highWatermark,
            generation: generations,
            config: config
        )
        let directives = core.start(latestLocalEpoch: log.latestEpoch, now: now)
        followers[partition] = core
        return [.becameFollower(partition, leader: leader, leaderEpoch: state.leaderEpoch)]
            + directives.map { .follower(partition, $0) }
    }

    // MARK: Routing

    /// Time passed, for every partition.
    public mutating func tick(now: Int64) -> [ReplicaManagerDirective<Partition>] {
        var directives: [ReplicaManagerDirective<Partition>] = []
        for (partition, var core) in leaders {
            directives += core.tick(now: now).map { .leader(partition, $0) }
            leaders[partition] = core
        }
        for (partition, var core) in followers {
            directives += core.tick(now: now).map { .follower(partition, $0) }
            followers[partition] = core
        }
        return directives
    }

    /// Runs `body` on the partition's leader core; nil when this broker does not lead it.
    public mutating func withLeader<Result>(
        _ partition: Partition,
        _ body: (inout LeaderReplication) -> Result
    ) -> Result? {
        guard var core = leaders[partition] else { return nil }
        let result = body(&core)
        leaders[partition] = core
        return result
    }

    /// Runs `body` on the partition's follower core; nil when this broker does not follow it.
    public mutating func withFollower<Result>(
        _ partition: Partition,
        _ body: (inout FollowerReplication) -> Result
    ) -> Result? {
        guard var core = followers[partition] else { return nil }
        let result = body(&core)
        followers[partition] = core
        return result
    }
}
