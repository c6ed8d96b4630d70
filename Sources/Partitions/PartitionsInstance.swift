import Gossip
import Primitives

/// The controller, lease and partition-state logic as a pure state machine.
///
/// Every node runs one. Voters grant leases; the voter holding a majority's lease is the controller, fenced by a
/// strictly higher controller epoch; it moves partition leaders to in-sync replicas when brokers fail and publishes
/// the new partition states through gossip's replicated cluster state. It owns no socket or clock.
public struct PartitionsInstance: Sendable {
    public let name: String
    public let configuration: PartitionsConfiguration
    var rng: SeededRandom
    var voter: LeaseVoter?
    var holder = LeaseHolder()
    var ownMetadata: NodeMetadata
    var isLeaving = false

    /// The partition table: states of topics that exist (or that this node has not heard the definition of yet).
    public internal(set) var partitionStates: [PartitionID: PartitionState] = [:]
    /// Topics that exist, by name.
    public internal(set) var topics: [String: TopicDefinition] = [:]
    /// Tombstones of deleted topics, by name; a name is in `topics` or here, never both.
    public internal(set) var deletedTopics: [String: TopicDefinition] = [:]
    /// The newest states of partitions of deleted topics or of another incarnation: out of the table, kept so a
    /// re-created topic's partitions continue their versions and leader epochs.
    var hiddenPartitionStates: [PartitionID: PartitionState] = [:]
    var announcement: (value: ControllerAnnouncement, version: StateVersion, localExpiry: Timestamp)?
    var lastAnnouncedAt: Timestamp?
    var announceSequence: UInt64 = 0
    /// When this node first noticed there was no valid controller.
    var noControllerSince: Timestamp?
    var standGeneration: UInt64 = 0
    var lastView = ControllerView(controller: nil, epoch: 0, leaseRemaining: nil)
    var nextRequestID: UInt64 = 0
    var pendingRequests: Set<UInt64> = []
    /// Brokers in controlled shutdown: not chosen as leaders, not re-added to ISRs.
    var shuttingDown: Set<String> = []
    /// Since when each partition's preferred replica has been in sync but not leading.
    var preferredReadySince: [PartitionID: Timestamp] = [:]
    /// The controller's changes on their way to a majority of voters (see `+Commit`).
    var commit = CommitPipeline(epoch: 0)
    /// As a candidate: the stored states granting voters sent; and the epoch whose gather is done.
    var gather = StateGather(epoch: 0)
    var gatheredEpoch: UInt64 = 0
    /// As a voter: what must survive a restart, whether it changed since last handed to the shell, and the tickets
    /// of the newest record handed over and the newest one the shell reported durable.
    public internal(set) var voterRecord: VoterRecord
    var recordDirty = false
    var recordTicket: UInt64 = 0
    var persistedTicket: UInt64 = 0
    /// Grants and acknowledgements waiting until the record they depend on is durable.
    var heldUntilDurable: [(ticket: UInt64, message: ControlMessage, recipient: String)] = []
    /// The highest controller epoch this node has heard of from replies.
    var observedEpoch: UInt64 = 0

    public init(
        name: String,
        metadata: NodeMetadata,
        configuration: PartitionsConfiguration,
        seed: UInt64,
        now: Timestamp,
        voterRecord: VoterRecord? = nil
    ) {
        self.name = name
        self.ownMetadata = metadata
        self.configuration = configuration
        self.rng = SeededRandom(seed: seed)
        self.voterRecord = voterRecord ?? VoterRecord()
        if configuration.voters.contains(name) {
            voter = LeaseVoter(startedAt: now, configuration: configuration, restoring: voterRecord)
        }
    }

    public var isVoter: Bool { voter != nil }

    /// True while this node holds a valid lease and may change partition states.
    public func isActingController(at now: Timestamp) -> Bool {
        holder.isActing(at: now)
    }

    /// The controller epoch this node acts (or last tried to act) under.
    public var controllerEpoch: UInt64 { holder.epoch }

    public func controllerView(at now: Timestamp, members: some MembershipView) -> ControllerView {
        if let until = holder.actingUntil, now < until {
            return ControllerView(controller: name, epoch: holder.epoch, leaseRemaining: until - now)
        }
        if let known = announcement, now < known.localExpiry, known.value.controller != name,
            isAlive(known.value.controller, in: members), !grantLapsed(for: known.value, at: now)
        {
            // Announcements come once per announce interval and the controller renews in between, so the lease
            // it last announced is the best estimate until the announcement itself goes stale.
            return ControllerView(
                controller: known.value.controller,
                epoch: known.value.epoch,
                leaseRemaining: min(known.value.leaseRemaining, known.localExpiry - now)
            )
        }
        return ControllerView(
            controller: nil,
            epoch: max(holder.epoch, announcement?.value.epoch ?? 0),
            leaseRemaining: nil
        )
    }

