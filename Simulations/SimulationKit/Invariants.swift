import Gossip

/// What an invariant checker may read at a checkpoint. Hold it only for the duration of the call.
public struct SimulationState {
    /// Virtual nanoseconds since the start.
    public let time: Int64
    public let names: [String]
    let instances: [SWIMInstance]
    let up: [Bool]
    let leaving: [Bool]

    public var nodeCount: Int { names.count }

    /// Running (booted, not crashed, not stopped).
    public func isUp(_ node: Int) -> Bool { up[node] }
    /// Up and not leaving: a node everyone should see alive.
    public func isLive(_ node: Int) -> Bool { up[node] && !leaving[node] }
    /// The node's current SWIM instance, nil when it is down.
    public func instance(_ node: Int) -> SWIMInstance? { up[node] ? instances[node] : nil }
}

/// Why a checker is asked to check.
public enum CheckpointReason: Sendable, Equatable {
    /// The last fault was at `lastFault` seconds and the settle bound has passed.
    case settled(lastFault: Double, settle: Double)
    /// The run ended.
    case final
}

/// A property every run must keep. Checkers see every membership change and get checkpoints; they return
/// violation messages (the engine adds the time, the checker's name and the seed to replay). Lease and ISR checkers
/// plug in the same way.
public protocol InvariantChecker: AnyObject {
    var name: String { get }
    func nodeBooted(_ node: Int, at time: Int64)
    func nodeStopped(_ node: Int, at time: Int64)
    /// `viewer` applied `change`. Return a message if it breaks the invariant.
    func memberChanged(viewer: Int, change: MemberChange, member: Int, at time: Int64) -> String?
    func check(_ state: SimulationState, reason: CheckpointReason) -> [String]
}

extension InvariantChecker {
    public func nodeBooted(_ node: Int, at time: Int64) {}
    public func nodeStopped(_ node: Int, at time: Int64) {}
    public func memberChanged(viewer: Int, change: MemberChange, member: Int, at time: Int64) -> String? { nil }
    public func check(_ state: SimulationState, reason: CheckpointReason) -> [String] { [] }
}

/// After the last fault heals (plus the settle bound), every live node's view holds exactly the live nodes as
/// members (alive or suspect) and nothing else.
public final class ConvergenceChecker: InvariantChecker {
    public let name = "convergence"
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

/// A node never sees itself as dead (or as anything but alive while it runs and is not leaving).
public final class SelfViewChecker: InvariantChecker {
    public let name = "never-self-dead"
    public init() {}

    public func memberChanged(viewer: Int, change: MemberChange, member: Int, at time: Int64) -> String? {
        guard member == viewer else { return nil }
        return "node \(change.member.name) recorded itself as \(change.member.status)"
    }

    public func check(_ state: SimulationState, reason: CheckpointReason) -> [String] {
        var problems: [String] = []
        // Listing every member sorts the table; above a few thousand nodes only the self row is checked.
        let full = state.nodeCount <= 2000
        for v in 0..<state.nodeCount {
            guard let instance = state.instance(v) else { continue }
            let selfRows =
                full
                ? instance.members.filter { $0.name == state.names[v] }
                : [instance.member(named: state.names[v])].compactMap { $0 }
            if selfRows.count != 1 || selfRows[0].status == .dead {
                problems.append("\(state.names[v]) sees itself as \(selfRows.map { "\($0.status)" })")
            }
        }
        return problems
    }
}
