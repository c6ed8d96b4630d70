import Gossip

/// Timers the partitions core asks its shell to run.
public enum PartitionsTimer: Hashable, Sendable {
    /// Lease renewal or candidacy, controller duties, replica acknowledgements.
    case tick
    /// Continue a controller pass that hit the per-pass election limit.
    case reconcile
    /// With no controller known, this voter may stand for election (a stale generation is ignored).
    case stand(generation: UInt64)
    /// A forwarded request got no answer in time.
    case requestTimeout(id: UInt64)
    /// The controller sends the proposals gathered since the last batch to the voters (one batch per linger).
    case flushProposals
}

/// What the partitions core asks its shell to do.
public enum PartitionsDirective: Hashable, Sendable {
    /// Send a direct message to a member by name (the shell resolves the address from membership).
    case send(ControlMessage, to: String)
    /// Publish a cluster-state value through gossip.
    case publish(StateEntry)
    case schedule(PartitionsTimer, after: Duration)
    /// This node's view of the controller changed.
    case controllerChanged(ControllerView)
    /// A request from `submit` finished; `error` is nil on success.
    case requestCompleted(id: UInt64, error: RequestFailure?)
    /// This incarnation of a topic is gone (deleted, or replaced by a later one while this node was away): the shell
    /// removes its local data. Also reported for tombstones restored at start, so a crash mid-cleanup is finished.
    case topicDeleted(TopicDefinition)
    /// Write this voter's record to the data dir and fsync it, then report `voterRecordPersisted(ticket:)`. Tickets
    /// grow; a later record includes every earlier change, so the shell may skip to the newest one it was given.
    case persist(VoterRecord, ticket: UInt64)
}

/// Who this node believes the controller is.
public struct ControllerView: Hashable, Sendable {
    public var controller: String?
    public var epoch: UInt64
    /// Remaining lease as far as this node knows; nil when there is no controller.
    public var leaseRemaining: Duration?

    public init(controller: String?, epoch: UInt64, leaseRemaining: Duration?) {
        self.controller = controller
        self.epoch = epoch
        self.leaseRemaining = leaseRemaining
    }
}
