import Foundation
import Primitives

/// The SWIM membership protocol with Lifeguard's extensions, as a pure state machine.
///
/// Events go in (a datagram arrived, a timer fired, a push-pull state arrived) with the time they happened, and
/// directives come out (send this, schedule that, this member changed). It owns no socket, clock or global RNG: its
/// randomness comes from a `SeededRandom` its shell seeds, so the real node and the simulator run the same code.
public struct SWIMInstance: Sendable {
    public let configuration: GossipConfiguration
    public let name: String
    public internal(set) var incarnation: UInt64
    public internal(set) var metadata: NodeMetadata
    public internal(set) var address: PeerAddress
    public internal(set) var localHealth: LocalHealth
    public internal(set) var counters = GossipCounters()
    /// The address of the last other node heard claiming this node's name (see `GossipCounters.nameConflicts`).
    public internal(set) var lastNameConflict: PeerAddress?
    /// True once a graceful leave started.
    public internal(set) var isLeaving = false
    /// True once some seed (or any member) answered; until then the join is retried.
    public internal(set) var hasJoined = false
    /// The replicated, versioned state higher layers publish through gossip.
    public internal(set) var clusterState = ClusterState()

    /// Every other member we know, in any status.
    var others = MemberTable()
    var rng: SeededRandom
    var seeds: [PeerAddress] = []
    var sequence: UInt32 = 0
    /// Slots of `others` in this pass's probe order.
    var probeOrder: [Int32] = []
    var probeIndex = 0
    /// Probes in flight: the current round's, plus confirmation probes of members others suspect.
    var pendingProbes: [UInt32: PendingProbe] = [:]
    var roundProbeSequence: UInt32?
    var relays: [UInt32: Relay] = [:]
    var suspicions: [String: Suspicion] = [:]
    var broadcasts = BroadcastQueue()

    /// A probe in flight.
    struct PendingProbe: Sendable {
        var sequence: UInt32
        var target: String
        /// A regular round-robin probe (it feeds local health) rather than a confirmation probe.
        var isRound: Bool
        var expectedNacks = 0
        var nacks = 0
        var acked = false
    }

    /// A ping-req we are serving as intermediary.
    struct Relay: Sendable {
        var requesterSequence: UInt32
        var requester: PeerAddress
        var acked = false
    }

    public init(
        name: String,
        address: PeerAddress,
        metadata: NodeMetadata = NodeMetadata(),
        incarnation: UInt64 = 0,
        configuration: GossipConfiguration,
        seed: UInt64
    ) {
        self.name = name
        self.address = address
        self.metadata = metadata
        self.incarnation = incarnation
        self.configuration = configuration
        self.localHealth = LocalHealth(limit: configuration.awarenessMaxMultiplier)
        self.rng = SeededRandom(seed: seed)
    }

    // MARK: Views

    /// This node as a member row.
    public var myself: Member {
        Member(
            name: name,
            address: address,
            status: isLeaving ? .left : .alive,
            incarnation: incarnation,
            metadata: metadata,
            statusChangedAt: .zero
        )
    }

    /// All members, this node included, sorted by name.
    public var members: [Member] {
        (others.members + [myself]).sorted { $0.name < $1.name }
    }

    public func member(named memberName: String) -> Member? {
        memberName == name ? myself : others[memberName]
    }

    /// The metadata of another member while it is alive or suspect.
    public func activeMetadata(of memberName: String) -> NodeMetadata? {
        others.slot(of: memberName).flatMap { others.activeMetadata(atSlot: $0) }
    }

    /// The alive and suspect members other than this node, sorted by name.
    public var activeMemberNames: [String] {
        (0..<others.slotLimit).compactMap {
            others.status(atSlot: $0)?.isActive == true ? others.name(atSlot: $0) : nil
        }
        .sorted()
    }

    /// Alive and suspect members, this node included: SWIM's N.
    public var activeMemberCount: Int {
        others.activeCount + 1
    }

    /// Updates waiting to be gossiped.
    public var pendingBroadcasts: Int { broadcasts.count }

