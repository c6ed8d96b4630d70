import Primitives

/// SWIM failure detection: a shuffled round-robin of direct probes, indirect probes through k members, Lifeguard's
/// nacks, local-health accounting and buddy system, and confirmation probes of members others suspect.
extension SWIMInstance {
    mutating func probeRound(_ out: inout [GossipDirective], now: Timestamp) {
        // A round still open when the next one starts is finished first.
        if let open = roundProbeSequence { finishProbe(sequence: open, &out, now: now) }
        defer { out.append(.schedule(.probe, after: localHealth.scale(configuration.probeInterval))) }
        guard !isLeaving, let target = nextProbeTarget() else { return }
        roundProbeSequence = startProbe(of: target, isRound: true, &out)
    }

    /// Pings `target` directly and schedules the indirect stage and the end of the probe.
    @discardableResult
    mutating func startProbe(of target: Member, isRound: Bool, _ out: inout [GossipDirective]) -> UInt32 {
        let sequence = nextSequence()
        pendingProbes[sequence] = PendingProbe(sequence: sequence, target: target.name, isRound: isRound)
        counters.probes += 1
        var messages: [GossipMessage] = [.ping(sequence: sequence, target: target.name, source: name)]
        if target.status == .suspect {
            // Lifeguard's buddy system: tell a suspect directly, so it can refute at once.
            messages.append(.suspect(Accusation(name: target.name, incarnation: target.incarnation, accuser: name)))
        }
        send(messages, to: target.address, &out)
        out.append(.schedule(.probeTimeout(sequence: sequence), after: localHealth.scale(configuration.probeTimeout)))
        out.append(.schedule(.probeRoundEnd(sequence: sequence), after: localHealth.scale(configuration.probeInterval)))
        return sequence
    }

    /// The next alive or suspect member in a round-robin that is reshuffled after each pass (SWIM 4.3).
    mutating func nextProbeTarget() -> Member? {
        for _ in 0..<2 {
            while probeIndex < probeOrder.count {
                let candidate = probeOrder[probeIndex]
                probeIndex += 1
                if let member = others.member(atSlot: candidate), member.status.isActive { return member }
            }
            probeOrder = (0..<Int32(others.slotLimit)).filter { others.status(atSlot: Int($0))?.isActive ?? false }
            probeOrder.shuffle(using: &rng)
            probeIndex = 0
            if probeOrder.isEmpty { return nil }
        }
        return nil
    }

    /// Puts a new member at a random place in what remains of this pass, so it is probed within the pass. It
    /// swaps places with the member there, which moves to the end: constant time, where an insertion in the middle
    /// would cost N per join, N² per node while a large cluster forms.
    mutating func insertIntoProbeOrder(_ slot: Int32) {
        probeOrder.append(slot)
        let position = Int.random(in: probeIndex...(probeOrder.count - 1), using: &rng)
        probeOrder.swapAt(position, probeOrder.count - 1)
    }

    mutating func probeTimedOut(sequence: UInt32, _ out: inout [GossipDirective]) {
        guard var probe = pendingProbes[sequence], !probe.acked, let target = others[probe.target] else { return }
        let helpers = randomMembers(count: configuration.indirectChecks) {
            $0.status == .alive && $0.name != target.name
        }
        probe.expectedNacks = helpers.count
        pendingProbes[sequence] = probe
        counters.indirectProbes += UInt64(helpers.count)
        for helper in helpers {
            send(
                [.pingRequest(sequence: sequence, target: target.name, targetAddress: target.address, source: name)],
                to: helper.address,
                &out
            )
        }
    }

