import Foundation
import Gossip
import Primitives
import SimulationEngine
import SimulationKit
import Testing

/// Runs a built-in scenario the way `peer-sim run --scenario` does.
func runScenario(
    _ name: String,
    nodes: Int,
    duration: Double,
    seed: UInt64 = 1,
    profile: String = "lan",
    extraCheckers: @escaping @Sendable (Int) -> [any InvariantChecker] = { _ in [] }
) throws -> SimulationReport {
    let settle = SimulationOptions.settleBound(profile: profile, nodes: nodes)
    let scenario = try #require(
        Scenario.builtIn(name, nodes: nodes, duration: duration, settle: settle, seed: seed)
    )
    var simulation = try Simulation(
        options: SimulationOptions(
            nodes: nodes,
            duration: duration,
            seed: seed,
            profile: profile,
            scenario: scenario,
            extraCheckers: extraCheckers
        )
    )
    return simulation.run()
}

func describe(_ report: SimulationReport) -> Comment {
    Comment(rawValue: report.summary())
}

@Suite("Event queue")
struct EventQueueTests {
    @Test func popsInTimeOrderAndTiesInInsertionOrder() {
        var queue = EventQueue<String>()
        queue.push("c1", at: 30)
        queue.push("a1", at: 10)
        queue.push("b1", at: 20)
        queue.push("a2", at: 10)
        queue.push("c2", at: 30)
        queue.push("a3", at: 10)
        var out: [String] = []
        while let (_, payload) = queue.pop() { out.append(payload) }
        #expect(out == ["a1", "a2", "a3", "b1", "c1", "c2"])
    }

    @Test func matchesSortedOrderUnderRandomLoad() {
        var queue = EventQueue<Int>()
        var rng = SeededRandom(seed: 42)
        var expected: [(Int64, Int)] = []
        var popped: [(Int64, Int)] = []
        var id = 0
        var clock: Int64 = 0
        for _ in 0..<2000 {
            if rng.next() % 3 != 0 || queue.isEmpty {
                let time = clock + Int64(rng.next() % 50)
                queue.push(id, at: time)
                expected.append((time, id))
                id += 1
            } else {
                let (time, payload) = queue.pop()!
                #expect(time >= clock)
                clock = time
                popped.append((time, payload))
            }
        }
        while let (time, payload) = queue.pop() { popped.append((time, payload)) }
        // Same time: insertion order, which is id order.
        let sortedPopped = popped.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        #expect(popped.map(\.1) == sortedPopped.map(\.1))
        #expect(popped.count == expected.count)
    }
}

@Suite("Determinism")
struct DeterminismTests {
    @Test func sameSeedSameRunDifferentSeedDifferentRun() throws {
        let a = try runScenario("crash-one", nodes: 16, duration: 90, seed: 7)
        let b = try runScenario("crash-one", nodes: 16, duration: 90, seed: 7)
        let c = try runScenario("crash-one", nodes: 16, duration: 90, seed: 8)
        #expect(a.deterministicPart == b.deterministicPart)
        #expect(a.traceHash == b.traceHash)
        #expect(a.traceHash != c.traceHash)
        #expect(a.eventsProcessed > 10_000)
    }

    @Test func lossDuplicationAndSkewAreDeterministicToo() throws {
        let text = """
            {"network": {"latencyMs": 1, "jitterMs": 3, "loss": 0.05, "duplicate": 0.05},
             "clocks": {"skewMs": 800, "driftPPM": 150},
             "events": [{"at": 20, "action": "pause", "nodes": [3], "for": 4},
                        {"at": 25, "action": "flap", "nodes": [1, 2], "period": 1, "count": 5},
                        {"at": 30, "action": "slow", "nodes": [4], "delayMs": 40, "for": 10}]}
            """
        let file = try ScenarioFile.parse(Data(text.utf8))
        let scenario = try file.resolve(nodes: 10, duration: 60)
        func once() throws -> SimulationReport {
            var simulation = try Simulation(
                options: SimulationOptions(nodes: 10, duration: 60, seed: 99, scenario: scenario)
            )
            return simulation.run()
        }
        let first = try once()
        let second = try once()
        #expect(first.deterministicPart == second.deterministicPart)
        // Duplicates are really opened and rejected by the replay guard.
        #expect(first.traffic.duplicated > 0)
        #expect(first.traffic.rejectedBySealing["replayed", default: 0] > 0)
    }