    /// Like memberlist, N counts every member we still hold (dead ones too), so news keeps spreading while a
    /// failure shrinks the live set.
    var transmitLimit: Int {
        let n = Double(others.count + 2)
        return configuration.retransmitMultiplier * Int(log10(n).rounded(.up)).clamped(toAtLeast: 1)
    }

    // MARK: Lifecycle

    /// Starts the timers and joins through `seeds` (addresses only; the seeds' names are learned from them).
    public mutating func start(seeds: [PeerAddress], now: Timestamp) -> [GossipDirective] {
        self.seeds = seeds.filter { $0 != address }
        var out: [GossipDirective] = []
        // A random first offset spreads the probe rounds of nodes started together.
        let offset = configuration.probeInterval.scaled(by: Double.random(in: 0..<1, using: &rng))
        out.append(.schedule(.probe, after: offset))
        out.append(.schedule(.gossip, after: configuration.gossipInterval))
        if configuration.pushPullInterval > .zero {
            out.append(.schedule(.pushPull, after: pushPullInterval))
        }
        if configuration.reconnectInterval > .zero {
            out.append(.schedule(.reconnect, after: configuration.reconnectInterval))
        }
        out.append(.schedule(.reap, after: reapInterval))
        // Announce ourselves too, so our arrival does not rest on the seed's few retransmissions alone.
        queueNews(.alive(aliveUpdate))
        if self.seeds.isEmpty {
            hasJoined = true
        } else {
            joinSeeds(&out)
            out.append(.schedule(.joinRetry(attempt: 1), after: configuration.joinRetryDelay))
        }
        return out
    }

    /// Begins a graceful leave: announce `left`, stop probing, and report `.leaveComplete` once it has spread.
    public mutating func leave(now: Timestamp) -> [GossipDirective] {
        guard !isLeaving else { return [] }
        isLeaving = true
        queueNews(.left(name: name, incarnation: incarnation))
        var out: [GossipDirective] = []
        gossip(&out, now: now)
        out.append(.schedule(.leaveComplete, after: configuration.leavePropagationDelay))
        return out
    }

    /// Changes this node's roles and tags; the new incarnation carries them to everyone.
    public mutating func updateMetadata(_ newMetadata: NodeMetadata, now: Timestamp) -> [GossipDirective] {
        guard newMetadata != metadata else { return [] }
        metadata = newMetadata
        incarnation += 1
        queueNews(.alive(aliveUpdate))
        return []
    }

    /// Publishes a cluster-state value; it spreads by gossip and push-pull and wins wherever its version is newer.
    public mutating func publish(_ entry: StateEntry, now: Timestamp) throws(StateError) -> [GossipDirective] {
        guard entry.value.count <= WireFormat.maxStateValueBytes else { throw .valueTooLarge(entry.value.count) }
        guard !entry.key.isEmpty, entry.key.utf8.count <= WireFormat.maxNameBytes else { throw .invalidKey }
        var out: [GossipDirective] = []
        mergeState(entry, &out)
        return out
    }

    /// Loads state saved by an earlier run before `start`; it spreads with the first push-pull.
    public mutating func restoreState(_ saved: ClusterState) {
        for entry in saved.sortedEntries { clusterState.merge(entry) }
    }

    mutating func mergeState(_ entry: StateEntry, _ out: inout [GossipDirective]) {
        guard clusterState.merge(entry) else { return }
        queueNews(.state(entry))
        out.append(.stateChanged(entry))
    }

    var aliveUpdate: AliveUpdate {
        AliveUpdate(name: name, incarnation: incarnation, address: address, metadata: metadata)
    }

    // MARK: Events

    /// A datagram arrived (already opened by the shell's sealing). Malformed input throws and changes nothing.
    public mutating func receiveDatagram(
        _ bytes: [UInt8],
        from source: PeerAddress,
        now: Timestamp
    ) throws(DecodeError) -> [GossipDirective] {
        let messages: [GossipMessage]
        do {
            messages = try WireFormat.decodeDatagram(bytes)
        } catch {
            counters.decodeErrors += 1
            throw error
        }
        counters.datagramsReceived += 1
        var out: [GossipDirective] = []
        // News first, probes second: an ack we send back then already carries what the news made us say (for
        // example our answer to a stale accusation riding on the ping).
        for message in messages where message.isUpdate {
            handle(message, from: source, now: now, into: &out)
        }
        for message in messages where !message.isUpdate {
            handle(message, from: source, now: now, into: &out)
        }
        return out
    }

