import ArgumentParser
import Foundation
import Gossip
import Primitives
import SimulationKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct PeerSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer-sim",
        abstract:
            "Deterministic simulation of a peer cluster: the real ClusterNode (SWIM and partitions cores), wire format and sealing on a virtual network.",
        subcommands: [Run.self, Swarm.self, List.self],
        defaultSubcommand: Run.self
    )
}

/// A progress bar on stderr, only when stderr is a terminal.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let label: String
    private var last = -1

    init(label: String, enabled: Bool) {
        self.label = label
        self.enabled = enabled && isatty(STDERR_FILENO) == 1
    }

    func update(_ fraction: Double) {
        guard enabled else { return }
        let percent = Int((min(1, max(0, fraction)) * 100).rounded(.down))
        guard percent != last else { return }
        last = percent
        let width = 40
        let filled = percent * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)%".utf8))
    }

    func finish() {
        guard enabled, last >= 0 else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one scenario and print its figures; exits 1 when an invariant is violated."
    )

    @Option(help: "A built-in scenario (see `peer-sim list`).")
    var scenario: String?

    @Option(help: "A JSON scenario file.")
    var file: String?

    @Option(help: "Number of nodes (default: the file's, else 20).")
    var nodes: Int?

    @Option(help: "Virtual seconds to simulate (default: the file's, else 120).")
    var duration: Double?

    @Option(help: "Seed of the run's master random generator (default: the file's, else 1).")
    var seed: UInt64?

    @Option(help: "Gossip profile: lan, local or wan (default: the file's, else lan).")
    var profile: String?

    @Option(help: "Partitions of the topic `t` created after join convergence (0: no topic).")
    var partitions: Int = SimulationOptions.defaultPartitions

    @Option(name: .customLong("replication-factor"), help: "Replication factor of `t` (default: 3, or N if smaller).")
    var replicationFactor: Int?

    @Flag(help: "Print the report as one JSON object.")
    var json = false

    @Option(help: "Write the full event log to this file.")
    var trace: String?

    @Flag(help: "No progress bar.")
    var quiet = false

    func validate() throws {
        if (scenario == nil) == (file == nil) { throw ValidationError("give exactly one of --scenario and --file") }
        if partitions < 0 || partitions > 10_000 { throw ValidationError("--partitions must be between 0 and 10000") }
        if let replicationFactor, replicationFactor < 1 {
            throw ValidationError("--replication-factor must be at least 1")
        }
        if let scenario, !SimulationKit.Scenario.builtInNames.contains(scenario) {
            throw ValidationError(
                "unknown scenario \(scenario); built-in: \(SimulationKit.Scenario.builtInNames.joined(separator: ", "))"
            )
        }
    }

    func run() throws {
        var fileSpec: ScenarioFile?
        if let file {
            do {
                fileSpec = try ScenarioFile.load(contentsOf: URL(fileURLWithPath: file))
            } catch {
                throw ValidationError(error.description)
            }
        }
        let nodes = self.nodes ?? fileSpec?.nodes ?? 20
        let duration = self.duration ?? fileSpec?.duration ?? 120
        let seed = self.seed ?? fileSpec?.seed ?? 1
        let profile = self.profile ?? fileSpec?.profile ?? "lan"
        guard SimulationOptions.configuration(profile: profile) != nil else {
            throw ValidationError("unknown profile \(profile); expected lan, local or wan")
        }
        guard nodes >= 1 else { throw ValidationError("--nodes must be at least 1") }
        guard duration > 0 else { throw ValidationError("--duration must be positive") }
        let settle = SimulationOptions.settleBound(profile: profile, nodes: nodes)
        let resolved: SimulationKit.Scenario
        var replay = "peer-sim run"
        if let fileSpec, let file {
            do {
                resolved = try fileSpec.resolve(nodes: nodes, duration: duration, profile: profile)
            } catch {
                throw ValidationError(error.description)
            }
            replay += " --file \(file)"
        } else {
            let name = scenario!
            guard
                let builtIn = SimulationKit.Scenario.builtIn(
                    name,
                    nodes: nodes,
                    duration: duration,
                    settle: settle,
                    seed: seed
                )
            else { throw ValidationError("unknown scenario \(name)") }
            resolved = builtIn
            replay += " --scenario \(name)"
        }
        replay += " --nodes \(nodes) --duration \(duration) --seed \(seed) --profile \(profile)"
        if partitions != SimulationOptions.defaultPartitions { replay += " --partitions \(partitions)" }
        var topics = SimulationOptions.defaultTopics(nodes: nodes, partitions: partitions)
        if let replicationFactor {
            replay += " --replication-factor \(replicationFactor)"
            for i in topics.indices { topics[i].replicationFactor = replicationFactor }
        }
        let bar = ProgressBar(label: resolved.name, enabled: !quiet && Double(nodes) * duration >= 20_000)
        let options = SimulationOptions(
            nodes: nodes,
            duration: duration,
            seed: seed,
            profile: profile,
            scenario: resolved,
            traceURL: trace.map { URL(fileURLWithPath: $0) },
            replayCommand: replay,
            progress: { bar.update($0) },
            topics: topics
        )
        var simulation: Simulation
        do {
            simulation = try Simulation(options: options)
        } catch {
            throw ValidationError(error.description)
        }
        let report = simulation.run()
        bar.finish()
        print(json ? report.json() : report.summary())
        if !report.passed {
            if json {
                FileHandle.standardError.write(Data("invariant violated; replay: \(report.replayCommand)\n".utf8))
            }
            throw ExitCode(1)
        }
    }
}

