import Gossip
import Partitions

/// Why a checker is asked to check.
public enum CheckpointReason: Sendable, Equatable {
    /// The last fault was at `lastFault` seconds and the settle bound has passed.
    case settled(lastFault: Double, settle: Double)
    /// The run ended.
    case final
}

/// A property every run must keep. Checkers see every membership change, every change of a node's partition table
/// and controller view, every start of a controller term, and get checkpoints; they return violation messages (the
/// engine adds the time, the checker's name and the seed to replay).
public protocol InvariantChecker: AnyObject {
    var name: String { get }
    /// Whether the check at the end of a run that did not reach the settle bound is skipped.
    var needsSettling: Bool { get }
    func nodeBooted(_ node: Int, at time: Int64)
    func nodeStopped(_ node: Int, at time: Int64)
    /// `viewer` applied `change`. Return a message if it breaks the invariant.
    func memberChanged(viewer: Int, change: MemberChange, member: Int, at time: Int64) -> String?
    /// `viewer`'s partition table changed for `current.id` (from `previous`, `.unseen` when new to it).
    func partitionChanged(viewer: Int, previous: PartitionSnapshot, current: PartitionState, at time: Int64) -> String?
    /// `viewer`'s view of the controller changed.
    func controllerViewChanged(viewer: Int, view: ControllerView, at time: Int64) -> String?
    /// `node` started acting as controller under `epoch` (a new term, or its lease back after a lapse). `acting`
    /// holds every node acting at this instant (by its own clock), `node` included, with their epochs.
    func controllerStartedActing(
        node: Int,
        epoch: UInt64,
        acting: [(node: Int, epoch: UInt64)],
        at time: Int64
    )
        -> [String]
    func check(_ state: SimulationState, reason: CheckpointReason) -> [String]
}

extension InvariantChecker {
    public var needsSettling: Bool { false }
    public func nodeBooted(_ node: Int, at time: Int64) {}
    public func nodeStopped(_ node: Int, at time: Int64) {}
    public func memberChanged(viewer: Int, change: MemberChange, member: Int, at time: Int64) -> String? { nil }
    public func partitionChanged(
        viewer: Int,
        previous: PartitionSnapshot,
        current: PartitionState,
        at time: Int64
    )
        -> String?
    { nil }
    public func controllerViewChanged(viewer: Int, view: ControllerView, at time: Int64) -> String? { nil }
    public func controllerStartedActing(
        node: Int,
        epoch: UInt64,
        acting: [(node: Int, epoch: UInt64)],
        at time: Int64
    ) -> [String] { [] }
    public func check(_ state: SimulationState, reason: CheckpointReason) -> [String] { [] }
}