    /// The same run in a separate process (the built `peer-sim` binary) gives the same trace hash.
    @Test func sameHashInAnotherProcess() throws {
        // `swift build --build-tests` (and `swift test`) build peer-sim next to the test bundle.
        let binary = try #require(Self.peerSimBinary(), "peer-sim is not built next to the test bundle")
        let process = Process()
        process.executableURL = binary
        process.arguments = [
            "run", "--scenario", "crash-one", "--nodes", "12", "--duration", "60", "--seed", "5", "--json", "--quiet",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let remote = try JSONDecoder().decode(SimulationReport.self, from: data)
        let local = try runScenario("crash-one", nodes: 12, duration: 60, seed: 5)
        #expect(remote.traceHash == local.traceHash)
        #expect(remote.deterministicPart == local.deterministicPart)
    }

    static func peerSimBinary() -> URL? {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL {
            candidates.append(executable.deletingLastPathComponent())
        }
        let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        candidates.append(argument0)
        for bundle in Bundle.allBundles where bundle.bundleURL.pathExtension == "xctest" {
            candidates.append(bundle.bundleURL.deletingLastPathComponent())
        }
        for directory in candidates {
            var url = directory
            // Walk up out of a bundle (macOS: …/peerPackageTests.xctest/Contents/MacOS).
            for _ in 0..<4 {
                let binary = url.appendingPathComponent("peer-sim")
                if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
                url = url.deletingLastPathComponent()
            }
        }
        return nil
    }
}

@Suite("Scenarios")
struct ScenarioTests {
    @Test func partitionHalvesDeclareEachOtherDeadThenReMerge() throws {
        let report = try runScenario("partition-halves", nodes: 20, duration: 200, seed: 3)
        #expect(report.passed, describe(report))
        #expect(report.settledChecksRan, describe(report))
        let heal = try #require(report.snapshots.first { $0.event == "heal" })
        // Just before the heal each side sees exactly its own half: 2 · 10 · 9 pairs.
        #expect(heal.activePairs == 2 * 10 * 9, describe(report))
        #expect(report.deathsDeclared > 0)
        let remerge = try #require(report.remerges.first { $0.event == "heal" })
        let after = try #require(remerge.convergedAfter, describe(report))
        #expect(after <= 30, describe(report))
        #expect(report.convergenceCheck.hasPrefix("passed"))
        #expect(report.falsePositives.isEmpty, describe(report))
    }

    @Test func crashOneIsDetectedByAll() throws {
        let report = try runScenario("crash-one", nodes: 20, duration: 150, seed: 11)
        #expect(report.passed, describe(report))
        #expect(report.settledChecksRan, describe(report))
        let crash = try #require(report.crashes.first)
        let first = try #require(crash.firstDetectedAfter, describe(report))
        let all = try #require(crash.allDetectedAfter, describe(report))
        #expect(first <= all)
        let bound = SimulationOptions.maxSuspicion(SimulationOptions.configuration(profile: "lan")!, nodes: 20) + 5
        #expect(all <= bound, describe(report))
        #expect(report.falsePositives.isEmpty, describe(report))
    }

    /// The full figure (50 nodes × 10 virtual minutes) is `peer-sim run --scenario lossy --nodes 50 --duration 600`.
    @Test func lossyHasNoFalsePositives() throws {
        let report = try runScenario("lossy", nodes: 30, duration: 240, seed: 2)
        #expect(report.passed, describe(report))
        #expect(report.settledChecksRan, describe(report))
        #expect(report.falsePositives.isEmpty, describe(report))
        #expect(report.deathsDeclared == 0, describe(report))
        let lost = Double(report.traffic.droppedByLoss) / Double(report.traffic.datagramsSent)
        #expect(lost > 0.08 && lost < 0.12)
    }

    @Test func slowNodeCausesNoFalsePositives() throws {
        let report = try runScenario("slow-node", nodes: 20, duration: 200, seed: 4)
        #expect(report.passed, describe(report))
        #expect(report.settledChecksRan, describe(report))
        #expect(report.falsePositives.isEmpty, describe(report))
    }

    @Test func pauseCausesNoFalsePositivesOfHealthyNodes() throws {
        let report = try runScenario("pause", nodes: 20, duration: 200, seed: 5)
        #expect(report.passed, describe(report))
        #expect(report.settledChecksRan, describe(report))
        #expect(report.falsePositives.isEmpty, describe(report))
        // The 30 s pause is long enough to be declared dead; the node comes back.
        #expect(report.deathsDeclared > 0)
        #expect(report.remerges.allSatisfy { $0.convergedAfter != nil }, describe(report))
    }

