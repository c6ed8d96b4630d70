// The scenario model: what happens during a run (network, clocks, timed faults), independent of where it came
// from (the built-in catalogue in `BuiltInScenarios.swift`, a JSON file in `ScenarioFile.swift`, the swarm).

/// Link behaviour for the whole simulated network. Latency is `latency + spread·h(link) + jitter·u` where `h` is a
/// fixed per-link fraction derived from the seed and `u` is drawn per packet, so packets reorder when jitter exceeds
/// their spacing.
public struct NetworkSettings: Codable, Sendable, Equatable {
    /// One-way base latency, milliseconds.
    public var latencyMs: Double
    /// Extra per-packet latency, uniform in [0, jitterMs).
    public var jitterMs: Double
    /// Extra fixed per-link latency, uniform over links in [0, latencySpreadMs).
    public var latencySpreadMs: Double
    /// Probability that a datagram is lost.
    public var loss: Double
    /// Probability that a delivered datagram is delivered twice (the copy takes its own latency).
    public var duplicate: Double

    public init(
        latencyMs: Double = 0.3,
        jitterMs: Double = 0.4,
        latencySpreadMs: Double = 0.2,
        loss: Double = 0,
        duplicate: Double = 0
    ) {
        self.latencyMs = latencyMs
        self.jitterMs = jitterMs
        self.latencySpreadMs = latencySpreadMs
        self.loss = loss
        self.duplicate = duplicate
    }

    /// The default network for a gossip profile: a data-centre LAN, a single host, or a WAN.
    public static func defaults(forProfile profile: String) -> NetworkSettings {
        switch profile {
        case "local": NetworkSettings(latencyMs: 0.05, jitterMs: 0.05, latencySpreadMs: 0)
        case "wan": NetworkSettings(latencyMs: 30, jitterMs: 20, latencySpreadMs: 40)
        default: NetworkSettings()
        }
    }

    func validationErrors() -> [String] {
        var errors: [String] = []
        for (label, value) in [("latencyMs", latencyMs), ("jitterMs", jitterMs), ("latencySpreadMs", latencySpreadMs)]
        where !(value >= 0 && value < 600_000) {
            errors.append("network.\(label) must be between 0 and 600000, got \(value)")
        }
        for (label, value) in [("loss", loss), ("duplicate", duplicate)] where !(value >= 0 && value <= 1) {
            errors.append("network.\(label) must be a probability between 0 and 1, got \(value)")
        }
        return errors
    }
}

/// Per-node clocks: each node's clock is `virtual·(1 + drift) + skew`, drawn uniformly within these bounds.
public struct ClockSettings: Codable, Sendable, Equatable {
    /// Largest absolute skew, milliseconds.
    public var skewMs: Double
    /// Largest absolute drift, parts per million.
    public var driftPPM: Double

    public init(skewMs: Double, driftPPM: Double) {
        self.skewMs = skewMs
        self.driftPPM = driftPPM
    }
}

/// One fault (or repair) applied at a moment of the run. Node lists are indices 0..<N.
public enum FaultAction: Sendable, Equatable {
    /// The process dies: state lost, no goodbye.
    case crash([Int])
    /// A fresh instance under the same name and address, incarnation 0, rejoining through a seed.
    case restart([Int])
    /// Graceful leave; the node stops once its `left` message has spread.
    case leave([Int])
    /// The node stops processing; everything addressed to it waits until `resume`.
    case pause([Int])
    case resume([Int])
    /// Every event the node handles costs `delayMs` of processing (a CPU-starved node); 0 makes it healthy again.
    case slow([Int], delayMs: Double)
    /// Nodes in different groups cannot talk; nodes in no group form one more group.
    case partition([[Int]])
    /// The nodes can talk to no one.
    case isolate([Int])
    /// Packets from `from` to `to` are dropped (the reverse direction works).
    case oneWay(from: [Int], to: [Int])
    /// Like `partition`, but the `via` nodes belong to every group.
    case bridge(groups: [[Int]], via: [Int])
    /// Removes partitions, isolation and bridges (one-way blocks and cut links stay).
    case healPartitions
    /// Removes every network fault: partitions, one-way blocks and cut links.
    case heal
    /// Removes the one-way block `from` → `to`.
    case unblock(from: [Int], to: [Int])
    /// Cuts, or restores, the link between two nodes in both directions.
    case cut(Int, Int)
    case restore(Int, Int)
    /// Changes network-wide settings (nil fields keep their value).
    case network(loss: Double?, duplicate: Double?, latencyMs: Double?, jitterMs: Double?)
    /// Sets a node's clock drift and steps its clock by `stepMs` (backward steps hold the clock until it catches up).
    case clock([Int], stepMs: Double, drift: Double)
    /// Crashes the node acting as controller at that moment (nothing when none acts).
    case crashController
    /// Crashes the broker leading the most partitions (in the controller's table), other than the controller.
    case crashLeader
    /// Partitions the acting controller, with the largest minority of the voters it can take along (none of 3,
    /// one of 5), away from everyone else.
    case isolateController
    /// Restarts every node that `crashController` or `crashLeader` took down and that is still down.
    case restartVictims

