import Primitives

/// Spreading state: periodic gossip of queued updates, push-pull full-state exchange (join and anti-entropy), and
/// reconnection attempts that re-merge partitions.
extension SWIMInstance {
    /// Sends queued updates to a few random members, including recently dead ones so a falsely accused node hears
    /// the accusation and refutes it.
    mutating func gossip(_ out: inout [GossipDirective], now: Timestamp) {
        guard !broadcasts.isEmpty else { return }
        let deadGossipWindow = configuration.gossipToTheDeadTime
        let targets = randomMembers(count: configuration.gossipFanout) {
            $0.status.isActive || ($0.status == .dead && now - $0.statusChangedAt < deadGossipWindow)
        }
        for target in targets {
            // A backlog (say, a batch of partition changes) goes out in several full datagrams per target, so it
            // spreads in a few ticks; an ordinary tick sends one.
            var sent: Set<Int32> = []
            for _ in 0..<Self.maxGossipDatagramsPerTarget {
                let before = out.count
                send([], to: target.address, &out, alreadySent: &sent)
                guard out.count > before, case .send(let datagram, _) = out[out.count - 1],
                    datagram.count >= configuration.payloadBudget - Self.fullDatagramSlack, !broadcasts.isEmpty
                else { break }
            }
        }
    }

    /// At most this many datagrams to one target per gossip tick.
    static var maxGossipDatagramsPerTarget: Int { 8 }
    /// A datagram with less room left than this counts as full: the queue held more than fit.
    static var fullDatagramSlack: Int { 160 }

    /// The accuser named on suspicions learned from a push-pull.
    static var syncAccuser: String { "(sync)" }

    /// This node's full view, for a push-pull exchange (in table order: sorting would cost N log N per exchange).
    public func pushPullPayload(isJoin: Bool, isReply: Bool) -> [UInt8] {
        let entries = (others.members + [myself]).map {
            PushPullEntry(
                name: $0.name,
                address: $0.address,
                status: $0.status,
                incarnation: $0.incarnation,
                metadata: $0.metadata
            )
        }
        return WireFormat.encode(
            PushPullState(isJoin: isJoin, isReply: isReply, members: entries, state: clusterState.sortedEntries)
        )
    }

    /// A push-pull state arrived over a stream. Returns the reply to send back (nil when this was itself a reply)
    /// and the resulting directives. Malformed input throws and changes nothing.
    public mutating func receivePushPull(
        _ bytes: [UInt8],
        now: Timestamp
    ) throws(DecodeError) -> (reply: [UInt8]?, directives: [GossipDirective]) {
        let state: PushPullState
        do {
            state = try WireFormat.decodePushPull(bytes)
        } catch {
            counters.decodeErrors += 1
            throw error
        }
        counters.pushPulls += 1
        // Reply with our state as it was before merging theirs.
        let reply = state.isReply ? nil : pushPullPayload(isJoin: false, isReply: true)
        var out: [GossipDirective] = []
        others.reserve(additional: state.members.reduce(0) { $0 + (others.slot(of: $1.name) == nil ? 1 : 0) })
        // Accusations learned from a full sync are attributed to `syncAccuser`: they never confirm a suspicion.
        for entry in state.members {
            switch entry.status {
            case .alive:
                applyAlive(
                    AliveUpdate(
                        name: entry.name,
                        incarnation: entry.incarnation,
                        address: entry.address,
                        metadata: entry.metadata
                    ),
                    now: now,
                    &out
                )
            case .left:
                applyLeft(entry.name, incarnation: entry.incarnation, now: now, &out)
            case .suspect, .dead:
                // A remote death is only a suspicion here: we verify it ourselves rather than resurrect or bury
                // on hearsay, and the accused gets the chance to refute.
                if others[entry.name] != nil || entry.name == name {
                    applySuspect(
                        Accusation(name: entry.name, incarnation: entry.incarnation, accuser: Self.syncAccuser),
                        now: now,
                        &out
                    )
                }
            }
        }
        for entry in state.state { mergeState(entry, &out) }
        if state.isReply || !state.members.isEmpty { hasJoined = true }
        return (reply, out)
    }

    /// The shell could not complete a push-pull with `address`.
    public mutating func pushPullFailed(with address: PeerAddress, now: Timestamp) -> [GossipDirective] {
        // Nothing to undo: joins are retried by their own timer, anti-entropy by the next round.
        []
    }

    mutating func joinSeeds(_ out: inout [GossipDirective]) {
        let payload = pushPullPayload(isJoin: true, isReply: false)
        for seed in seeds {
            out.append(.pushPull(payload: payload, to: seed, isJoin: true))
        }
    }

    /// Heals partitions: push-pull with a random member we believe dead; when we know no live member at all,
    /// go back to the seeds.
    mutating func reconnect(_ out: inout [GossipDirective], now: Timestamp) {
        guard !isLeaving else { return }
        if activeMemberCount == 1 && !seeds.isEmpty {
            joinSeeds(&out)
            return
        }
        if let candidate = randomMembers(count: 1, where: { $0.status == .dead }).first {
            out.append(
                .pushPull(payload: pushPullPayload(isJoin: false, isReply: false), to: candidate.address, isJoin: false)
            )
        }
    }
}
