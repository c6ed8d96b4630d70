import Gossip
import Primitives
import SimulationEngine

// The built-in scenario catalogue (`peer-sim list`), each sized for a node count and duration.

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