    public mutating func timerFired(_ timer: GossipTimer, now: Timestamp) -> [GossipDirective] {
        var out: [GossipDirective] = []
        switch timer {
        case .probe:
            probeRound(&out, now: now)
        case .probeTimeout(let sequence):
            probeTimedOut(sequence: sequence, &out)
        case .probeRoundEnd(let sequence):
            finishProbe(sequence: sequence, &out, now: now)
        case .relayNack(let sequence):
            if let relay = relays[sequence], !relay.acked {
                send([.nack(sequence: relay.requesterSequence)], to: relay.requester, &out)
            }
        case .relayExpire(let sequence):
            relays[sequence] = nil
        case .gossip:
            gossip(&out, now: now)
            out.append(.schedule(.gossip, after: configuration.gossipInterval))
        case .pushPull:
            if !isLeaving, let peer = randomMembers(count: 1, where: { $0.status == .alive }).first {
                out.append(
                    .pushPull(payload: pushPullPayload(isJoin: false, isReply: false), to: peer.address, isJoin: false)
                )
            }
            out.append(.schedule(.pushPull, after: pushPullInterval))
        case .reconnect:
            reconnect(&out, now: now)
            out.append(.schedule(.reconnect, after: configuration.reconnectInterval))
        case .suspicion(let memberName):
            suspicionMayHaveExpired(memberName, &out, now: now)
        case .reap:
            reap(now: now)
            out.append(.schedule(.reap, after: reapInterval))
        case .joinRetry(let attempt):
            if !hasJoined && !isLeaving {
                counters.joinRetries += 1
                joinSeeds(&out)
                let delay = min(
                    configuration.joinRetryDelay * (1 << min(attempt, 16)),
                    configuration.joinRetryMaxDelay
                )
                out.append(.schedule(.joinRetry(attempt: attempt + 1), after: delay))
            }
        case .leaveComplete:
            out.append(.leaveComplete)
        }
        return out
    }

    // MARK: Helpers shared by the extensions

    mutating func nextSequence() -> UInt32 {
        sequence &+= 1
        return sequence
    }

    /// Sends `messages` to `address`, filling the rest of the datagram with piggybacked updates (none of those in
    /// `alreadySent`, which collects what this datagram carries).
    mutating func send(
        _ messages: [GossipMessage],
        to destination: PeerAddress,
        _ out: inout [GossipDirective],
        alreadySent: inout Set<Int32>
    ) {
        var encoded = messages.map(WireFormat.encode)
        let used = WireFormat.datagramHeaderSize + encoded.reduce(0) { $0 + $1.count }
        // The queue renders its subjects from this instance's table while it is being changed: take it out meanwhile.
        // The closure reads only what rendering needs; capturing `self` would copy the whole instance per datagram.
        var queue = BroadcastQueue()
        swap(&queue, &broadcasts)
        let table = others
        let state = clusterState
        let ownNews = OwnNews(
            name: name,
            incarnation: incarnation,
            address: address,
            metadata: metadata,
            isLeaving: isLeaving
        )
        encoded += queue.take(
            budget: configuration.payloadBudget - used,
            maxCount: WireFormat.maxMessagesPerDatagram - encoded.count,
            transmitLimit: transmitLimit,
            alreadySent: &alreadySent,
            encode: { subject, accuser in
                switch subject {
                case .myself: ownNews.encoded()
                case .member(let slot): table.encodedNews(atSlot: slot, accuser: accuser ?? ownNews.name)
                case .state(let key): state.entries[key].map { WireFormat.encode(.state($0)) }
                }
            }
        )
        swap(&queue, &broadcasts)
        guard !encoded.isEmpty else { return }
        let datagram = WireFormat.datagram(encoded)
        counters.datagramsSent += 1
        counters.bytesSent += UInt64(datagram.count)
        out.append(.send(datagram: datagram, to: destination))
    }