    /// Partition states sorted by topic and partition, optionally of one topic.
    public func partitions(topic: String? = nil) -> [PartitionState] {
        partitionStates.values.filter { topic == nil || $0.id.topic == topic }.sorted { $0.id < $1.id }
    }

    // MARK: Events

    public mutating func start(now: Timestamp) -> [PartitionsDirective] {
        // A random phase keeps the ticks of nodes started together apart.
        let phase = configuration.renewInterval.scaled(by: Double.random(in: 0..<1, using: &rng))
        return [.schedule(.tick, after: phase)]
    }

    /// Gossip reported a member's change; `members` already shows it.
    public mutating func memberChanged(
        _ change: MemberChange,
        now: Timestamp,
        members: some MembershipView
    ) -> [PartitionsDirective] {
        let member = change.member
        guard member.name != name else { return [] }
        if !member.status.isActive { shuttingDown.remove(member.name) }
        var out: [PartitionsDirective] = []
        let livenessChanged = (change.previousStatus?.isActive ?? false) != member.status.isActive
        if livenessChanged && isActingController(at: now) {
            reconcile(&out, now: now, members: members)
        }
        noteControllerView(&out, now: now, members: members)
        return out
    }

    /// Gossip accepted a newer cluster-state value.
    public mutating func stateChanged(
        _ entry: StateEntry,
        now: Timestamp,
        members: some MembershipView
    ) -> [PartitionsDirective] {
        var out: [PartitionsDirective] = []
        if entry.key == StateKeys.controller {
            guard let value = try? ControllerAnnouncement(decoding: entry.value) else { return [] }
            // Trusted for two announce intervals, so one announcement lost on the way does not blank the view.
            announcement = (value, entry.version, now + value.leaseRemaining + configuration.announceInterval * 2)
            voter?.observe(epoch: value.epoch, owner: value.controller)
            if value.epoch > holder.epoch && holder.isActing(at: now) {
                // Someone holds a newer epoch: we must not act any longer (fencing).
                holder.relinquish()
            }
            noteControllerView(&out, now: now, members: members)
        } else if entry.key.hasPrefix(StateKeys.topicPrefix) {
            guard let topic = try? TopicDefinition(decoding: entry.value), StateKeys.topic(topic.name) == entry.key
            else { return [] }
            topicDefinitionArrived(topic, &out)
            voter?.observe(epoch: topic.controllerEpoch, owner: nil)
        } else if entry.key.hasPrefix(StateKeys.partitionPrefix) {
            guard let state = try? PartitionState(decoding: entry.value), state.stateKey == entry.key else { return [] }
            voter?.observe(epoch: state.controllerEpoch, owner: nil)
            partitionStateArrived(state, &out)
        }
        return out
    }

    public mutating func receive(
        _ message: ControlMessage,
        now: Timestamp,
        members: some MembershipView
    ) -> [PartitionsDirective] {
        var out: [PartitionsDirective] = []
        handle(message, &out, now: now, members: members)
        persistIfChanged(&out)
        return out
    }

