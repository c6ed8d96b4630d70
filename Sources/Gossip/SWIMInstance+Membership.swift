import Primitives

/// The rules for applying membership updates: incarnation numbers order news about a member, a suspicion outranks
/// alive at the same incarnation, and a node accused of anything refutes by raising its own incarnation.
extension SWIMInstance {
    mutating func handle(
        _ message: GossipMessage,
        from source: PeerAddress,
        now: Timestamp,
        into out: inout [GossipDirective]
    ) {
        switch message {
        case .ping(let sequence, let target, _):
            handlePing(sequence: sequence, target: target, from: source, &out)
        case .ack(let sequence, _):
            handleAck(sequence: sequence, &out)
        case .nack(let sequence):
            handleNack(sequence: sequence)
        case .pingRequest(let sequence, let target, let targetAddress, _):
            handlePingRequest(
                sequence: sequence,
                target: target,
                targetAddress: targetAddress,
                from: source,
                &out
            )
        case .alive(let update):
            applyAlive(update, now: now, &out)
        case .suspect(let accusation):
            if !correctedStaleAccusation(accusation, from: source, &out) { applySuspect(accusation, now: now, &out) }
        case .dead(let accusation):
            if !correctedStaleAccusation(accusation, from: source, &out) { applyDead(accusation, now: now, &out) }
        case .left(let memberName, let memberIncarnation):
            applyLeft(memberName, incarnation: memberIncarnation, now: now, &out)
        case .state(let entry):
            mergeState(entry, &out)
        }
    }

    mutating func applyAlive(_ update: AliveUpdate, now: Timestamp, _ out: inout [GossipDirective]) {
        if update.name == name {
            // Alive under our name at another address: a second node was started with our name. The shell decides
            // what to do (a node still joining refuses to run; one already in the cluster reports it).
            let isNewClaimant = update.address != address && lastNameConflict != update.address
            if update.address != address {
                counters.nameConflicts += 1
                lastNameConflict = update.address
            }
            // News of ourselves from an earlier life, or someone else claiming our name: outbid it.
            if update.incarnation > incarnation
                || (update.incarnation == incarnation && (update.address != address || update.metadata != metadata))
            {
                refute(above: update.incarnation)
            }
            // Tell the other claimant directly, once: members ignore its claim when it is older than ours, so it
            // might otherwise never learn of the clash. Once per address, so two claimants cannot ping-pong.
            if isNewClaimant { send([.alive(aliveUpdate)], to: update.address, &out) }
            return
        }
        if let slot = others.slot(of: update.name) {
            // Most alive messages repeat what we know: compare the incarnation before building the member.
            guard update.incarnation > others.incarnation(atSlot: slot), let existing = others.member(atSlot: slot)
            else { return }
            var member = existing
            member.incarnation = update.incarnation
            member.address = update.address
            member.metadata = update.metadata
            member.status = .alive
            if existing.status != .alive { member.statusChangedAt = now }
            let slot = others.put(member)
            suspicions[update.name] = nil
            if !existing.status.isActive { insertIntoProbeOrder(slot) }
            queueNews(.alive(update))
            if member != existing {
                out.append(.memberChanged(MemberChange(member: member, previousStatus: existing.status)))
            }
        } else {
            let member = Member(
                name: update.name,
                address: update.address,
                status: .alive,
                incarnation: update.incarnation,
                metadata: update.metadata,
                statusChangedAt: now
            )
            insertIntoProbeOrder(others.put(member))
            hasJoined = true
            queueNews(.alive(update))
            out.append(.memberChanged(MemberChange(member: member, previousStatus: nil)))
        }
    }

    mutating func applySuspect(_ accusation: Accusation, now: Timestamp, _ out: inout [GossipDirective]) {
        if accusation.name == name {
            if accusation.incarnation >= incarnation && !isLeaving {
                refute(above: accusation.incarnation)
                localHealth.apply(delta: 1)
            }
            return
        }
        guard var member = others[accusation.name], member.status.isActive,
            accusation.incarnation >= member.incarnation
        else { return }
        if member.status == .suspect, accusation.incarnation == member.incarnation,
            var suspicion = suspicions[member.name]
        {
            // Another member's independent accusation shortens the timeout (Lifeguard). A full sync repeats what
            // others said, so it is never an independent confirmation.
            guard accusation.accuser != Self.syncAccuser, suspicion.confirm(by: accusation.accuser) else { return }
            suspicions[member.name] = suspicion
            queueNews(.suspect(accusation))
            out.append(.schedule(.suspicion(member: member.name), after: max(.zero, suspicion.deadline - now)))
            return
        }
        let previous = member.status
        let previousIncarnation = member.incarnation
        member.status = .suspect
        member.incarnation = accusation.incarnation
        member.statusChangedAt = now
        others[member.name] = member
        let suspicion = Suspicion(
            incarnation: accusation.incarnation,
            accuser: accusation.accuser,
            startedAt: now,
            memberCount: activeMemberCount,
            configuration: configuration
        )
        suspicions[member.name] = suspicion
        counters.suspicionsRaised += 1
        queueNews(.suspect(accusation))
        out.append(.schedule(.suspicion(member: member.name), after: suspicion.timeout))
        // A suspicion renewed at a higher incarnation is a change too: observers track incarnations.
        if previous != .suspect || accusation.incarnation != previousIncarnation {
            out.append(.memberChanged(MemberChange(member: member, previousStatus: previous)))
        }
        if accusation.accuser != name { maybeProbeToConfirm(member, accuser: accusation.accuser, &out) }
    }

