import Gossip
import Partitions
import Primitives

/// What an invariant checker may read at a checkpoint. Hold it only for the duration of the call.
public struct SimulationState {
    /// Virtual nanoseconds since the start.
    public let time: Int64
    public let names: [String]
    let nodes: [ClusterNode]
    let up: [Bool]
    let leaving: [Bool]
    let localTimes: [Int64]
    let network: NetworkModel
    /// Indices of the controller voters.
    public let voters: [Int]
    /// Per partition: its newest version anywhere and since when (virtual ns) it exists.
    public let newestPartitionSince: [PartitionID: NewestVersion]

    public var nodeCount: Int { names.count }

    /// Running (booted, not crashed, not stopped).
    public func isUp(_ node: Int) -> Bool { up[node] }
    /// Up and not leaving: a node everyone should see alive.
    public func isLive(_ node: Int) -> Bool { up[node] && !leaving[node] }
    /// The node's current SWIM instance, nil when it is down.
    public func instance(_ node: Int) -> SWIMInstance? { up[node] ? nodes[node].gossip : nil }
    /// The node's whole state machine (gossip and partitions), nil when it is down.
    public func node(_ node: Int) -> ClusterNode? { up[node] ? nodes[node] : nil }
    /// The node's own clock now.
    public func localTime(_ node: Int) -> Timestamp { Timestamp(nanoseconds: localTimes[node]) }
    /// Whether datagrams from `a` reach `b` right now (partitions, one-way blocks, cut links).
    public func canSend(_ a: Int, _ b: Int) -> Bool { network.canSend(a, b) }
    /// Live voters that can talk to `node` both ways (a voter counts itself).
    public func votersReaching(_ node: Int) -> Int {
        voters.filter { v in isLive(v) && (v == node || (canSend(v, node) && canSend(node, v))) }.count
    }
    /// Whether a majority of the voters is live and can talk among itself.
    public var votersHaveMajority: Bool {
        let majority = voters.count / 2 + 1
        return voters.contains { v in
            isLive(v)
                && voters.filter { w in isLive(w) && (w == v || (canSend(v, w) && canSend(w, v))) }.count
                    >= majority
        }
    }
}

/// What a node's partition table held for one partition, compactly (leader as a node index, -1 for none; the ISR as
/// a digest, so that a change of the ISR alone is a change too).
public struct PartitionSnapshot: Sendable, Equatable {
    public var leader: Int32
    public var leaderEpoch: LeaderEpoch
    public var controllerEpoch: UInt64
    public var partitionEpoch: UInt64
    public var isrDigest: UInt64

    public init(
        leader: Int32,
        leaderEpoch: LeaderEpoch,
        controllerEpoch: UInt64,
        partitionEpoch: UInt64,
        isrDigest: UInt64 = 0
    ) {
        self.leader = leader
        self.leaderEpoch = leaderEpoch
        self.controllerEpoch = controllerEpoch
        self.partitionEpoch = partitionEpoch
        self.isrDigest = isrDigest
    }

    public static let unseen = PartitionSnapshot(leader: -1, leaderEpoch: .none, controllerEpoch: 0, partitionEpoch: 0)
    public var isUnseen: Bool { controllerEpoch == 0 && partitionEpoch == 0 }
    public var version: StateVersion { StateVersion(major: controllerEpoch, minor: partitionEpoch) }

