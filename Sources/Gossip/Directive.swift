import Primitives

/// Timers the core asks its shell to run. A timer that fires after the thing it guarded is resolved is ignored,
/// so shells never need to cancel one.
public enum GossipTimer: Hashable, Sendable {
    /// Start the next probe round.
    case probe
    /// The direct ack for probe `sequence` is overdue: ask others to probe indirectly.
    case probeTimeout(sequence: UInt32)
    /// The probe round for `sequence` is over: suspect the target unless someone acked.
    case probeRoundEnd(sequence: UInt32)
    /// As an intermediary for a ping-req: the target has not acked in time, send the requester a nack.
    case relayNack(sequence: UInt32)
    /// As an intermediary: forget the relay for `sequence`.
    case relayExpire(sequence: UInt32)
    /// Gossip queued updates to a few random members.
    case gossip
    /// Anti-entropy push-pull with one random member.
    case pushPull
    /// Try to re-merge with a member we believe dead (heals partitions), or re-join the seeds when alone.
    case reconnect
    /// The suspicion of `member` may have run out.
    case suspicion(member: String)
    /// Forget dead and left members past their retention.
    case reap
    /// No seed has answered yet: try again.
    case joinRetry(attempt: Int)
    /// The leave message has had time to spread.
    case leaveComplete
}

/// A change in the membership table, reported to the shell for logs, metrics and observers.
public struct MemberChange: Hashable, Sendable {
    public var member: Member
    /// Nil when the member is new to us.
    public var previousStatus: MemberStatus?

    public init(member: Member, previousStatus: MemberStatus?) {
        self.member = member
        self.previousStatus = previousStatus
    }
}

/// What the core asks its shell to do.
public enum GossipDirective: Hashable, Sendable {
    /// Send one datagram (the shell seals it).
    case send(datagram: [UInt8], to: PeerAddress)
    /// Call `timerFired(_:now:)` after `delay`.
    case schedule(GossipTimer, after: Duration)
    /// Open a stream to `address`, send `payload` (the shell seals and frames it), and hand any reply to
    /// `receivePushPull(_:now:)`; report a failure with `pushPullFailed(with:now:)`.
    case pushPull(payload: [UInt8], to: PeerAddress, isJoin: Bool)
    case memberChanged(MemberChange)
    /// A newer value of a cluster-state key was accepted (from anyone, this node included).
    case stateChanged(StateEntry)
    /// After a graceful leave, the `left` message has spread: the shell may stop.
    case leaveComplete
}
