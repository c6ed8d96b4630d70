import Foundation
import Gossip
import SimulationEngine

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

// MARK: - Built-in scenarios

extension Scenario {
    public static let builtInNames = [
        "steady", "crash-one", "crash-many", "partition-halves", "partition-heal", "one-way", "lossy", "slow-node",
        "pause", "rolling-restart", "churn", "kill-controller", "kill-leader", "controller-minority", "skew",
    ]

    /// Clock rates of the `skew` scenario: within ±4.5 % of real time (9 % apart at most), against the 10 % the
    /// default lease (2 s) and drift bound (200 ms) tolerate.
    public static let skewDrift = 0.045

    /// When faults begin: after the cluster has had time to form.
    public static func faultStart(duration: Double) -> Double {
        min(max(20, duration * 0.2), duration / 2)
    }

    /// A built-in scenario sized for `nodes` and `duration`; nil for an unknown name. `settle` is how long the
    /// cluster gets after the last fault (faults are laid out to leave it when the duration allows).
    public static func builtIn(
        _ name: String,
        nodes n: Int,
        duration d: Double,
        settle: Double,
        seed: UInt64
    ) -> Scenario? {
        let t0 = faultStart(duration: d)
        var rng = SeededRandom(seed: seed ^ 0x5CE7_A710_F417_5EED)
        // A victim other than the seed node, when there is one.
        let victim = n > 2 ? n / 2 : max(0, n - 1)
        let lower = Array(0..<(n / 2))
        let upper = Array((n / 2)..<n)
        let everyone = Array(0..<n)
        switch name {
        case "steady":
            return Scenario(name: name, summary: "no faults: join, then steady state")
        case "crash-one":
            return Scenario(
                name: name,
                summary: "node \(victim) crashes at \(t0)s",
                faults: [TimedFault(at: t0, .crash([victim]))]
            )
        case "crash-many":
            let count = min(max(2, n / 10), max(0, n - 2))
            var pool = Array(1..<max(1, n))
            var victims: [Int] = []
            for _ in 0..<count {
                victims.append(pool.remove(at: rng.below(pool.count)))
            }
            let faults = victims.sorted().enumerated().map {
                TimedFault(at: t0 + Double($0.offset) * 0.2, .crash([$0.element]))
            }
            return Scenario(name: name, summary: "\(count) nodes crash from \(t0)s", faults: faults)
        case "partition-halves":
            let length = max(10, min(60, (d - t0) / 3))
            return Scenario(
                name: name,
                summary: "halves split at \(t0)s, heal at \(t0 + length)s",
                faults: [TimedFault(at: t0, .partition([lower, upper])), TimedFault(at: t0 + length, .heal)]
            )
        case "partition-heal":
            // Transient splits of each kind, each shorter than a death sentence needs, then a clean heal.
            var faults: [TimedFault] = []
            let kinds: [FaultAction] = [
                .partition([lower, upper]),
                .isolate([victim]),
                .bridge(groups: [lower.filter { $0 != victim }, upper.filter { $0 != victim }], via: [victim]),
            ]
            var t = t0
            for kind in kinds where t + 5 + settle <= d || faults.isEmpty {
                faults.append(TimedFault(at: t, kind))
                faults.append(TimedFault(at: t + 5, .heal))
                t += 25
            }
            return Scenario(
                name: name,
                summary: "short partitions (halves, isolated node, bridge), each healed",
                faults: faults
            )
        case "one-way":
            let length = max(10, min(30, (d - t0) / 3))
            var faults = [
                TimedFault(at: t0, .oneWay(from: [victim], to: everyone.filter { $0 != victim })),
                TimedFault(at: t0 + length, .heal),
            ]
            if n >= 4 {
                // A single one-way link is masked by indirect probes.
                let a = 1
                let b = n - 1 == victim ? n - 2 : n - 1
                faults.append(TimedFault(at: t0 + length + 1, .oneWay(from: [a], to: [b])))
                faults.append(TimedFault(at: t0 + 2 * length + 1, .unblock(from: [a], to: [b])))
            }
            return Scenario(
                name: name,
                summary: "node \(victim) hears everyone but no one hears it; then one one-way link",
                faults: faults
            )
        case "lossy":
            var network = NetworkSettings()
            network.loss = 0.10
            return Scenario(name: name, summary: "10% datagram loss on every link", network: network)
        case "slow-node":
            let end = max(t0 + 10, d - settle)
            return Scenario(
                name: name,
                summary: "node \(victim) spends 80 ms on every event from \(t0)s to \(end)s",
                faults: [
                    TimedFault(at: t0, .slow([victim], delayMs: 80)), TimedFault(at: end, .slow([victim], delayMs: 0)),
                ]
            )
        case "pause":
            var faults = [TimedFault(at: t0, .pause([victim])), TimedFault(at: t0 + 3, .resume([victim]))]
            if n >= 3 {
                let other = victim == 1 ? 2 : 1
                faults.append(TimedFault(at: t0 + 20, .pause([other])))
                faults.append(TimedFault(at: t0 + 50, .resume([other])))
            }
            return Scenario(name: name, summary: "a 3 s pause, then a 30 s pause", faults: faults)
        case "rolling-restart":
            var faults: [TimedFault] = []
            var t = t0
            for node in Array(1..<max(1, n)) + [0] where n > 1 && (t + 5 + settle <= d || faults.isEmpty) {
                faults.append(TimedFault(at: t, .leave([node])))
                faults.append(TimedFault(at: t + 5, .restart([node])))
                t += 15
            }
            return Scenario(name: name, summary: "nodes leave and restart one by one", faults: faults)
        case "churn":
            var faults: [TimedFault] = []
            var down: [Int] = []
            var up = Array(1..<max(1, n))
            var t = t0
            let end = max(t0, d - settle)
            while t < end {
                if !down.isEmpty && (down.count >= max(1, n / 4) || up.isEmpty || rng.chance(0.5)) {
                    let node = down.remove(at: rng.below(down.count))
                    faults.append(TimedFault(at: t, .restart([node])))
                    up.append(node)
                } else if !up.isEmpty {
                    let node = up.remove(at: rng.below(up.count))
                    faults.append(TimedFault(at: t, rng.chance(0.3) ? .leave([node]) : .crash([node])))
                    down.append(node)
                }
                t += 2 + 6 * rng.unitDouble()
            }
            if !down.isEmpty { faults.append(TimedFault(at: min(d, end), .restart(down.sorted()))) }
            return Scenario(name: name, summary: "random crashes, leaves and restarts", faults: faults)
        case "kill-controller":
            return Scenario(
                name: name,
                summary: "the acting controller crashes at \(t0)s",
                faults: [TimedFault(at: t0, .crashController)]
            )
        case "kill-leader":
            return Scenario(
                name: name,
                summary: "the broker leading the most partitions (not the controller) crashes at \(t0)s",
                faults: [TimedFault(at: t0, .crashLeader)]
            )
        case "controller-minority":
            let length = max(10, min(30, (d - t0) / 3))
            return Scenario(
                name: name,
                summary: "the controller and a minority of voters are cut off at \(t0)s, healed at \(t0 + length)s",
                faults: [TimedFault(at: t0, .isolateController), TimedFault(at: t0 + length, .healPartitions)]
            )
        case "skew":
            // Voters at the extremes of the allowed rates, everyone else anywhere in between, plus offsets.
            var faults: [TimedFault] = []
            for v in 0..<min(n, 5) {
                let drift = v % 3 == 0 ? skewDrift : v % 3 == 1 ? -skewDrift : 0
                faults.append(TimedFault(at: 0, .clock([v], stepMs: 0, drift: drift)))
            }
            // Controller crashes and cut-offs under the skew, each repaired, while the duration allows.
            let steps: [(FaultAction, FaultAction?)] = [
                (.isolateController, .healPartitions), (.crashController, .restartVictims),
                (.isolateController, .healPartitions), (.crashController, .restartVictims),
            ]
            var t = t0
            for (fault, repair) in steps where t + 20 + settle <= d || faults.count <= min(n, 5) {
                faults.append(TimedFault(at: t, fault))
                if let repair { faults.append(TimedFault(at: t + 12, repair)) }
                t += 25
            }
            return Scenario(
                name: name,
                summary:
                    "clock rates within ±\(skewDrift * 100)% and offsets up to 1 s; controller cut off and crashed in turn",
                clocks: ClockSettings(skewMs: 1000, driftPPM: skewDrift * 1e6),
                faults: faults
            )
        default:
            return nil
        }
    }
}

