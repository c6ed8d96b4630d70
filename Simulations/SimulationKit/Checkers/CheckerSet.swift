import Gossip
import Partitions
import SimulationEngine

/// The run's invariant checkers and the violations they found: it fans every observation out to each checker in
/// order and records what they return (at most 20 per checker; the trace file gets each one).
///
/// The built-in checkers watch the control plane. Data-plane checkers (acknowledged records are never lost, offsets
/// only grow, a consumer sees what was produced in order) will be `InvariantChecker`s too, fed by the same set through
/// new callbacks (say `recordsAcknowledged` and `recordsFetched`) that the producer and consumer workloads raise.
struct CheckerSet {
    private(set) var checkers: [any InvariantChecker]
    private(set) var violations: [SimulationReport.Violation] = []
    private var counts: [String: Int] = [:]
    private let traceWriter: TraceWriter?

    /// The built-in checkers for a run of nodes named `names`, then `extra`.
    init(names: [String], extra: [any InvariantChecker], traceWriter: TraceWriter?) {
        checkers =
            [
                ConvergenceChecker(), IncarnationChecker(nodes: names.count), SelfViewChecker(),
                SingleControllerChecker(names: names), ControllerEpochChecker(names: names),
                PartitionEpochChecker(names: names), LeaderInISRChecker(names: names),
                PartitionConvergenceChecker(), LeaderAvailabilityChecker(),
            ] as [any InvariantChecker]
            + extra
        self.traceWriter = traceWriter
    }

    /// Records a violation of `checker` at virtual time `now`.
    mutating func record(_ checker: String, _ message: String, now: Int64) {
        let count = counts[checker, default: 0]
        counts[checker] = count + 1
        guard count < 20 else { return }
        violations.append(SimulationReport.Violation(checker: checker, at: VirtualTime.seconds(now), message: message))
        traceWriter?.line(now, "VIOLATION [\(checker)] \(message)")
    }

    // MARK: - Observations

    func nodeBooted(_ node: Int, now: Int64) {
        for checker in checkers { checker.nodeBooted(node, at: now) }
    }

    func nodeStopped(_ node: Int, now: Int64) {
        for checker in checkers { checker.nodeStopped(node, at: now) }
    }

    mutating func memberChanged(viewer: Int, change: MemberChange, member: Int, now: Int64) {
        for checker in checkers {
            if let message = checker.memberChanged(viewer: viewer, change: change, member: member, at: now) {
                record(checker.name, message, now: now)
            }
        }
    }

    mutating func partitionChanged(viewer: Int, previous: PartitionSnapshot, current: PartitionState, now: Int64) {
        for checker in checkers {
            if let message = checker.partitionChanged(viewer: viewer, previous: previous, current: current, at: now) {
                record(checker.name, message, now: now)
            }
        }
    }

    mutating func controllerViewChanged(viewer: Int, view: ControllerView, now: Int64) {
        for checker in checkers {
            if let message = checker.controllerViewChanged(viewer: viewer, view: view, at: now) {
                record(checker.name, message, now: now)
            }
        }
    }

    mutating func controllerStartedActing(node: Int, epoch: UInt64, acting: [(node: Int, epoch: UInt64)], now: Int64) {
        for checker in checkers {
            for message in checker.controllerStartedActing(node: node, epoch: epoch, acting: acting, at: now) {
                record(checker.name, message, now: now)
            }
        }
    }

    /// A checkpoint: every checker checks `state` (those that need settling only when `skippingUnsettled` is false).
    mutating func check(_ state: SimulationState, reason: CheckpointReason, skippingUnsettled: Bool) {
        var found: [(String, String)] = []
        for checker in checkers where !(skippingUnsettled && checker.needsSettling) {
            for message in checker.check(state, reason: reason) { found.append((checker.name, message)) }
        }
        for (checker, message) in found { record(checker, message, now: state.time) }
    }
}
