import Gossip

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