    /// Queues `message` (an update) for piggybacking.
    mutating func queueNews(_ message: GossipMessage) {
        let subjectName: String
        var accuser: String?
        switch message {
        case .state(let entry):
            broadcasts.enqueue(.state(entry.key))
            return
        case .alive(let update): subjectName = update.name
        case .suspect(let accusation), .dead(let accusation):
            subjectName = accusation.name
            accuser = accusation.accuser
        case .left(let memberName, _): subjectName = memberName
        case .ping, .ack, .nack, .pingRequest: return
        }
        if subjectName == name {
            broadcasts.enqueue(.myself)
        } else if let slot = others.slot(of: subjectName) {
            broadcasts.enqueue(.member(slot), accuser: accuser)
        }
    }

    /// What this node says about itself when its own entry in the queue is sent.
    struct OwnNews {
        var name: String
        var incarnation: UInt64
        var address: PeerAddress
        var metadata: NodeMetadata
        var isLeaving: Bool

        func encoded() -> [UInt8] {
            WireFormat.encode(
                isLeaving
                    ? .left(name: name, incarnation: incarnation)
                    : .alive(AliveUpdate(name: name, incarnation: incarnation, address: address, metadata: metadata))
            )
        }
    }

    /// Sends `messages` to `address` in one datagram, filling the rest with piggybacked updates.
    mutating func send(_ messages: [GossipMessage], to destination: PeerAddress, _ out: inout [GossipDirective]) {
        var sent: Set<Int32> = []
        send(messages, to: destination, &out, alreadySent: &sent)
    }

    /// Up to `count` distinct random other members matching `predicate`.
    ///
    /// Random sampling finds them in time independent of N when most members qualify (the common case: gossip
    /// targets); a full pass covers the rest, e.g. when few qualify.
    mutating func randomMembers(count: Int, where predicate: (Member) -> Bool) -> [Member] {
        let limit = others.slotLimit
        guard count > 0, others.count > 0 else { return [] }
        var chosen: [Member] = []
        var tried = Set<Int32>()
        let attempts = 3 * count + 8
        for _ in 0..<attempts where chosen.count < count {
            let slot = Int32(Int.random(in: 0..<limit, using: &rng))
            guard tried.insert(slot).inserted, let member = others.member(atSlot: slot), predicate(member) else {
                continue
            }
            chosen.append(member)
        }
        if chosen.count < count {
            var rest = (0..<Int32(limit)).compactMap { slot in
                tried.contains(slot) ? nil : others.member(atSlot: slot).flatMap { predicate($0) ? $0 : nil }
            }
            rest.shuffle(using: &rng)
            chosen += rest.prefix(count - chosen.count)
        }
        return chosen
    }

    var pushPullInterval: Duration {
        let n = activeMemberCount
        guard n > 32 else { return configuration.pushPullInterval }
        let factor = (log2(Double(n)) - log2(32.0)).rounded(.up) + 1
        return configuration.pushPullInterval.scaled(by: factor)
    }

    var reapInterval: Duration {
        max(.seconds(1), min(configuration.reapAfter / 4, .seconds(60)))
    }
}

/// Why a cluster-state value cannot be published.
public enum StateError: Error, Hashable, Sendable {
    case valueTooLarge(Int)
    case invalidKey
}

/// Counters the shell exports as metrics and `peer info` shows.
public struct GossipCounters: Hashable, Sendable {
    public var datagramsSent: UInt64 = 0
    public var bytesSent: UInt64 = 0
    public var datagramsReceived: UInt64 = 0
    public var decodeErrors: UInt64 = 0
    public var probes: UInt64 = 0
    public var indirectProbes: UInt64 = 0
    public var failedProbes: UInt64 = 0
    public var suspicionsRaised: UInt64 = 0
    public var refutations: UInt64 = 0
    public var membersDeclaredDead: UInt64 = 0
    public var confirmationProbes: UInt64 = 0
    public var staleAccusationsCorrected: UInt64 = 0
    public var pushPulls: UInt64 = 0
    public var joinRetries: UInt64 = 0
    /// Alive messages under this node's name from another address: two nodes share a name.
    public var nameConflicts: UInt64 = 0

    public init() {}
}

extension Int {
    func clamped(toAtLeast lower: Int) -> Int { Swift.max(self, lower) }
}
