import Foundation
import Gossip
import Primitives
import SimulationEngine

/// Randomised fault campaigns: each seed draws its own faults (loss, partitions, pauses, slow nodes, crashes,
/// restarts, clock skew, and the controller/partition mix: crashing or cutting off the acting controller, crashing
/// the busiest leader), all repaired early enough for the convergence check to apply.
public enum Swarm {
    /// The scenario a swarm run with `seed` uses.
    public static func scenario(seed: UInt64, nodes n: Int, duration d: Double, settle: Double) -> Scenario {
        var rng = SeededRandom(seed: seed ^ 0x5A4A_12F0_0D5E_ED00)
        let t0 = Scenario.faultStart(duration: d)
        let end = max(t0 + 1, d - settle)
        var network = NetworkSettings()
        if rng.chance(0.5) { network.loss = 0.03 * rng.unitDouble() }
        if rng.chance(0.3) { network.duplicate = 0.05 * rng.unitDouble() }
        if rng.chance(0.3) { network.jitterMs = 5 * rng.unitDouble() }
        let clocks: ClockSettings? =
            rng.chance(0.5) ? ClockSettings(skewMs: 2000 * rng.unitDouble(), driftPPM: 200 * rng.unitDouble()) : nil

        func node() -> Int { n > 1 ? 1 + rng.below(n - 1) : 0 }
        func span(_ lo: Double, _ hi: Double, from start: Double) -> Double {
            min(end, start + lo + (hi - lo) * rng.unitDouble())
        }
        var faults: [TimedFault] = []
        var crashed: Set<Int> = []
        let count = 1 + rng.below(5)
        var descriptions: [String] = []
        for _ in 0..<count where n >= 2 {
            let at = t0 + (end - t0) * 0.8 * rng.unitDouble()
            switch rng.below(12) {
            case 0:
                let loss = 0.05 + 0.2 * rng.unitDouble()
                faults.append(TimedFault(at: at, .network(loss: loss, duplicate: nil, latencyMs: nil, jitterMs: nil)))
                faults.append(
                    TimedFault(
                        at: span(5, 40, from: at),
                        .network(loss: network.loss, duplicate: nil, latencyMs: nil, jitterMs: nil)
                    )
                )
                descriptions.append("loss")
            case 1:
                var members = Array(0..<n)
                members.shuffle(using: &rng)
                let cut = 1 + rng.below(max(1, n - 1))
                faults.append(
                    TimedFault(at: at, .partition([Array(members[..<cut]).sorted(), Array(members[cut...]).sorted()]))
                )
                faults.append(TimedFault(at: span(2, 60, from: at), .healPartitions))
                descriptions.append("partition")
            case 2:
                faults.append(TimedFault(at: at, .isolate([node()])))
                faults.append(TimedFault(at: span(2, 40, from: at), .healPartitions))
                descriptions.append("isolate")
            case 3:
                let x = node()
                faults.append(TimedFault(at: at, .oneWay(from: [x], to: (0..<n).filter { $0 != x })))
                faults.append(
                    TimedFault(at: span(2, 30, from: at), .unblock(from: [x], to: (0..<n).filter { $0 != x }))
                )
                descriptions.append("one-way")
            case 4:
                let x = node()
                faults.append(TimedFault(at: at, .pause([x])))
                faults.append(TimedFault(at: span(0.5, 30, from: at), .resume([x])))
                descriptions.append("pause")
            case 5:
                let x = node()
                faults.append(TimedFault(at: at, .slow([x], delayMs: 10 + 90 * rng.unitDouble())))
                faults.append(TimedFault(at: span(5, 60, from: at), .slow([x], delayMs: 0)))
                descriptions.append("slow")
            case 6:
                let x = node()
                guard !crashed.contains(x) else { continue }
                faults.append(TimedFault(at: at, .crash([x])))
                if rng.chance(0.6) {
                    faults.append(TimedFault(at: span(1, 40, from: at), .restart([x])))
                } else {
                    crashed.insert(x)
                }
                descriptions.append("crash")
            case 7:
                let a = rng.below(n)
                var b = rng.below(n)
                if a == b { b = (a + 1) % n }
                let period = 0.5 + 4 * rng.unitDouble()
                var t = at
                while t + period < end {
                    faults.append(TimedFault(at: t, .cut(a, b)))
                    faults.append(TimedFault(at: t + period / 2, .restore(a, b)))
                    t += period
                    if t > at + 40 { break }
                }
                descriptions.append("flap")
            case 9:
                faults.append(TimedFault(at: at, .crashController))
                if rng.chance(0.7) { faults.append(TimedFault(at: span(1, 40, from: at), .restartVictims)) }
                descriptions.append("crash-controller")
            case 10:
                faults.append(TimedFault(at: at, .crashLeader))
                if rng.chance(0.7) { faults.append(TimedFault(at: span(1, 40, from: at), .restartVictims)) }
                descriptions.append("crash-leader")
            case 11:
                faults.append(TimedFault(at: at, .isolateController))
                faults.append(TimedFault(at: span(2, 40, from: at), .healPartitions))
                descriptions.append("isolate-controller")
            default:
                let x = node()
                guard !crashed.contains(x) else { continue }
                faults.append(TimedFault(at: at, .leave([x])))
                faults.append(TimedFault(at: span(2, 20, from: at), .restart([x])))
                descriptions.append("leave")
            }
        }
        // Everything but permanent crashes is repaired before the settle window.
        faults.append(TimedFault(at: end, .heal))
        return Scenario(
            name: "swarm",
            summary: descriptions.joined(separator: ","),
            network: network,
            clocks: clocks,
            faults: faults
        )
    }

    public struct Outcome: Sendable {
        public var seed: UInt64
        public var faults: String
        public var report: SimulationReport
    }

    /// Runs one swarm seed.
    public static func run(
        seed: UInt64,
        nodes: Int,
        duration: Double,
        profile: String,
        partitions: Int = SimulationOptions.defaultPartitions,
        traceURL: URL? = nil
    ) throws(ScenarioError) -> Outcome {
        let settle = SimulationOptions.settleBound(profile: profile, nodes: nodes)
        let scenario = scenario(seed: seed, nodes: nodes, duration: duration, settle: settle)
        let options = SimulationOptions(
            nodes: nodes,
            duration: duration,
            seed: seed,
            profile: profile,
            scenario: scenario,
            traceURL: traceURL,
            replayCommand:
                "peer-sim swarm --runs 1 --from-seed \(seed) --nodes \(nodes) --duration \(duration) --profile \(profile)"
                + (partitions == SimulationOptions.defaultPartitions ? "" : " --partitions \(partitions)"),
            topics: SimulationOptions.defaultTopics(nodes: nodes, partitions: partitions)
        )
        var simulation = try Simulation(options: options)
        return Outcome(seed: seed, faults: scenario.summary, report: simulation.run())
    }
}
