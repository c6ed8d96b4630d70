import Gossip
import Primitives

/// The commit rule for partition states (docs/controller-lease.md, "Committing partition states"): the controller
/// proposes, a majority of voters stores durably, and only then is a change published and acted on; a new
/// controller first gathers what a majority of voters stored.
extension PartitionsInstance {
    // MARK: Controller: proposing and committing

    /// The controller's current view of a partition: its newest proposal, else the committed state.
    func working(_ id: PartitionID) -> PartitionState? {
        commit.proposals[id]?.state ?? partitionStates[id]
    }

    /// Every partition the controller knows of or is creating, sorted.
    var workingIDs: [PartitionID] {
        guard !commit.proposals.isEmpty else { return partitionStates.keys.sorted() }
        return Set(partitionStates.keys).union(commit.proposals.keys).sorted()
    }

    /// Whether this candidate must still gather the voters' stored states before acting under `epoch`.
    func needsGather(for epoch: UInt64) -> Bool {
        configuration.commitsThroughVoters && gatheredEpoch != epoch
    }

    /// Hands a stamped change to the commit pipeline (or, without the commit rule, makes it take effect at once).
    /// Returns the position it was proposed at, or nil when it took effect at once.
    @discardableResult
    mutating func propose(_ state: PartitionState, _ out: inout [PartitionsDirective]) -> UInt64? {
        guard configuration.commitsThroughVoters else {
            takeEffect(state, &out)
            return nil
        }
        let position = commit.propose(state)
        if !commit.flushScheduled {
            commit.flushScheduled = true
            out.append(.schedule(.flushProposals, after: configuration.commitLinger))
        }
        return position
    }

    /// A committed change: into the table, and out through gossip.
    mutating func takeEffect(_ state: PartitionState, _ out: inout [PartitionsDirective]) {
        partitionStateArrived(state, &out)
        out.append(.publish(StateEntry(key: state.stateKey, version: state.version, value: state.encoded())))
    }

    /// Sends every voter the proposals it has not been sent (one batch per linger, several pages when large).
    mutating func flushProposals(_ out: inout [PartitionsDirective], now: Timestamp, members: some MembershipView) {
        commit.flushScheduled = false
        guard isActingController(at: now), commit.epoch == holder.epoch else { return }
        for voterName in configuration.voters where voterName == name || isAlive(voterName, in: members) {
            for batch in commit.batches(for: voterName) {
                let message = ControlMessage.storeStates(
                    controller: name,
                    epoch: commit.epoch,
                    from: batch.from,
                    through: batch.through,
                    states: batch.states
                )
                emit(message, to: voterName, &out, now: now, members: members)
            }
        }
    }

    /// Once a tick: batches that were not acknowledged (lost, or rejected for a gap) are sent again.
    mutating func resendUnacknowledged(_ out: inout [PartitionsDirective], now: Timestamp, members: some MembershipView)
    {
        guard isActingController(at: now), commit.epoch == holder.epoch, commit.hasUnsent else { return }
        for voterName in configuration.voters {
            commit.sentThrough[voterName] = commit.acked[voterName] ?? 0
        }
        flushProposals(&out, now: now, members: members)
    }

    /// Publishes what a majority has stored and answers the AlterPartition requests it settles.
    mutating func advanceCommit(_ out: inout [PartitionsDirective], now: Timestamp, members: some MembershipView) {
        guard isActingController(at: now), commit.epoch == holder.epoch else { return }
        let position = commit.majorityPosition(voters: configuration.voters, majority: configuration.majority)
        for state in commit.takeCommitted(through: position) { takeEffect(state, &out) }
        for waiter in commit.takeAnswered() {
            emit(.response(id: waiter.request, error: nil), to: waiter.origin, &out, now: now, members: members)
        }
    }

    mutating func storeAcknowledged(
        by voterName: String,
        epoch: UInt64,
        through: UInt64,
        stored: Bool,
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) {
        guard epoch == commit.epoch, configuration.voters.contains(voterName) else { return }
        // Nobody can have stored beyond what was proposed; a claim past that must not commit anything.
        let through = min(through, commit.lastPosition)
        if stored {
            commit.acked[voterName] = max(commit.acked[voterName] ?? 0, through)
            advanceCommit(&out, now: now, members: members)
        } else {
            // A gap (a page was lost): start again from what the voter has.
            commit.acked[voterName] = max(commit.acked[voterName] ?? 0, through)
            commit.sentThrough[voterName] = commit.acked[voterName]
        }
    }

    // MARK: Controller: a new term