    mutating func handle(
        _ message: ControlMessage,
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) {
        switch message {
        case .leaseRequest(let candidate, let epoch, let request):
            considerLease(
                for: candidate,
                epoch: epoch,
                request: request,
                withStates: false,
                &out,
                now: now,
                members: members
            )
        case .leaseRequestWithStates(let candidate, let epoch, let request):
            considerLease(
                for: candidate,
                epoch: epoch,
                request: request,
                withStates: true,
                &out,
                now: now,
                members: members
            )
        case .leaseReply(let voterName, let candidate, let epoch, let request, let granted, let highestEpoch):
            guard candidate == name else { break }
            voter?.observe(epoch: highestEpoch, owner: nil)
            observedEpoch = max(observedEpoch, highestEpoch)
            guard granted else { break }
            if needsGather(for: epoch) && !gather.complete.contains(voterName) {
                // Counted once this voter's stored states have all arrived.
                if gather.epoch == epoch { gather.grantsWaiting[voterName] = request }
            } else {
                recordGrant(from: voterName, epoch: epoch, request: request, &out, now: now, members: members)
            }
        case .grantedStates(let voterName, let candidate, let epoch, let request, let page, let pageCount, let states):
            guard candidate == name, epoch == holder.epoch, gather.epoch == epoch, needsGather(for: epoch),
                configuration.voters.contains(voterName)
            else { break }
            let completed = gather.receive(
                from: voterName,
                request: request,
                page: page,
                pageCount: pageCount,
                states: states
            )
            if completed, let granted = gather.grantsWaiting.removeValue(forKey: voterName) {
                recordGrant(from: voterName, epoch: epoch, request: granted, &out, now: now, members: members)
            }
        case .storeStates(let controller, let epoch, let from, let through, let states):
            storeBatch(
                from: controller,
                epoch: epoch,
                from: from,
                through: through,
                states: states,
                &out,
                now: now,
                members: members
            )
        case .storeAck(let voterName, let controller, let epoch, let through, let stored, let highestEpoch):
            guard controller == name else { break }
            voter?.observe(epoch: highestEpoch, owner: nil)
            observedEpoch = max(observedEpoch, highestEpoch)
            if highestEpoch > holder.epoch && holder.isActing(at: now) {
                // A voter promised a newer epoch: this controller can commit nothing more (fencing).
                holder.relinquish()
            }
            storeAcknowledged(
                by: voterName,
                epoch: epoch,
                through: through,
                stored: stored,
                &out,
                now: now,
                members: members
            )
        case .alterPartition(let id, let origin, let request):
            alterPartitionArrived(id: id, origin: origin, request, &out, now: now, members: members)
        case .request(let id, let origin, let request):
            let error: RequestFailure?
            if isActingController(at: now) {
                error = perform(request, &out, now: now, members: members)
            } else {
                error = .notController(name)
            }
            out.append(.send(.response(id: id, error: error), to: origin))
        case .response(let id, let error):
            if pendingRequests.remove(id) != nil { out.append(.requestCompleted(id: id, error: error)) }
        case .replicaCaughtUp(let replica, let partition, let leaderEpoch):
            guard isActingController(at: now), var state = working(partition), state.leader != nil,
                state.leaderEpoch == leaderEpoch, state.replicas.contains(replica), !state.isr.contains(replica),
                isAlive(replica, in: members), !shuttingDown.contains(replica)
            else { break }
            state.isr.append(replica)
            state.isr = state.replicas.filter(state.isr.contains)
            publish(state, &out)
        }
    }

    public mutating func timerFired(
        _ timer: PartitionsTimer,
        now: Timestamp,
        members: some MembershipView
    ) -> [PartitionsDirective] {
        var out: [PartitionsDirective] = []
        switch timer {
        case .tick:
            tick(&out, now: now, members: members)
            out.append(.schedule(.tick, after: configuration.renewInterval))
        case .reconcile:
            if isActingController(at: now) { reconcile(&out, now: now, members: members) }
        case .stand(let generation):
            stand(generation: generation, &out, now: now, members: members)
        case .requestTimeout(let id):
            if pendingRequests.remove(id) != nil {
                out.append(.requestCompleted(id: id, error: .timedOut))
            }
        case .flushProposals:
            flushProposals(&out, now: now, members: members)
        }
        persistIfChanged(&out)
        return out
    }

    /// Submits a request to the controller (here, or forwarded). The answer comes as `.requestCompleted(id:)`.
    public mutating func submit(
        _ request: ControllerRequest,
        now: Timestamp,
        members: some MembershipView
    ) -> (id: UInt64, directives: [PartitionsDirective]) {
        nextRequestID += 1
        let id = nextRequestID
        var out: [PartitionsDirective] = []
        if case .createTopic(let topic, _, _, let configs) = request,
            let problem = TopicDefinition.configProblem(name: topic, configs: configs)
        {
            // Refused here, so configs too large for a datagram are never forwarded.
            out.append(.requestCompleted(id: id, error: .rejected(problem, reason: .invalidConfig)))
        } else if isActingController(at: now) {
            let error = perform(request, &out, now: now, members: members)
            out.append(.requestCompleted(id: id, error: error))
        } else if let controller = controllerView(at: now, members: members).controller {
            pendingRequests.insert(id)
            out.append(.send(.request(id: id, origin: name, request), to: controller))
            out.append(.schedule(.requestTimeout(id: id), after: configuration.leaseDuration * 2))
        } else {
            out.append(.requestCompleted(id: id, error: .noController))
        }
        persistIfChanged(&out)
        return (id, out)
    }

    /// Stops standing for controller and stops acting (the node is leaving).
    public mutating func prepareToLeave() {
        isLeaving = true
        holder.relinquish()
    }

    // MARK: Membership helpers

    func isAlive(_ member: String, in members: some MembershipView) -> Bool {
        if member == name { return !isLeaving }
        return members.activeMetadata(of: member) != nil
    }

    func roles(of member: String, in members: some MembershipView) -> NodeMetadata? {
        member == name ? ownMetadata : members.activeMetadata(of: member)
    }
}