    @Test(arguments: ["one-way", "partition-heal", "rolling-restart", "churn", "crash-many"])
    func otherScenariosHoldTheirInvariants(name: String) throws {
        let report = try runScenario(name, nodes: 12, duration: 240, seed: 6)
        #expect(report.passed, describe(report))
        #expect(report.settledChecksRan, describe(report))
        #expect(report.falsePositives.isEmpty, describe(report))
        #expect(report.convergenceCheck.hasPrefix("passed"), describe(report))
    }
}

@Suite("Scenario files")
struct ScenarioFileTests {
    @Test func parsesAndExpands() throws {
        let text = """
            {"name": "demo", "nodes": 8, "duration": 100,
             "events": [{"at": 10, "action": "partition-halves", "for": 20},
                        {"at": 40, "action": "flap", "nodes": [1, 2], "period": 2, "count": 2},
                        {"at": 50, "action": "crash", "nodes": [3]}]}
            """
        let file = try ScenarioFile.parse(Data(text.utf8))
        let scenario = try file.resolve(nodes: file.nodes!, duration: file.duration!)
        #expect(scenario.name == "demo")
        #expect(
            scenario.faults.map(\.action.label) == [
                "partition", "heal-partitions", "cut", "restore", "cut", "restore", "crash",
            ]
        )
        #expect(scenario.faults[0].action == .partition([[0, 1, 2, 3], [4, 5, 6, 7]]))
    }

    @Test func badFilesGiveClearErrors() throws {
        func error(_ text: String, nodes: Int = 5) -> String {
            do {
                let file = try ScenarioFile.parse(Data(text.utf8), source: "bad.json")
                _ = try file.resolve(nodes: nodes, duration: 100)
                return ""
            } catch {
                return error.description
            }
        }
        #expect(error("{not json") == "bad.json: not valid JSON")
        #expect(error(#"{"events": [{"action": "crash"}]}"#).contains("missing field \"at\""))
        #expect(error(#"{"events": [{"at": "soon", "action": "crash"}]}"#).contains("events[0].at has the wrong type"))
        #expect(error(#"{"events": [{"at": 1, "action": "explode"}]}"#).contains("event 0 (explode): unknown action"))
        #expect(
            error(#"{"events": [{"at": 1, "action": "crash", "nodes": [9]}]}"#).contains("node 9 is out of range 0..<5")
        )
        #expect(error(#"{"events": [{"at": 1, "action": "crash"}]}"#).contains("missing field \"nodes\""))
        #expect(error(#"{"events": [{"at": 500, "action": "heal"}]}"#).contains("after the end of the run"))
    }
}

@Suite("Invariant checkers")
struct InvariantTests {
    final class AlwaysFails: InvariantChecker {
        let name = "always-fails"
        func check(_ state: SimulationState, reason: CheckpointReason) -> [String] {
            reason == .final ? ["\(state.nodeCount) nodes and I object"] : []
        }
    }

    @Test func pluggedCheckerFailsTheRunWithReplayCommand() throws {
        let report = try runScenario("steady", nodes: 5, duration: 20, extraCheckers: { _ in [AlwaysFails()] })
        #expect(!report.passed)
        #expect(report.violations.map(\.checker) == ["always-fails"])
        #expect(report.violations[0].message == "5 nodes and I object")
        #expect(report.replayCommand.contains("--seed 1"))
        #expect(report.summary().contains("replay: peer-sim run --scenario steady"))
    }

    @Test func incarnationCheckerCatchesRegression() {
        let checker = IncarnationChecker(nodes: 3)
        func change(_ incarnation: UInt64, _ status: MemberStatus, previous: MemberStatus?) -> MemberChange {
            MemberChange(
                member: Member(
                    name: "n01",
                    address: PeerAddress(host: "h", port: 1),
                    status: status,
                    incarnation: incarnation,
                    metadata: NodeMetadata(),
                    statusChangedAt: .zero
                ),
                previousStatus: previous
            )
        }
        #expect(checker.memberChanged(viewer: 0, change: change(0, .alive, previous: nil), member: 1, at: 0) == nil)
        #expect(
            checker.memberChanged(viewer: 0, change: change(3, .suspect, previous: .alive), member: 1, at: 0) == nil
        )
        #expect(
            checker.memberChanged(viewer: 0, change: change(2, .alive, previous: .suspect), member: 1, at: 0) != nil
        )
        // After reaping, the member is new again and may start over.
        #expect(checker.memberChanged(viewer: 0, change: change(0, .alive, previous: nil), member: 1, at: 0) == nil)
    }

    @Test func swarmRunsAreDeterministicAndPass() throws {
        let a = try Swarm.run(seed: 17, nodes: 8, duration: 200, profile: "lan")
        let b = try Swarm.run(seed: 17, nodes: 8, duration: 200, profile: "lan")
        #expect(a.report.deterministicPart == b.report.deterministicPart)
        #expect(a.report.passed, describe(a.report))
    }
}