    public var label: String {
        switch self {
        case .crash: "crash"
        case .restart: "restart"
        case .leave: "leave"
        case .pause: "pause"
        case .resume: "resume"
        case .slow(_, let delay): delay == 0 ? "unslow" : "slow"
        case .partition: "partition"
        case .isolate: "isolate"
        case .oneWay: "one-way"
        case .bridge: "bridge"
        case .healPartitions: "heal-partitions"
        case .heal: "heal"
        case .unblock: "unblock"
        case .cut: "cut"
        case .restore: "restore"
        case .network: "network"
        case .clock: "clock"
        case .crashController: "crash-controller"
        case .crashLeader: "crash-leader"
        case .isolateController: "isolate-controller"
        case .restartVictims: "restart-victims"
        }
    }

    /// Whether this event repairs something (re-merge time is measured from these).
    public var isRepair: Bool {
        switch self {
        case .restart, .resume, .healPartitions, .heal, .unblock, .restore, .restartVictims: true
        case .slow(_, let delay): delay == 0
        default: false
        }
    }

    var nodes: [Int] {
        switch self {
        case .crash(let n), .restart(let n), .leave(let n), .pause(let n), .resume(let n), .slow(let n, _),
            .isolate(let n), .clock(let n, _, _):
            n
        case .partition(let groups): groups.flatMap { $0 }
        case .bridge(let groups, let via): groups.flatMap { $0 } + via
        case .oneWay(let from, let to), .unblock(let from, let to): from + to
        case .cut(let a, let b), .restore(let a, let b): [a, b]
        case .healPartitions, .heal, .network, .crashController, .crashLeader, .isolateController, .restartVictims: []
        }
    }
}

public struct TimedFault: Sendable, Equatable {
    /// Seconds from the start of the run.
    public var at: Double
    public var action: FaultAction

    public init(at: Double, _ action: FaultAction) {
        self.at = at
        self.action = action
    }
}

/// What happens during a run: the network, the clocks and the timed faults. Resolved for a node count and duration.
public struct Scenario: Sendable, Equatable {
    public var name: String
    public var summary: String
    /// Nil: the profile's default network.
    public var network: NetworkSettings?
    public var clocks: ClockSettings?
    /// Sorted by time (stable).
    public var faults: [TimedFault]

    public init(
        name: String,
        summary: String = "",
        network: NetworkSettings? = nil,
        clocks: ClockSettings? = nil,
        faults: [TimedFault] = []
    ) {
        self.name = name
        self.summary = summary
        self.network = network
        self.clocks = clocks
        self.faults = faults.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
            .map(\.element)
    }

    /// Time of the last fault event, seconds (0 without faults).
    public var lastFaultTime: Double { faults.map(\.at).max() ?? 0 }

    /// Checks node indices and times against a run.
    public func validationErrors(nodes: Int, duration: Double) -> [String] {
        var errors = network?.validationErrors() ?? []
        for (index, fault) in faults.enumerated() {
            let where_ = "event \(index) (\(fault.action.label) at \(fault.at)s)"
            if !(fault.at >= 0) { errors.append("\(where_): time must not be negative") }
            if fault.at > duration { errors.append("\(where_): after the end of the run (\(duration)s)") }
            for node in fault.action.nodes where node < 0 || node >= nodes {
                errors.append("\(where_): node \(node) is out of range 0..<\(nodes)")
            }
            switch fault.action {
            case .slow(_, let delay) where !(delay >= 0 && delay <= 60_000):
                errors.append("\(where_): delayMs must be between 0 and 60000")
            case .partition(let groups) where groups.count > 62, .bridge(let groups, _) where groups.count > 62:
                errors.append("\(where_): at most 62 groups")
            case .network(let loss, let duplicate, let latency, let jitter):
                for (label, value) in [("loss", loss), ("duplicate", duplicate)] {
                    if let value, !(value >= 0 && value <= 1) { errors.append("\(where_): \(label) must be in 0...1") }
                }
                for (label, value) in [("latencyMs", latency), ("jitterMs", jitter)] {
                    if let value, !(value >= 0) { errors.append("\(where_): \(label) must not be negative") }
                }
            case .clock(_, let step, let drift):
                if !(drift > -0.5 && drift < 0.5) { errors.append("\(where_): drift must be within ±0.5") }
                if !step.isFinite { errors.append("\(where_): stepMs must be finite") }
            default: break
            }
        }
        return errors
    }
}

public struct ScenarioError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