    mutating func suspicionMayHaveExpired(_ memberName: String, _ out: inout [GossipDirective], now: Timestamp) {
        guard let suspicion = suspicions[memberName], let member = others[memberName],
            member.status == .suspect, member.incarnation == suspicion.incarnation
        else { return }
        guard now >= suspicion.deadline else {
            out.append(.schedule(.suspicion(member: memberName), after: suspicion.deadline - now))
            return
        }
        applyDead(Accusation(name: memberName, incarnation: member.incarnation, accuser: name), now: now, &out)
        // A death we declare ourselves is urgent news: gossip it now rather than at the next tick.
        gossip(&out, now: now)
    }

    mutating func applyDead(_ accusation: Accusation, now: Timestamp, _ out: inout [GossipDirective]) {
        if accusation.name == name {
            if accusation.incarnation >= incarnation && !isLeaving {
                refute(above: accusation.incarnation)
            }
            return
        }
        guard var member = others[accusation.name], member.status.isActive,
            accusation.incarnation >= member.incarnation
        else { return }
        let previous = member.status
        member.status = .dead
        member.incarnation = accusation.incarnation
        member.statusChangedAt = now
        others[member.name] = member
        suspicions[member.name] = nil
        counters.membersDeclaredDead += 1
        queueNews(.dead(accusation))
        out.append(.memberChanged(MemberChange(member: member, previousStatus: previous)))
    }

    mutating func applyLeft(
        _ memberName: String,
        incarnation leftIncarnation: UInt64,
        now: Timestamp,
        _ out: inout [GossipDirective]
    ) {
        if memberName == name {
            // We did not leave: an old or forged `left` about us is refuted like any accusation.
            if !isLeaving && leftIncarnation >= incarnation { refute(above: leftIncarnation) }
            return
        }
        guard var member = others[memberName], member.status != .left,
            leftIncarnation >= member.incarnation
        else { return }
        let previous = member.status
        member.status = .left
        member.incarnation = leftIncarnation
        member.statusChangedAt = now
        others[memberName] = member
        suspicions[memberName] = nil
        queueNews(.left(name: memberName, incarnation: leftIncarnation))
        out.append(.memberChanged(MemberChange(member: member, previousStatus: previous)))
    }

    /// Someone still spreads an accusation at an incarnation older than the one we know alive: tell that sender our
    /// newer news directly, and gossip it again. Without this, a node that heard the accusation after the
    /// refutation finished spreading holds the suspicion until its timeout and declares a live member dead (seen in
    /// simulation at 10 % loss). Returns true when the accusation was stale and answered.
    mutating func correctedStaleAccusation(
        _ accusation: Accusation,
        from source: PeerAddress,
        _ out: inout [GossipDirective]
    ) -> Bool {
        let current: AliveUpdate
        if accusation.name == name {
            guard accusation.incarnation < incarnation, !isLeaving else { return false }
            current = aliveUpdate
        } else {
            guard let member = others[accusation.name], member.status == .alive,
                accusation.incarnation < member.incarnation
            else { return false }
            current = AliveUpdate(
                name: member.name,
                incarnation: member.incarnation,
                address: member.address,
                metadata: member.metadata
            )
        }
        counters.staleAccusationsCorrected += 1
        queueNews(.alive(current))
        if source != address { send([.alive(current)], to: source, &out) }
        return true
    }

    /// Raises our incarnation above `other` and announces that we are alive.
    mutating func refute(above other: UInt64) {
        incarnation = max(incarnation, other) + 1
        counters.refutations += 1
        queueNews(.alive(aliveUpdate))
    }

    /// Forgets dead and left members past their retention.
    mutating func reap(now: Timestamp) {
        for slot in 0..<Int32(others.slotLimit) {
            guard let member = others.member(atSlot: slot), !member.status.isActive,
                now - member.statusChangedAt >= configuration.reapAfter
            else { continue }
            others[member.name] = nil
            suspicions[member.name] = nil
            broadcasts.drop(.member(slot))
        }
    }
}
