import Gossip
import Primitives

/// The lease: answering lease requests as a voter, standing and renewing as a candidate or controller, and the
/// announcements and controller view that follow from it.
extension PartitionsInstance {
    /// A voter's answer to a lease request; a grant (and the stored states sent with it) only once it is durable.
    mutating func considerLease(
        for candidate: String,
        epoch: UInt64,
        request: UInt64,
        withStates: Bool,
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) {
        // A rival's candidacy raises the epoch this node would stand with, refused or not.
        if candidate != name { observedEpoch = max(observedEpoch, epoch) }
        guard var voter else { return }
        let granted = voter.consider(candidate: candidate, epoch: epoch, now: now, configuration: configuration)
        self.voter = voter
        let reply = ControlMessage.leaseReply(
            voter: name,
            candidate: candidate,
            epoch: epoch,
            request: request,
            granted: granted,
            highestEpoch: voter.highestEpoch
        )
        guard granted else {
            emit(reply, to: candidate, &out, now: now, members: members)
            return
        }
        saveVoter()
        holdUntilDurable(reply, to: candidate, &out, now: now, members: members)
        guard withStates else { return }
        let stored = voterRecord.states.keys.sorted().compactMap { voterRecord.states[$0] }
        let pages = ControlMessage.pages(of: stored)
        for (index, page) in pages.enumerated() {
            let message = ControlMessage.grantedStates(
                voter: name,
                candidate: candidate,
                epoch: epoch,
                request: request,
                page: UInt32(index),
                pageCount: UInt32(pages.count),
                states: page
            )
            holdUntilDurable(message, to: candidate, &out, now: now, members: members)
        }
    }

    var highestKnownEpoch: UInt64 {
        var highest = max(holder.epoch, observedEpoch, announcement?.value.epoch ?? 0)
        if let voter { highest = max(highest, voter.highestEpoch) }
        for state in partitionStates.values { highest = max(highest, state.controllerEpoch) }
        for state in hiddenPartitionStates.values { highest = max(highest, state.controllerEpoch) }
        return highest
    }

    mutating func tick(_ out: inout [PartitionsDirective], now: Timestamp, members: some MembershipView) {
        if isActingController(at: now) {
            requestLease(epoch: holder.epoch, &out, now: now, members: members)
            resendUnacknowledged(&out, now: now, members: members)
            advanceCommit(&out, now: now, members: members)
            announceIfDue(&out, now: now)
            reconcile(&out, now: now, members: members)
            electPreferredLeadersIfDue(&out, now: now, members: members)
        } else if holder.actingUntil != nil, holder.epoch >= (announcement?.value.epoch ?? 0), !isLeaving {
            // Our lease lapsed (renewals went unanswered): keep asking under the same epoch.
            requestLease(epoch: holder.epoch, &out, now: now, members: members)
        }
        acknowledgeFollowedPartitions(&out)
        noteControllerView(&out, now: now, members: members)
    }

    /// Schedules this voter's candidacy: lower-ranked alive voters go first and everyone adds jitter, so
    /// candidates rarely split the vote; a failed candidacy backs off for a random time of about one lease.
    mutating func scheduleCandidacy(after base: Duration, _ out: inout [PartitionsDirective]) {
        guard isVoter, !isLeaving else { return }
        standGeneration += 1
        let jitter = configuration.renewInterval.scaled(by: Double.random(in: 0..<1, using: &rng))
        out.append(.schedule(.stand(generation: standGeneration), after: base + jitter))
    }

    mutating func stand(
        generation: UInt64,
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) {
        guard generation == standGeneration, !isLeaving, controllerView(at: now, members: members).controller == nil,
            let voter
        else { return }
        if voter.isFree(for: name, now: now, configuration: configuration) {
            requestLease(epoch: highestKnownEpoch + 1, &out, now: now, members: members)
            let backoff = configuration.leaseDuration.scaled(by: 1 + Double.random(in: 0..<1, using: &rng))
            scheduleCandidacy(after: backoff, &out)
        } else {
            let aliveVoters = configuration.voters.filter { isAlive($0, in: members) }
            let rank = aliveVoters.firstIndex(of: name) ?? aliveVoters.count
            scheduleCandidacy(after: configuration.renewInterval * (rank + 1), &out)
        }
    }

    mutating func requestLease(
        epoch: UInt64,
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) {
        let request = holder.beginRequest(epoch: epoch, now: now)
        if gather.epoch != epoch { gather = StateGather(epoch: epoch) }
        let message =
            needsGather(for: epoch)
            ? ControlMessage.leaseRequestWithStates(candidate: name, epoch: epoch, request: request)
            : .leaseRequest(candidate: name, epoch: epoch, request: request)
        for voterName in configuration.voters where voterName == name || isAlive(voterName, in: members) {
            // This node's own vote goes through the same rules, durability included.
            if voterName != name || voter != nil { emit(message, to: voterName, &out, now: now, members: members) }
        }
    }

    mutating func recordGrant(
        from voterName: String,
        epoch: UInt64,
        request: UInt64,
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) {
        let wasActing = isActingController(at: now)
        guard holder.recordGrant(from: voterName, epoch: epoch, request: request, configuration: configuration),
            !wasActing, isActingController(at: now)
        else { return }
        // A new term: start from what the voters stored, announce it and take stock of every partition at once.
        beginTerm(&out)
        announceIfDue(&out, now: now, force: true)
        advanceCommit(&out, now: now, members: members)
        reconcile(&out, now: now, members: members)
        noteControllerView(&out, now: now, members: members)
    }

    mutating func announceIfDue(_ out: inout [PartitionsDirective], now: Timestamp, force: Bool = false) {
        guard let until = holder.actingUntil, now < until else { return }
        // Renewals go to the voters every renew interval; the whole cluster hears about it less often.
        if !force, let last = lastAnnouncedAt, now - last < configuration.announceInterval.scaled(by: 0.95) { return }
        lastAnnouncedAt = now
        announceSequence += 1
        let value = ControllerAnnouncement(controller: name, epoch: holder.epoch, leaseRemaining: until - now)
        let entry = StateEntry(
            key: StateKeys.controller,
            version: StateVersion(major: holder.epoch, minor: announceSequence),
            value: value.encoded()
        )
        out.append(.publish(entry))
    }

    mutating func noteControllerView(_ out: inout [PartitionsDirective], now: Timestamp, members: some MembershipView) {
        let view = controllerView(at: now, members: members)
        if view.controller == nil {
            if noControllerSince == nil {
                noControllerSince = now
                let aliveVoters = configuration.voters.filter { isAlive($0, in: members) }
                let rank = aliveVoters.firstIndex(of: name) ?? aliveVoters.count
                scheduleCandidacy(after: configuration.renewInterval * rank, &out)
            }
        } else {
            noControllerSince = nil
        }
        if view.controller != lastView.controller || view.epoch != lastView.epoch {
            lastView = view
            out.append(.controllerChanged(view))
        }
    }

    /// A voter that granted this controller its lease knows first-hand when the lease lapsed unrenewed: it then
    /// stops trusting the announcement at once instead of waiting for it to go stale, so a new election starts
    /// within a lease of the controller's failure.
    func grantLapsed(for announced: ControllerAnnouncement, at now: Timestamp) -> Bool {
        guard let voter, voter.grantedTo == announced.controller, voter.grantedEpoch == announced.epoch else {
            return false
        }
        return now >= voter.grantExpiry + configuration.driftBound
    }
}