// MARK: - Scenario files

/// A scenario file: JSON with optional run defaults and timed fault events.
///
/// ```json
/// {"name": "demo", "nodes": 20, "duration": 180, "profile": "lan",
///  "network": {"latencyMs": 0.5, "jitterMs": 0.5, "loss": 0.01},
///  "clocks": {"skewMs": 200, "driftPPM": 100},
///  "events": [{"at": 30, "action": "crash", "nodes": [3]},
///             {"at": 40, "action": "partition-halves", "for": 30},
///             {"at": 90, "action": "flap", "nodes": [1, 2], "period": 2, "count": 6}]}
/// ```
public struct ScenarioFile: Decodable, Sendable {
    public var name: String?
    public var description: String?
    public var nodes: Int?
    public var duration: Double?
    public var seed: UInt64?
    public var profile: String?
    public var network: NetworkOverrides?
    public var clocks: ClockSettings?
    public var events: [Event]

    /// Network fields a file may set; the rest come from the profile's defaults.
    public struct NetworkOverrides: Decodable, Sendable {
        public var latencyMs: Double?
        public var jitterMs: Double?
        public var latencySpreadMs: Double?
        public var loss: Double?
        public var duplicate: Double?

        func applied(to base: NetworkSettings) -> NetworkSettings {
            var settings = base
            if let latencyMs { settings.latencyMs = latencyMs }
            if let jitterMs { settings.jitterMs = jitterMs }
            if let latencySpreadMs { settings.latencySpreadMs = latencySpreadMs }
            if let loss { settings.loss = loss }
            if let duplicate { settings.duplicate = duplicate }
            return settings
        }
    }