    /// Ends a probe: an ack improves local health; otherwise missed nacks worsen it and the target is suspected
    /// (for a confirmation probe, our accusation confirms the existing suspicion).
    mutating func finishProbe(sequence: UInt32, _ out: inout [GossipDirective], now: Timestamp) {
        guard let probe = pendingProbes.removeValue(forKey: sequence) else { return }
        if probe.isRound {
            roundProbeSequence = nil
            if probe.acked {
                localHealth.apply(delta: -1)
            } else if probe.expectedNacks > 0 {
                localHealth.apply(delta: max(0, probe.expectedNacks - probe.nacks))
            } else {
                localHealth.apply(delta: 1)
            }
        }
        guard !probe.acked else { return }
        counters.failedProbes += 1
        guard let target = others[probe.target], target.status.isActive else { return }
        applySuspect(Accusation(name: target.name, incarnation: target.incarnation, accuser: name), now: now, &out)
        // Spread the suspicion at once: confirmations (or the suspect's refutation) start sooner.
        gossip(&out, now: now)
    }

    /// Someone else suspects `member`: a few members probe it at once, so a real failure gathers independent
    /// confirmations within one probe round and the dynamic suspicion timeout shrinks to its minimum, while a live
    /// member is reminded (buddy system) to refute. Who probes is decided by a hash of the suspect's and the
    /// members' names, so every node makes the same choice without talking: about `confirmationProbes` members,
    /// spread evenly over suspects, never the accuser.
    mutating func maybeProbeToConfirm(_ member: Member, accuser: String, _ out: inout [GossipDirective]) {
        guard !isLeaving, configuration.confirmationProbes > 0,
            isConfirmer(of: member.name, accuser: accuser)
        else { return }
        counters.confirmationProbes += 1
        startProbe(of: member, isRound: false, &out)
    }

    /// Whether this node ranks among the `confirmationProbes` alive members (suspect and accuser excluded) with
    /// the smallest hash for this suspect.
    func isConfirmer(of suspect: String, accuser: String) -> Bool {
        let mine = StableHash.of(suspect, name)
        var smaller = 0
        for slot in 0..<others.slotLimit where others.status(atSlot: slot) == .alive {
            let other = others.name(atSlot: slot)
            guard other != suspect && other != accuser else { continue }
            if StableHash.of(suspect, other) < mine {
                smaller += 1
                if smaller >= configuration.confirmationProbes { return false }
            }
        }
        return true
    }

    mutating func handlePing(sequence: UInt32, target: String, from source: PeerAddress, _ out: inout [GossipDirective])
    {
        // A ping meant for another node now at our address must not be acked for it.
        guard target == name else { return }
        send([.ack(sequence: sequence, source: name)], to: source, &out)
    }

    mutating func handleAck(sequence: UInt32, _ out: inout [GossipDirective]) {
        if var probe = pendingProbes[sequence] {
            probe.acked = true
            pendingProbes[sequence] = probe
        } else if var relay = relays[sequence], !relay.acked {
            relay.acked = true
            relays[sequence] = relay
            send([.ack(sequence: relay.requesterSequence, source: name)], to: relay.requester, &out)
        }
    }

    mutating func handleNack(sequence: UInt32) {
        pendingProbes[sequence]?.nacks += 1
    }

    mutating func handlePingRequest(
        sequence requesterSequence: UInt32,
        target: String,
        targetAddress: PeerAddress,
        from requester: PeerAddress,
        _ out: inout [GossipDirective]
    ) {
        guard target != name else {
            // Asked to probe ourselves: answer directly.
            send([.ack(sequence: requesterSequence, source: name)], to: requester, &out)
            return
        }
        let sequence = nextSequence()
        relays[sequence] = Relay(requesterSequence: requesterSequence, requester: requester)
        send([.ping(sequence: sequence, target: target, source: name)], to: targetAddress, &out)
        // Nack a little before the requester's round ends, so the nack still counts there.
        out.append(.schedule(.relayNack(sequence: sequence), after: configuration.probeTimeout.scaled(by: 0.8)))
        out.append(.schedule(.relayExpire(sequence: sequence), after: configuration.probeInterval))
    }
}
