import Gossip
import Log
import NIOCore
import Partitions
import Primitives
import Replication

extension LeaderEpochCache: LeaderEpochLookup {}

/// The replication shell: the `Replication` core decides (high watermark, ISR proposals, what a follower fetches
/// and where it truncates); this file feeds it the committed partition states, the followers' fetches and the
/// leader's appends, and carries out what it asks. Followers' requests go out over sealed broker links
/// (`KafkaBroker+ReplicaFetcher.swift`).
extension KafkaBroker {
    /// How often the replication core hears that time passed (lag checks, retries, backoffs).
    static let replicationTickInterval = TimeAmount.milliseconds(100)

    /// Starts replicating every partition the committed cluster state gives this broker, and keeps doing so.
    func startReplication() {
        links = BrokerLinks(shell: shell)
        replicaFetchObserver = { [unowned self] report, now in followerFetched(report, now: now) }
        for id in shell.node.partitions.partitionStates.keys.sorted() { partitionChanged(id) }
        scheduleReplicationTick()
    }

    /// Every this many ticks, each partition's role is checked against the committed state (`reconcileRoles`).
    static let reconcileEveryTicks = 10

    private func scheduleReplicationTick(_ tick: Int = 1) {
        eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: Self.replicationTickInterval) { [self] in
            guard !isStopped else { return }
            if tick % Self.reconcileEveryTicks == 0 { reconcileRoles() }
            apply(replication.tick(now: replicationNow()))
            scheduleReplicationTick(tick &+ 1)
        }
    }

    /// Brings each partition's replication role in line with the committed state this node holds. Change notices
    /// normally do this; this catches a state that reached the table without one (a CI run saw a restarted sole
    /// replica stay without a leader core, so its high watermark never moved and consumers saw nothing).
    func reconcileRoles() {
        let name = shell.core.name
        for (id, state) in shell.node.partitions.partitionStates {
            let isReplica = state.leader != nil && state.replicas.contains(name)
            let matches: Bool
            if let leader = replication.leaders[id] {
                matches =
                    isReplica && state.leader == name && leader.leaderEpoch == state.kafkaLeaderEpoch
                    && leader.partitionEpoch >= state.partitionEpoch
            } else if let follower = replication.followers[id] {
                matches = isReplica && state.leader == follower.leader && follower.leaderEpoch == state.kafkaLeaderEpoch
            } else {
                matches = !isReplica
            }
            if !matches { partitionChanged(id) }
        }
    }

    /// The replication core's clock: monotonic milliseconds.
    func replicationNow() -> Int64 { Self.millis(shell.now()) }

    static func millis(_ time: Timestamp) -> Int64 { time.nanoseconds / 1_000_000 }

    /// A partition's committed state changed (or was first seen): this broker leads it, follows it, or drops it.
    func partitionChanged(_ id: PartitionID) {
        guard !isStopped else { return }
        guard let state = shell.node.partitions.partitionStates[id], state.leader != nil,
            state.replicas.contains(shell.core.name)
        else {
            apply(replication.stop(id))
            return
        }
        let log: PartitionLog
        do {
            log = try localLog(for: state)
        } catch {
            logger.error("cannot open a replica's log", metadata: ["partition": "\(id)", "error": "\(error)"])
            return
        }
        let replica = ReplicaPartitionState(
            leader: state.leader,
            leaderEpoch: state.kafkaLeaderEpoch,
            partitionEpoch: state.partitionEpoch,
            replicas: state.replicas,
            isr: state.isr
        )
        let position = LocalLogPosition(
            logEndOffset: log.logEndOffset,
            highWatermark: log.highWatermark,
            latestEpoch: log.leaderEpochCache.latestEpoch
        )
        apply(replication.partitionStateChanged(id, state: replica, log: position, now: replicationNow()))
    }

    /// The leader appended to its log: with the ISR the leader alone, the high watermark follows at once.
    func leaderAppended(_ id: PartitionID, log: PartitionLog) {
        let directives = replication.withLeader(id) { $0.leaderAppended(logEndOffset: log.logEndOffset) } ?? []
        apply(directives.map { .leader(id, $0) })
    }

    /// Whether an acks=all produce may be appended: the committed ISR must be at least `min.insync.replicas`.
    func admitsAcksAll(_ state: PartitionState, minInsyncReplicas: Int) -> Bool {
        if replication.leaders[state.id] == nil { partitionChanged(state.id) }
        let admission = replication.withLeader(state.id) { $0.canAcceptAcksAll(minInsyncReplicas: minInsyncReplicas) }
        return (admission ?? (state.isr.count >= minInsyncReplicas ? .accept : .notEnoughReplicas)) == .accept
    }

    /// A follower fetched from this leader: the core counts its position and answers the high watermark.
    private func followerFetched(_ report: ReplicaFetchReport, now: Timestamp) -> Int64? {
        let outcome = replication.withLeader(report.partition) {
            $0.followerFetched(replica: report.replica, fetchOffset: report.fetchOffset, now: Self.millis(now))
        }
        guard let outcome else { return nil }
        apply(outcome.directives.map { .leader(report.partition, $0) })
        return outcome.rejection == nil ? outcome.highWatermark : nil
    }

    func apply(_ directives: [ReplicaManagerDirective<PartitionID>]) {
        for directive in directives {
            switch directive {
            case .becameLeader(let id, let epoch, let start):
                // The epoch enters the log's cache with its first append; until then OffsetForLeaderEpoch answers
                // for it from the log end (`PartitionLog.endOffset(forLeaderEpoch:leaderEpoch:)`).
                logger.info(
                    "leading a partition",
                    metadata: ["partition": "\(id)", "epoch": "\(epoch)", "start": "\(start)"]
                )
                waiters.partitionAdvanced(id)
            case .becameFollower(let id, let leader, let epoch):
                logger.info(
                    "following a partition",
                    metadata: ["partition": "\(id)", "leader": "\(leader)", "epoch": "\(epoch)"]
                )
                // acks=all waiters of an earlier leadership end now (their high watermark lookup finds no leader).
                waiters.partitionAdvanced(id)
            case .stopped(let id):
                waiters.partitionAdvanced(id)
            case .leader(let id, .highWatermarkAdvanced(let mark)):
                raiseHighWatermark(of: id, to: mark)
            case .leader(let id, .proposeISR(let isr, let basis, _)):
                proposeISR(id, isr: isr, basedOn: basis)
            case .follower(let id, let follower):
                applyFollower(id, follower)
            }
        }
    }

    /// Asks the controller for a new ISR (Kafka's AlterPartition). A commit arrives as a new partition state by
    /// gossip, which settles the proposal; only a refusal needs reporting here.
    private func proposeISR(_ id: PartitionID, isr: [String], basedOn basis: UInt64) {
        logger.info("proposing an ISR", metadata: ["partition": "\(id)", "isr": "\(isr)", "basis": "\(basis)"])
        shell.alterPartition(id, isr: isr).whenSuccess { [self] failure in
            guard let failure else { return }
            let controllerEpoch: UInt64
            switch failure {
            case .rejected(_, reason: .invalidUpdateVersion):
                // The controller had moved past our basis, maybe through an earlier copy of this very proposal.
                controllerEpoch = max(basis &+ 1, shell.node.partitions.partitionStates[id]?.partitionEpoch ?? 0)
            case .rejected:
                controllerEpoch = basis
            default:
                return  // not an answer (no controller, timed out): the core resends on its own
            }
            logger.info("ISR proposal refused", metadata: ["partition": "\(id)", "reason": "\(failure)"])
            let directives = replication.withLeader(id) {
                $0.proposalRejected(
                    basedOnPartitionEpoch: basis,
                    controllerPartitionEpoch: controllerEpoch,
                    now: replicationNow()
                )
            }
            apply((directives ?? []).map { .leader(id, $0) })
        }
    }
}