struct Swarm: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Run many seeds with randomly drawn faults; print a summary and every failing seed. Exits 1 on a failure."
    )

    @Option(help: "How many seeds to run.")
    var runs: Int = 20

    @Option(help: "Nodes per run.")
    var nodes: Int = 12

    @Option(name: .customLong("from-seed"), help: "First seed; runs use from-seed, from-seed+1, …")
    var fromSeed: UInt64 = 1

    @Option(help: "Virtual seconds per run (default: faults window plus the settle bound, at least 180).")
    var duration: Double?

    @Option(help: "Gossip profile.")
    var profile: String = "lan"

    @Option(help: "Runs in parallel (each run stays deterministic).")
    var jobs: Int = 1

    @Option(help: "Partitions of the topic `t` each run creates (0: no topic).")
    var partitions: Int = SimulationOptions.defaultPartitions

    @Option(help: "With --runs 1: write the run's full event log to this file.")
    var trace: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
        guard nodes >= 2 else { throw ValidationError("--nodes must be at least 2") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard SimulationOptions.configuration(profile: profile) != nil else {
            throw ValidationError("unknown profile \(profile)")
        }
    }

    struct Summary: Codable {
        var runs: Int
        var passed: Int
        var failed: [Failure]
        var falsePositives: Int
        var falsePositiveSeeds: [UInt64]
        var meanFirstDetectionSeconds: Double?
        var meanAllDetectionSeconds: Double?
        var meanSettleSeconds: Double?
        var wallSeconds: Double
        var nodeSecondsPerWallSecond: Double
    }

    struct Failure: Codable {
        var seed: UInt64
        var faults: String
        var violation: String
        var replay: String
    }

    func run() throws {
        let settle = SimulationOptions.settleBound(profile: profile, nodes: nodes)
        let duration = self.duration ?? max(180, (Double(Int(Scenario.faultStart(duration: 300) + 120 + settle))))
        let start = ContinuousClock.now
        let bar = ProgressBar(label: "swarm", enabled: true)
        let results = Results(count: runs)
        let seeds = (0..<runs).map { fromSeed &+ UInt64($0) }
        let done = Counter()
        let failure = Results(count: 1)
        DispatchQueue.concurrentPerform(iterations: jobs) { worker in
            var index = worker
            while index < runs {
                do {
                    let outcome = try SimulationKit.Swarm.run(
                        seed: seeds[index],
                        nodes: nodes,
                        duration: duration,
                        profile: profile,
                        partitions: partitions,
                        traceURL: runs == 1 ? trace.map { URL(fileURLWithPath: $0) } : nil
                    )
                    results.set(index, outcome)
                } catch {
                    failure.error = "\(error)"
                }
                bar.update(Double(done.increment()) / Double(runs))
                index += jobs
            }
        }
        bar.finish()
        if let error = failure.error { throw ValidationError(error) }
        let outcomes = results.all()
        let wall = (ContinuousClock.now - start).seconds
        var failed: [Failure] = []
        var fpSeeds: [UInt64] = []
        var fps = 0
        var first: [Double] = []
        var all: [Double] = []
        var settles: [Double] = []
        for outcome in outcomes {
            let report = outcome.report
            if let v = report.violations.first {
                failed.append(
                    Failure(
                        seed: outcome.seed,
                        faults: outcome.faults,
                        violation: "[\(v.checker)] \(v.message)",
                        replay: report.replayCommand
                    )
                )
            }
            if !report.falsePositives.isEmpty {
                fps += report.falsePositives.count
                fpSeeds.append(outcome.seed)
            }
            first += report.crashes.compactMap(\.firstDetectedAfter)
            all += report.crashes.compactMap(\.allDetectedAfter)
            if let s = report.settledAfterLastFaultSeconds { settles.append(s) }
        }
        func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }
        let summary = Summary(
            runs: runs,
            passed: runs - failed.count,
            failed: failed,
            falsePositives: fps,
            falsePositiveSeeds: fpSeeds,
            meanFirstDetectionSeconds: mean(first),
            meanAllDetectionSeconds: mean(all),
            meanSettleSeconds: mean(settles),
            wallSeconds: wall,
            nodeSecondsPerWallSecond: Double(runs * nodes) * duration / wall
        )
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        } else {
            print(
                "swarm: \(runs) runs × \(nodes) nodes × \(Int(duration))s (seeds \(fromSeed)…\(fromSeed &+ UInt64(runs - 1))), profile \(profile)"
            )
            print("passed \(summary.passed), failed \(failed.count)")
            func s(_ x: Double?) -> String { x.map { String(format: "%.2fs", $0) } ?? "n/a" }
            print(
                "crash detection: first \(s(summary.meanFirstDetectionSeconds)), all \(s(summary.meanAllDetectionSeconds)) (mean); settled \(s(summary.meanSettleSeconds)) after the last fault (mean)"
            )
            print(
                "false positives: \(fps)"
                    + (fpSeeds.isEmpty ? "" : " in seeds \(fpSeeds.map(String.init).joined(separator: " "))")
            )
            print(String(format: "wall %.1fs, %.0f node·s/s", wall, summary.nodeSecondsPerWallSecond))
            for f in failed {
                print("FAILED seed \(f.seed) [\(f.faults)]: \(f.violation)")
                print("  replay: \(f.replay)")
            }
        }
        if !failed.isEmpty { throw ExitCode(1) }
    }
}

final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [SimulationKit.Swarm.Outcome?]
    var error: String? {
        get { lock.withLock { storedError } }
        set { lock.withLock { storedError = newValue } }
    }
    private var storedError: String?

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ outcome: SimulationKit.Swarm.Outcome) { lock.withLock { values[index] = outcome } }
    func all() -> [SimulationKit.Swarm.Outcome] { lock.withLock { values.compactMap { $0 } } }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int {
        lock.withLock {
            value += 1
            return value
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the built-in scenarios and scenario-file actions.")

    func run() {
        print("built-in scenarios:")
        for name in SimulationKit.Scenario.builtInNames {
            let scenario = SimulationKit.Scenario.builtIn(name, nodes: 20, duration: 300, settle: 80, seed: 1)!
            print("  \(name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(scenario.summary) (20 nodes, 300 s)")
        }
        print("scenario-file actions: \(ScenarioFile.actions.joined(separator: ", "))")
    }
}

PeerSim.main()
