import Gossip
import Primitives

/// The controller's duties: leader failover from the ISR, ISR maintenance, preferred-leader election, controlled
/// shutdown and client requests (topics are in `+Topics`). Each runs only while this node holds the lease.
extension PartitionsInstance {
    /// One pass over every partition: drop dead replicas from ISRs and move leaderships off dead brokers, publishing
    /// at most `maxElectionsPerPass` changes (the rest follow in the next pass).
    mutating func reconcile(_ out: inout [PartitionsDirective], now: Timestamp, members: some MembershipView) {
        var changes = 0
        for id in workingIDs {
            guard let state = working(id), belongsToKnownTopic(state),
                let updated = reconciled(state, members: members),
                updated != state
            else { continue }
            publish(updated, &out)
            changes += 1
            if changes == configuration.maxElectionsPerPass {
                out.append(.schedule(.reconcile, after: .zero))
                return
            }
        }
    }

    /// The partition state this controller wants, or nil when it needs no change.
    func reconciled(_ state: PartitionState, members: some MembershipView) -> PartitionState? {
        var next = state
        let liveISR = state.isr.filter { isAlive($0, in: members) && !shuttingDown.contains($0) }
        if let leader = state.leader, isAlive(leader, in: members), !shuttingDown.contains(leader) {
            // The leader stays; the ISR loses members that died.
            next.isr = liveISR.contains(leader) ? liveISR : [leader] + liveISR
        } else if let successor = state.replicas.first(where: { liveISR.contains($0) }) {
            // Kafka's rule: the first replica in assignment order that is alive and in the ISR.
            next.leader = successor
            next.isr = liveISR
        } else if configuration.uncleanLeaderElection,
            let anyLive = state.replicas.first(where: { isAlive($0, in: members) && !shuttingDown.contains($0) })
        {
            next.leader = anyLive
            next.isr = [anyLive]
        } else {
            // Offline: keep the last ISR so a returning in-sync replica can lead without losing data.
            next.leader = nil
            if state.leader != nil && !liveISR.isEmpty { next.isr = liveISR }
        }
        next.isr = next.replicas.filter(next.isr.contains)
        return next == state ? nil : next
    }

    /// Proposes a new version of a partition under our controller epoch (it takes effect once committed). `base` is
    /// the state it follows when that is not the controller's current view (a state gathered from the voters).
    /// Returns the proposal's position, or nil when it took effect at once.
    @discardableResult
    mutating func publish(
        _ changed: PartitionState,
        _ out: inout [PartitionsDirective],
        after base: PartitionState? = nil
    ) -> UInt64? {
        var state = changed
        // A re-created topic's partition continues the version and leader epoch of the deleted one it replaces.
        let previous = base ?? working(state.id) ?? hiddenPartitionStates[state.id]
        // A new leader, or our first change to this partition in our term (or in this topic incarnation), starts a
        // new leader epoch under our term (see `LeaderEpoch`: a predecessor's last changes may never have reached us).
        let previousEpoch = previous?.leaderEpoch ?? .none
        if previous?.leader != state.leader || previousEpoch.term != holder.epoch
            || previous?.topicIncarnation != state.topicIncarnation
        {
            state.leaderEpoch = LeaderEpoch(term: holder.epoch, number: previousEpoch.number &+ 1)
        }
        state.controllerEpoch = holder.epoch
        state.partitionEpoch = (previous?.partitionEpoch ?? 0) &+ 1
        return propose(state, &out)
    }

    /// Runs a client request as the controller; returns why it was refused, or nil.
    mutating func perform(
        _ request: ControllerRequest,
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) -> RequestFailure? {
        switch request {
        case .createTopic(let topic, let partitions, let replicationFactor, let configs):
            return createTopic(
                topic,
                partitions: partitions,
                replicationFactor: replicationFactor,
                configs: configs,
                &out,
                members: members
            )
        case .deleteTopic(let topic):
            return deleteTopic(topic, &out)
        case .electPreferredLeaders:
            electPreferredLeaders(&out, now: now, members: members, onlyAfterDelay: false)
            return nil
        case .controlledShutdown(let broker):
            shuttingDown.insert(broker)
            reconcile(&out, now: now, members: members)
            return nil
        }
    }

    /// Moves leadership back to each partition's preferred replica when it is alive and in sync.
    mutating func electPreferredLeaders(
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView,
        onlyAfterDelay: Bool
    ) {
        for id in workingIDs {
            guard var state = working(id), belongsToKnownTopic(state), let preferred = state.preferredLeader else {
                continue
            }
            let ready =
                state.leader != preferred && state.isr.contains(preferred) && isAlive(preferred, in: members)
                && !shuttingDown.contains(preferred)
            guard ready else {
                preferredReadySince[id] = nil
                continue
            }
            if onlyAfterDelay {
                guard let delay = configuration.preferredLeaderDelay else { continue }
                let since = preferredReadySince[id] ?? now
                preferredReadySince[id] = since
                guard now - since >= delay else { continue }
            }
            preferredReadySince[id] = nil
            state.leader = preferred
            publish(state, &out)
        }
    }

    mutating func electPreferredLeadersIfDue(
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) {
        guard configuration.preferredLeaderDelay != nil else { return }
        electPreferredLeaders(&out, now: now, members: members, onlyAfterDelay: true)
    }

    // MARK: Replica side

    /// A replica that follows the current leader epoch but is not in the ISR tells the controller so.
    mutating func acknowledgeIfFollowing(_ state: PartitionState, _ out: inout [PartitionsDirective]) {
        guard configuration.rejoinsISRWithoutData, state.leader != nil, state.replicas.contains(name),
            !state.isr.contains(name), !isLeaving, let controller = lastView.controller
        else { return }
        out.append(
            .send(.replicaCaughtUp(replica: name, partition: state.id, leaderEpoch: state.leaderEpoch), to: controller)
        )
    }

    mutating func acknowledgeFollowedPartitions(_ out: inout [PartitionsDirective]) {
        for id in partitionStates.keys.sorted() {
            if let state = partitionStates[id] { acknowledgeIfFollowing(state, &out) }
        }
    }
}

/// Kafka's topic-name rules. Public so the RPC can refuse a malformed request before asking the controller.
public enum TopicName {
    public static let maxLength = 200
    public static let maxPartitions = 10_000

    public static func problem(with name: String) -> String? {
        if name.isEmpty { return "topic name must not be empty" }
        if name.utf8.count > maxLength { return "topic name must be at most \(maxLength) characters" }
        if name == "." || name == ".." { return "topic name cannot be '.' or '..'" }
        let allowed = name.unicodeScalars.allSatisfy {
            ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9")
                || "._-".unicodeScalars.contains($0)
        }
        return allowed ? nil : "topic name may contain only ASCII letters, digits, '.', '_' and '-'"
    }
}
