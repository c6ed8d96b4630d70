import Gossip
import Primitives

/// Timers of a whole node: its gossip core's and its partitions core's.
public enum NodeTimer: Hashable, Sendable {
    case gossip(GossipTimer)
    case partitions(PartitionsTimer)
}

/// What a node asks its shell (the real one or the simulator) to do.
public enum NodeDirective: Hashable, Sendable {
    case send(datagram: [UInt8], to: PeerAddress)
    case schedule(NodeTimer, after: Duration)
    /// See `GossipDirective.pushPull`; replies go to `receivePushPull`.
    case pushPull(payload: [UInt8], to: PeerAddress, isJoin: Bool)
    case memberChanged(MemberChange)
    /// A newer cluster-state value was accepted (shells persist it and count it).
    case stateChanged(StateEntry)
    case controllerChanged(ControllerView)
    case requestCompleted(id: UInt64, error: RequestFailure?)
    /// See `PartitionsDirective.topicDeleted`: remove this topic incarnation's local data (idempotently).
    case topicDeleted(TopicDefinition)
    /// A graceful leave finished spreading: the shell may stop.
    case leaveComplete
    /// See `PartitionsDirective.persist`: write the voter record durably, then call `voterRecordPersisted(ticket:)`.
    case persist(VoterRecord, ticket: UInt64)
}

/// One cluster node as a pure state machine: the SWIM core and the partitions core wired together, so the real
/// shell and the simulator drive exactly the same composition.
///
/// Membership changes and cluster-state updates from gossip feed the partitions core; its direct messages travel
/// in their own datagram kind on the same socket, and what it publishes spreads through gossip.
public struct ClusterNode: Sendable {
    public private(set) var gossip: SWIMInstance
    public private(set) var partitions: PartitionsInstance
    /// The controlled-shutdown request a leave waits for.
    private var leaveRequest: UInt64?
    private var leaveStarted = false

    public init(gossip: SWIMInstance, partitions: PartitionsInstance) {
        self.gossip = gossip
        self.partitions = partitions
    }

    public var name: String { gossip.name }

    /// Who this node believes is the controller, judged against gossip's current membership.
    public func controllerView(at now: Timestamp) -> ControllerView {
        partitions.controllerView(at: now, members: gossip)
    }

    /// Whether this node holds a valid controller lease.
    public func isActingController(at now: Timestamp) -> Bool {
        partitions.isActingController(at: now)
    }

    public mutating func start(seeds: [PeerAddress], now: Timestamp) -> [NodeDirective] {
        var out: [NodeDirective] = []
        // State restored before start (e.g. from a data dir) reaches the partitions core first.
        for entry in gossip.clusterState.sortedEntries {
            route(partitions.stateChanged(entry, now: now, members: gossip), now: now, &out)
        }
        route(gossip.start(seeds: seeds, now: now), now: now, &out)
        route(partitions.start(now: now), now: now, &out)
        return out
    }

    public mutating func receiveDatagram(
        _ bytes: [UInt8],
        from source: PeerAddress,
        now: Timestamp
    ) throws(DecodeError) -> [NodeDirective] {
        var out: [NodeDirective] = []
        if WireFormat.kind(of: bytes) == WireFormat.controlKind {
            let message = try ControlMessage(decoding: bytes)
            route(partitions.receive(message, now: now, members: gossip), now: now, &out)
        } else {
            route(try gossip.receiveDatagram(bytes, from: source, now: now), now: now, &out)
        }
        return out
    }

    public mutating func receivePushPull(
        _ bytes: [UInt8],
        now: Timestamp
    ) throws(DecodeError) -> (reply: [UInt8]?, directives: [NodeDirective]) {
        let (reply, directives) = try gossip.receivePushPull(bytes, now: now)
        var out: [NodeDirective] = []
        route(directives, now: now, &out)
        return (reply, out)
    }

    public mutating func pushPullFailed(with address: PeerAddress, now: Timestamp) -> [NodeDirective] {
        var out: [NodeDirective] = []
        route(gossip.pushPullFailed(with: address, now: now), now: now, &out)
        return out
    }

    public mutating func timerFired(_ timer: NodeTimer, now: Timestamp) -> [NodeDirective] {
        var out: [NodeDirective] = []
        switch timer {
        case .gossip(let timer):
            route(gossip.timerFired(timer, now: now), now: now, &out)
        case .partitions(let timer):
            route(partitions.timerFired(timer, now: now, members: gossip), now: now, &out)
        }
        return out
    }

    /// Submits a request to the controller; the answer arrives as `.requestCompleted(id:error:)`.
    public mutating func submit(
        _ request: ControllerRequest,
        now: Timestamp
    ) -> (id: UInt64, directives: [NodeDirective]) {
        let (id, directives) = partitions.submit(request, now: now, members: gossip)
        var out: [NodeDirective] = []
        route(directives, now: now, &out)
        return (id, out)
    }

    /// A graceful leave. A broker leading partitions first asks the controller to move those leaderships away
    /// (controlled shutdown), then announces `left`.
    public mutating func leave(now: Timestamp) -> [NodeDirective] {
        guard !leaveStarted else { return [] }
        leaveStarted = true
        var out: [NodeDirective] = []
        let leads = partitions.partitionStates.values.contains { $0.leader == name }
        if leads {
            // The answer (perhaps immediate, when we are the controller or none is known) finishes the leave.
            let (id, directives) = partitions.submit(.controlledShutdown(broker: name), now: now, members: gossip)
            leaveRequest = id
            route(directives, now: now, &out)
            return out
        }
        route(finishLeave(now: now), now: now, &out)
        return out
    }

