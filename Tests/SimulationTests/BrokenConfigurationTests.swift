import Foundation
import Gossip
import Partitions
import SimulationKit
import Testing

/// Whole runs with a deliberately broken configuration: each checker must catch the breakage end to end, through the
/// engine's callbacks and checkpoints, not only when called directly.
@Suite("Checkers catch broken configurations")
struct BrokenConfigurationTests {
    static func run(
        _ scenarioName: String,
        nodes: Int,
        duration: Double,
        seed: UInt64 = 1,
        misconfigure: @escaping @Sendable (inout GossipConfiguration, inout PartitionsConfiguration) -> Void
    ) throws -> SimulationReport {
        let settle = SimulationOptions.settleBound(profile: "lan", nodes: nodes)
        let scenario = try #require(
            Scenario.builtIn(scenarioName, nodes: nodes, duration: duration, settle: settle, seed: seed)
        )
        var simulation = try Simulation(
            options: SimulationOptions(
                nodes: nodes,
                duration: duration,
                seed: seed,
                scenario: scenario,
                misconfigure: misconfigure
            )
        )
        return simulation.run()
    }

    static func checkers(_ report: SimulationReport) -> Set<String> { Set(report.violations.map(\.checker)) }

    /// A negative drift bound: voters free up a second before their grants expire and controllers act a second
    /// past their leases, so the successor of a cut-off controller acts while it still does.
    @Test func aNegativeDriftBoundGivesTwoControllers() throws {
        let report = try Self.run("controller-minority", nodes: 10, duration: 120) { _, partitions in
            partitions.driftBound = .milliseconds(-1000)
        }
        #expect(Self.checkers(report).contains("single-controller"), describe(report))
    }

    /// Suspicion far slower than the settle bound assumes: the crashed leader is still a member, and still leads,
    /// when the settled checks run.
    @Test func detectionSlowerThanTheSettleBoundFailsConvergenceAndLeaderAvailability() throws {
        let report = try Self.run("kill-leader", nodes: 8, duration: 150) { gossip, _ in
            gossip.suspicionMultiplier *= 200
        }
        #expect(report.settledChecksRan, describe(report))
        let fired = Self.checkers(report)
        #expect(fired.contains("convergence"), describe(report))
        #expect(fired.contains("leader-availability"), describe(report))
    }

    /// A partition that never heals breaks what the settled checks assume: the minority never learns the
    /// majority's controller, and the two halves keep each other's members dead.
    @Test func aPartitionThatNeverHealsFailsBothConvergenceChecks() throws {
        let file = try ScenarioFile.parse(Data(#"{"events": [{"at": 20, "action": "partition-halves"}]}"#.utf8))
        var simulation = try Simulation(
            options: SimulationOptions(
                nodes: 8,
                duration: 120,
                seed: 1,
                scenario: try file.resolve(nodes: 8, duration: 120)
            )
        )
        let report = simulation.run()
        #expect(report.settledChecksRan, describe(report))
        let fired = Self.checkers(report)
        #expect(fired.contains("convergence"), describe(report))
        #expect(fired.contains("partition-convergence"), describe(report))
    }
}
