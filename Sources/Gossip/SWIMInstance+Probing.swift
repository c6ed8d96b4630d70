/// SWIM failure detection: a shuffled round-robin of direct probes, indirect probes through k members, and
/// Lifeguard's nacks and local-health accounting.
extension SWIMInstance {
    mutating func probeRound(_ out: inout [GossipDirective], now: Timestamp) {
        // A round still open when the next one starts is finished first.
        if pendingProbe != nil { finishProbe(&out, now: now) }
        defer { out.append(.schedule(.probe, after: localHealth.scale(configuration.probeInterval))) }
        guard !isLeaving, let target = nextProbeTarget() else { return }
        let sequence = nextSequence()
        pendingProbe = PendingProbe(sequence: sequence, target: target.name)
        counters.probes += 1
        send([.ping(sequence: sequence, target: target.name, source: name)], to: target.address, &out)
        out.append(.schedule(.probeTimeout(sequence: sequence), after: localHealth.scale(configuration.probeTimeout)))
        out.append(.schedule(.probeRoundEnd(sequence: sequence), after: localHealth.scale(configuration.probeInterval)))
    }

    /// The next alive or suspect member in a round-robin that is reshuffled after each pass (SWIM 4.3).
    mutating func nextProbeTarget() -> Member? {
        for _ in 0..<2 {
            while probeIndex < probeOrder.count {
                let candidate = probeOrder[probeIndex]
                probeIndex += 1
                if let member = others[candidate], member.status.isActive { return member }
            }
            probeOrder = others.values.filter { $0.status.isActive }.map(\.name).sorted()
            probeOrder.shuffle(using: &rng)
            probeIndex = 0
            if probeOrder.isEmpty { return nil }
        }
        return nil
    }

    /// Puts a new member at a random place in the round-robin, so it is probed within one pass.
    mutating func insertIntoProbeOrder(_ memberName: String) {
        let position = Int.random(in: 0...probeOrder.count, using: &rng)
        probeOrder.insert(memberName, at: position)
        if position < probeIndex { probeIndex += 1 }
    }

    mutating func probeTimedOut(sequence: UInt32, _ out: inout [GossipDirective]) {
        guard var probe = pendingProbe, probe.sequence == sequence, !probe.acked,
            let target = others[probe.target]
        else { return }
        let helpers = randomMembers(count: configuration.indirectChecks) {
            $0.status == .alive && $0.name != target.name
        }
        probe.expectedNacks = helpers.count
        pendingProbe = probe
        counters.indirectProbes += UInt64(helpers.count)
        for helper in helpers {
            send(
                [.pingRequest(sequence: sequence, target: target.name, targetAddress: target.address, source: name)],
                to: helper.address,
                &out
            )
        }
    }

    /// Ends the probe round: an ack improves local health; otherwise missed nacks worsen it and the target is
    /// suspected.
    mutating func finishProbe(_ out: inout [GossipDirective], now: Timestamp) {
        guard let probe = pendingProbe else { return }
        pendingProbe = nil
        if probe.acked {
            localHealth.apply(delta: -1)
            return
        }
        counters.failedProbes += 1
        if probe.expectedNacks > 0 {
            localHealth.apply(delta: max(0, probe.expectedNacks - probe.nacks))
        } else {
            localHealth.apply(delta: 1)
        }
        guard let target = others[probe.target], target.status.isActive else { return }
        applySuspect(Accusation(name: target.name, incarnation: target.incarnation, accuser: name), now: now, &out)
    }

    mutating func handlePing(sequence: UInt32, target: String, from source: PeerAddress, _ out: inout [GossipDirective])
    {
        // A ping meant for another node now at our address must not be acked for it.
        guard target == name else { return }
        send([.ack(sequence: sequence, source: name)], to: source, &out)
    }

    mutating func handleAck(sequence: UInt32, _ out: inout [GossipDirective]) {
        if var probe = pendingProbe, probe.sequence == sequence {
            probe.acked = true
            pendingProbe = probe
        } else if var relay = relays[sequence], !relay.acked {
            relay.acked = true
            relays[sequence] = relay
            send([.ack(sequence: relay.requesterSequence, source: name)], to: relay.requester, &out)
        }
    }

    mutating func handleNack(sequence: UInt32) {
        if var probe = pendingProbe, probe.sequence == sequence {
            probe.nacks += 1
            pendingProbe = probe
        }
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