    /// The first moment of acting under a new epoch: start a fresh pipeline from the newest states a majority of
    /// voters stored. A gathered state newer than the table is proposed again under this term, so it is committed
    /// (and published) before anyone acts on it.
    mutating func beginTerm(_ out: inout [PartitionsDirective]) {
        guard commit.epoch != holder.epoch else { return }
        commit = CommitPipeline(epoch: holder.epoch)
        guard configuration.commitsThroughVoters else { return }
        gatheredEpoch = holder.epoch
        let gathered = gather.states
        gather = StateGather(epoch: 0)
        for id in gathered.keys.sorted() {
            guard let state = gathered[id] else { continue }
            let known = partitionStates[id] ?? hiddenPartitionStates[id]
            guard known.map({ state.version > $0.version }) ?? true else { continue }
            if belongsToKnownTopic(state) {
                publish(state, &out, after: state)
            } else {
                hiddenPartitionStates[id] = state
            }
        }
    }

    // MARK: Voter side

    /// A store batch from a controller: kept when its epoch is current and it joins what this voter stored without
    /// a gap, and acknowledged once durable.
    mutating func storeBatch(
        from controller: String,
        epoch: UInt64,
        from start: UInt64,
        through: UInt64,
        states: [PartitionState],
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) {
        guard var voter else { return }
        let stale =
            epoch < voter.highestEpoch
            || (epoch == voter.highestEpoch && voter.highestEpochOwner.map { $0 != controller } ?? false)
        if stale {
            let refusal = ControlMessage.storeAck(
                voter: name,
                controller: controller,
                epoch: epoch,
                through: 0,
                stored: false,
                highestEpoch: voter.highestEpoch
            )
            emit(refusal, to: controller, &out, now: now, members: members)
            return
        }
        voter.observe(epoch: epoch, owner: controller)
        self.voter = voter
        saveVoter()
        if epoch > voterRecord.storeEpoch {
            voterRecord.storeEpoch = epoch
            voterRecord.storedThrough = 0
            recordDirty = true
        }
        let joins = start <= voterRecord.storedThrough
        if joins {
            for state in states where voterRecord.store(state) { recordDirty = true }
            if through > voterRecord.storedThrough {
                voterRecord.storedThrough = through
                recordDirty = true
            }
        }
        let ack = ControlMessage.storeAck(
            voter: name,
            controller: controller,
            epoch: epoch,
            through: voterRecord.storedThrough,
            stored: joins,
            highestEpoch: voter.highestEpoch
        )
        if joins {
            holdUntilDurable(ack, to: controller, &out, now: now, members: members)
        } else {
            emit(ack, to: controller, &out, now: now, members: members)
        }
    }

    /// Copies the voter's grant and epoch floor into the record, marking it for persisting when they changed.
    mutating func saveVoter() {
        guard let voter else { return }
        var record = voterRecord
        voter.save(into: &record)
        if record.grantedTo != voterRecord.grantedTo || record.grantedEpoch != voterRecord.grantedEpoch
            || record.highestEpoch != voterRecord.highestEpoch
            || record.highestEpochOwner != voterRecord.highestEpochOwner
        {
            voterRecord.grantedTo = record.grantedTo
            voterRecord.grantedEpoch = record.grantedEpoch
            voterRecord.highestEpoch = record.highestEpoch
            voterRecord.highestEpochOwner = record.highestEpochOwner
            recordDirty = true
        }
    }

    /// Sends `message` once the record as it is now is durable (at once when nothing is waiting to be written).
    mutating func holdUntilDurable(
        _ message: ControlMessage,
        to recipient: String,
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) {
        if !recordDirty && recordTicket <= persistedTicket {
            emit(message, to: recipient, &out, now: now, members: members)
        } else {
            // Waiting on a write handed over earlier that may have failed: ask for it again, so a retried request
            // is not held for good.
            if !recordDirty { recordDirty = true }
            heldUntilDurable.append((recordTicket + 1, message, recipient))
            // A disk that never finishes must not grow this without bound; a dropped answer is only never sent.
            if heldUntilDurable.count > 1024 { heldUntilDurable.removeFirst(heldUntilDurable.count - 1024) }
        }
    }

    /// Asks the shell to write the record if it changed in this event.
    mutating func persistIfChanged(_ out: inout [PartitionsDirective]) {
        guard recordDirty else { return }
        recordDirty = false
        recordTicket += 1
        out.append(.persist(voterRecord, ticket: recordTicket))
    }

    /// The shell wrote the record of `ticket` durably: send what waited for it.
    public mutating func voterRecordPersisted(
        ticket: UInt64,
        now: Timestamp,
        members: some MembershipView
    ) -> [PartitionsDirective] {
        var out: [PartitionsDirective] = []
        guard ticket > persistedTicket else { return out }
        persistedTicket = ticket
        let ready = heldUntilDurable.filter { $0.ticket <= ticket }
        heldUntilDurable.removeAll { $0.ticket <= ticket }
        for item in ready { emit(item.message, to: item.recipient, &out, now: now, members: members) }
        persistIfChanged(&out)
        return out
    }

    /// Sends a control message; one to this node itself is handled here at once.
    mutating func emit(
        _ message: ControlMessage,
        to recipient: String,
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) {
        if recipient == name {
            handle(message, &out, now: now, members: members)
        } else {
            out.append(.send(message, to: recipient))
        }
    }
}