    /// The shell wrote the voter record of `ticket` durably (see `NodeDirective.persist`).
    public mutating func voterRecordPersisted(ticket: UInt64, now: Timestamp) -> [NodeDirective] {
        var out: [NodeDirective] = []
        route(partitions.voterRecordPersisted(ticket: ticket, now: now, members: gossip), now: now, &out)
        return out
    }

    /// As a partition leader, asks the controller for a new ISR; answered by `.requestCompleted(id:error:)`.
    public mutating func alterPartition(
        _ partition: PartitionID,
        isr: [String],
        now: Timestamp
    ) -> (id: UInt64, directives: [NodeDirective]) {
        let (id, directives) = partitions.alterPartition(partition, isr: isr, now: now, members: gossip)
        var out: [NodeDirective] = []
        route(directives, now: now, &out)
        return (id, out)
    }

    public mutating func updateMetadata(_ metadata: NodeMetadata, now: Timestamp) -> [NodeDirective] {
        var out: [NodeDirective] = []
        route(gossip.updateMetadata(metadata, now: now), now: now, &out)
        return out
    }

    /// Hands the partitions core's leave over to gossip: the `left` announcement and its spreading.
    private mutating func finishLeave(now: Timestamp) -> [GossipDirective] {
        partitions.prepareToLeave()
        return gossip.leave(now: now)
    }

    // MARK: Wiring
    //
    // The order in which one event's directives are applied. A core's answer to an event is a list of directives,
    // applied in their order. Applying one may feed the other core (or the same one) and so produce more: a member
    // change or a newer state value from gossip goes to the partitions core, a value the partitions core publishes
    // goes to gossip, a control message the partitions core sends to this very node is received at once, and the
    // answer to a leave's controlled shutdown starts gossip's leave. Those follow-on directives are applied, with
    // everything they lead to in turn, before the next directive of the list they came from: depth first, as if
    // each were a nested call. A directive for the shell is appended to the output when it is reached, so the
    // shell sees them in that same order. A self-sent message is received when it is reached, and its answer
    // (say, a voter granting its own candidacy) may be self-sent again and is then received in turn; this is the
    // order the shells and the simulator have always had, so trace hashes do not depend on how it is written.

    /// A directive waiting to be applied, tagged with the core that produced it.
    private enum PendingDirective {
        case gossip(GossipDirective)
        case partitions(PartitionsDirective)
    }

    private mutating func route(_ directives: [GossipDirective], now: Timestamp, _ out: inout [NodeDirective]) {
        apply(directives.map(PendingDirective.gossip), now: now, &out)
    }

    private mutating func route(_ directives: [PartitionsDirective], now: Timestamp, _ out: inout [NodeDirective]) {
        apply(directives.map(PendingDirective.partitions), now: now, &out)
    }

    /// Applies `directives` and everything they lead to, depth first (see above), appending to `out` what the
    /// shell must do.
    private mutating func apply(_ directives: [PendingDirective], now: Timestamp, _ out: inout [NodeDirective]) {
        // A stack with its top last: follow-ons go on top of the siblings still waiting, so they come first.
        var stack = Array(directives.reversed())
        while let next = stack.popLast() {
            let followOns: [PendingDirective]
            switch next {
            case .gossip(let directive):
                followOns = apply(directive, now: now, &out)
            case .partitions(let directive):
                followOns = apply(directive, now: now, &out)
            }
            stack.append(contentsOf: followOns.reversed())
        }
    }

    /// Applies one gossip directive; returns what the partitions core answered to it, if it was fed one.
    private mutating func apply(
        _ directive: GossipDirective,
        now: Timestamp,
        _ out: inout [NodeDirective]
    ) -> [PendingDirective] {
        switch directive {
        case .send(let datagram, let to):
            out.append(.send(datagram: datagram, to: to))
        case .schedule(let timer, let delay):
            out.append(.schedule(.gossip(timer), after: delay))
        case .pushPull(let payload, let to, let isJoin):
            out.append(.pushPull(payload: payload, to: to, isJoin: isJoin))
        case .memberChanged(let change):
            out.append(.memberChanged(change))
            return partitions.memberChanged(change, now: now, members: gossip).map(PendingDirective.partitions)
        case .stateChanged(let entry):
            out.append(.stateChanged(entry))
            return partitions.stateChanged(entry, now: now, members: gossip).map(PendingDirective.partitions)
        case .leaveComplete:
            out.append(.leaveComplete)
        }
        return []
    }

    /// Applies one partitions directive; returns what a core answered to it, if it was fed to one.
    private mutating func apply(
        _ directive: PartitionsDirective,
        now: Timestamp,
        _ out: inout [NodeDirective]
    ) -> [PendingDirective] {
        switch directive {
        case .send(let message, let to):
            if to == name {
                return partitions.receive(message, now: now, members: gossip).map(PendingDirective.partitions)
            } else if let member = gossip.member(named: to), member.status.isActive {
                out.append(.send(datagram: message.encoded(), to: member.address))
            }
        case .publish(let entry):
            // Values the partitions core builds are always within gossip's limits.
            if let directives = try? gossip.publish(entry, now: now) {
                return directives.map(PendingDirective.gossip)
            }
        case .schedule(let timer, let delay):
            out.append(.schedule(.partitions(timer), after: delay))
        case .controllerChanged(let view):
            out.append(.controllerChanged(view))
        case .requestCompleted(let id, let error):
            if id == leaveRequest {
                leaveRequest = nil
                return finishLeave(now: now).map(PendingDirective.gossip)
            }
            out.append(.requestCompleted(id: id, error: error))
        case .topicDeleted(let topic):
            out.append(.topicDeleted(topic))
        case .persist(let record, let ticket):
            out.append(.persist(record, ticket: ticket))
        }
        return []
    }
}