    /// FNV-1a over the ISR's names in order (never 0 for a non-empty ISR in practice).
    public static func digest(isr: [String]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for name in isr {
            for byte in name.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
            hash ^= 0xFF
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}

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

/// After the last fault heals (plus the settle bound), every live node's view holds exactly the live nodes as
/// members (alive or suspect) and nothing else.
public final class ConvergenceChecker: InvariantChecker {
    public let name = "convergence"
    public var needsSettling: Bool { true }
    public init() {}

    public func check(_ state: SimulationState, reason: CheckpointReason) -> [String] {
        let n = state.nodeCount
        var problems: [String] = []
        var mismatches = 0
        for v in 0..<n where state.isLive(v) {
            guard let instance = state.instance(v) else { continue }
            var missing: [String] = []
            var extra: [String] = []
            for m in 0..<n where m != v {
                let active = instance.member(named: state.names[m])?.status.isActive ?? false
                if active && !state.isLive(m) { extra.append(state.names[m]) }
                if !active && state.isLive(m) { missing.append(state.names[m]) }
            }
            if instance.member(named: state.names[v])?.status != .alive { extra.append("itself not alive") }
            if !missing.isEmpty || !extra.isEmpty {
                mismatches += 1
                if problems.count < 5 {
                    var text = "\(state.names[v])"
                    if !missing.isEmpty { text += " misses \(Self.list(missing))" }
                    if !extra.isEmpty { text += " still has \(Self.list(extra))" }
                    problems.append(text)
                }
            }
        }
        guard mismatches > 0 else { return [] }
        let when: String
        switch reason {
        case .settled(let last, let settle):
            when = "\(Self.seconds(settle)) after the last fault (at \(Self.seconds(last)))"
        case .final:
            when = "at the end of the run"
        }
        return [
            "views have not converged \(when): \(mismatches) live nodes disagree; " + problems.joined(separator: "; ")
        ]
    }

    static func list(_ names: [String]) -> String {
        names.count <= 4
            ? names.joined(separator: ",") : names.prefix(4).joined(separator: ",") + " +\(names.count - 4)"
    }

    static func seconds(_ s: Double) -> String {
        let rounded = (s * 1000).rounded() / 1000
        return "\(rounded)s"
    }
}

/// The incarnation a node holds for a member never goes backwards, except when the member is new to it again
/// (after reaping, or after the viewer itself restarted).
public final class IncarnationChecker: InvariantChecker {
    public let name = "incarnation-monotonic"
    /// Only non-zero incarnations are stored: the common case costs no memory.
    private var held: [UInt64: UInt64] = [:]
    private let n: Int

    public init(nodes: Int) { n = nodes }

    public func nodeBooted(_ node: Int, at time: Int64) { forget(viewer: node) }
    public func nodeStopped(_ node: Int, at time: Int64) { forget(viewer: node) }

    private func forget(viewer: Int) {
        guard !held.isEmpty else { return }
        for m in 0..<n { held[Self.key(viewer, m)] = nil }
    }

    @inline(__always)
    static func key(_ viewer: Int, _ member: Int) -> UInt64 { UInt64(viewer) << 32 | UInt64(member) }

    public func memberChanged(viewer: Int, change: MemberChange, member: Int, at time: Int64) -> String? {
        let key = Self.key(viewer, member)
        let new = change.member.incarnation
        if change.previousStatus == nil {
            held[key] = new == 0 ? nil : new
            return nil
        }
        let old = held[key] ?? 0
        if new != old { held[key] = new == 0 ? nil : new }
        guard new < old else { return nil }
        return "viewer node \(viewer) moved \(change.member.name) from incarnation \(old) back to \(new) "
            + "(status \(change.previousStatus.map { "\($0)" } ?? "new") -> \(change.member.status))"
    }
}

/// Refutation works: once the faults have settled, no live node is held by anyone at an incarnation above its own
/// (every accusation, and every memory of an earlier life, has been outbid), and no node ever records a change about
/// itself (its own row is not in its member table).
public final class SelfViewChecker: InvariantChecker {
    public let name = "self-view"
    public var needsSettling: Bool { true }
    public init() {}

    public func memberChanged(viewer: Int, change: MemberChange, member: Int, at time: Int64) -> String? {
        guard member == viewer else { return nil }
        return "node \(change.member.name) recorded itself as \(change.member.status)"
    }

    public func check(_ state: SimulationState, reason: CheckpointReason) -> [String] {
        // Every pair is looked up; above a few thousand nodes that costs more than the run, so it is skipped.
        guard state.nodeCount <= 2000 else { return [] }
        var problems: [String] = []
        var count = 0
        // Each node's own incarnation first, then one pass over each observer's table: copying an instance per
        // pair made this checker the simulator's largest cost at 1,000 nodes.
        var incarnations: [(node: Int, own: UInt64)] = []
        for v in 0..<state.nodeCount where state.isLive(v) {
            if let incarnation = state.instance(v)?.incarnation { incarnations.append((v, incarnation)) }
        }
        for w in 0..<state.nodeCount where state.isLive(w) {
            guard let observer = state.instance(w) else { continue }
            for (v, own) in incarnations where v != w {
                guard let held = observer.member(named: state.names[v]), held.incarnation > own else { continue }
                count += 1
                if problems.isEmpty {
                    problems.append(
                        "\(state.names[w]) holds \(state.names[v]) \(held.status) at incarnation \(held.incarnation), "
                            + "above its own \(own): the node never outbid it"
                    )
                }
            }
        }
        if count > 1 { problems.append("\(count) such views in all") }
        return problems
    }
}