    public struct Event: Decodable, Sendable {
        public var at: Double
        public var action: String
        public var nodes: [Int]?
        public var groups: [[Int]]?
        public var via: [Int]?
        public var from: [Int]?
        public var to: [Int]?
        /// Undo the fault this many seconds later.
        public var `for`: Double?
        public var delayMs: Double?
        public var stepMs: Double?
        public var drift: Double?
        public var loss: Double?
        public var duplicate: Double?
        public var latencyMs: Double?
        public var jitterMs: Double?
        public var period: Double?
        public var count: Int?
    }

    public static let actions = [
        "crash", "restart", "leave", "pause", "resume", "slow", "partition", "partition-halves", "isolate", "one-way",
        "bridge", "heal", "heal-partitions", "unblock", "cut", "restore", "flap", "network", "clock",
        "crash-controller", "crash-leader", "isolate-controller", "restart-victims",
    ]

    /// Parses a file, with a one-line error naming the field at fault.
    public static func load(contentsOf url: URL) throws(ScenarioError) -> ScenarioFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ScenarioError("cannot read scenario file \(url.path): \(error.localizedDescription)")
        }
        return try parse(data, source: url.lastPathComponent)
    }

    public static func parse(_ data: Data, source: String = "scenario") throws(ScenarioError) -> ScenarioFile {
        do {
            return try JSONDecoder().decode(ScenarioFile.self, from: data)
        } catch let error as DecodingError {
            throw ScenarioError("\(source): \(describe(error))")
        } catch {
            throw ScenarioError("\(source): \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "top level" : String(p.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing field \"\(key.stringValue)\"\(at)"
        case .typeMismatch(let type, let context):
            return "field \(path(context)) has the wrong type (expected \(type))"
        case .valueNotFound(let type, let context):
            return "field \(path(context)) is null (expected \(type))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return "field \(path(context)): \(context.debugDescription)"
        @unknown default:
            return "not a valid scenario"
        }
    }

    /// The scenario for a run with `nodes` nodes (expands `for`, `flap` and `partition-halves`).
    public func resolve(nodes n: Int, duration: Double, profile: String = "lan") throws(ScenarioError) -> Scenario {
        var faults: [TimedFault] = []
        var errors: [String] = []
        for (index, event) in events.enumerated() {
            let here = "event \(index) (\(event.action))"
            func need<T>(_ value: T?, _ field: String) -> T? {
                if value == nil { errors.append("\(here): missing field \"\(field)\"") }
                return value
            }
            var undo: FaultAction?
            let action: FaultAction?
            switch event.action {
            case "crash": action = need(event.nodes, "nodes").map { .crash($0) }
            case "restart": action = need(event.nodes, "nodes").map { .restart($0) }
            case "leave": action = need(event.nodes, "nodes").map { .leave($0) }
            case "pause":
                action = need(event.nodes, "nodes").map { .pause($0) }
                undo = event.nodes.map { .resume($0) }
            case "resume": action = need(event.nodes, "nodes").map { .resume($0) }
            case "slow":
                if let nodes = need(event.nodes, "nodes"), let delay = need(event.delayMs, "delayMs") {
                    action = .slow(nodes, delayMs: delay)
                    undo = .slow(nodes, delayMs: 0)
                } else {
                    action = nil
                }
            case "partition":
                action = need(event.groups, "groups").map { .partition($0) }
                undo = .healPartitions
            case "partition-halves":
                action = .partition([Array(0..<(n / 2)), Array((n / 2)..<n)])
                undo = .healPartitions
            case "isolate":
                action = need(event.nodes, "nodes").map { .isolate($0) }
                undo = .healPartitions
            case "bridge":
                if let groups = need(event.groups, "groups"), let via = need(event.via, "via") {
                    action = .bridge(groups: groups, via: via)
                } else {
                    action = nil
                }
                undo = .healPartitions
            case "one-way", "unblock":
                if let from = need(event.from, "from"), let to = need(event.to, "to") {
                    action = event.action == "one-way" ? .oneWay(from: from, to: to) : .unblock(from: from, to: to)
                    undo = .unblock(from: from, to: to)
                } else {
                    action = nil
                }
            case "heal": action = .heal
            case "crash-controller": action = .crashController
            case "crash-leader": action = .crashLeader
            case "isolate-controller":
                action = .isolateController
                undo = .healPartitions
            case "restart-victims": action = .restartVictims
            case "heal-partitions": action = .healPartitions
            case "cut", "restore", "flap":
                guard let pair = need(event.nodes, "nodes") else {
                    action = nil
                    break
                }
                guard pair.count == 2 else {
                    errors.append("\(here): \"nodes\" must name exactly two nodes")
                    action = nil
                    break
                }
                if event.action == "flap" {
                    let period = event.period ?? 2
                    let count = event.count ?? 5
                    guard period > 0, count > 0, count <= 100_000 else {
                        errors.append("\(here): period must be positive and count in 1...100000")
                        action = nil
                        break
                    }
                    for i in 0..<count {
                        faults.append(TimedFault(at: event.at + Double(2 * i) * period / 2, .cut(pair[0], pair[1])))
                        faults.append(
                            TimedFault(at: event.at + Double(2 * i + 1) * period / 2, .restore(pair[0], pair[1]))
                        )
                    }
                    action = nil
                } else {
                    action = event.action == "cut" ? .cut(pair[0], pair[1]) : .restore(pair[0], pair[1])
                    undo = .restore(pair[0], pair[1])
                }
            case "network":
                action = .network(
                    loss: event.loss,
                    duplicate: event.duplicate,
                    latencyMs: event.latencyMs,
                    jitterMs: event.jitterMs
                )
            case "clock":
                action = need(event.nodes, "nodes").map {
                    .clock($0, stepMs: event.stepMs ?? 0, drift: event.drift ?? 0)
                }
            default:
                errors.append("\(here): unknown action; expected one of \(Self.actions.joined(separator: ", "))")
                action = nil
            }
            if let action { faults.append(TimedFault(at: event.at, action)) }
            if let span = event.for {
                if !(span > 0) {
                    errors.append("\(here): \"for\" must be positive")
                } else if let undo, action != nil {
                    faults.append(TimedFault(at: event.at + span, undo))
                } else if action != nil {
                    errors.append("\(here): \"for\" is not supported for this action")
                }
            }
        }
        let scenario = Scenario(
            name: name ?? "file",
            summary: description ?? "",
            network: network?.applied(to: NetworkSettings.defaults(forProfile: profile)),
            clocks: clocks,
            faults: faults
        )
        errors += scenario.validationErrors(nodes: n, duration: duration)
        if let clocks, !(clocks.skewMs >= 0 && clocks.driftPPM >= 0 && clocks.driftPPM < 500_000) {
            errors.append("clocks: skewMs and driftPPM must be non-negative (driftPPM below 500000)")
        }
        if !errors.isEmpty { throw ScenarioError(errors.joined(separator: "\n")) }
        return scenario
    }
}

public struct ScenarioError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
