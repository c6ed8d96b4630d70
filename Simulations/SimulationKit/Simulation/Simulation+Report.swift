import Foundation
import Gossip
import Partitions
import SimulationEngine

/// Checkpoints (the checkers' look at the whole cluster) and the report.
extension Simulation {
    mutating func runCheckpoint(_ reason: CheckpointReason) {
        if case .final = reason, convergenceCheck.hasPrefix("skipped") {
            // The settle bound was not reached: only the invariants that need no settling.
            checkAll(reason, skippingUnsettled: true)
            return
        }
        let before = checkers.violations.count
        checkAll(reason, skippingUnsettled: false)
        if case .settled = reason {
            let failed = checkers.violations[before...].contains { $0.checker == "convergence" }
            convergenceCheck = failed ? "failed" : String(format: "passed at %.1fs", VirtualTime.seconds(now))
        }
    }

    private mutating func checkAll(_ reason: CheckpointReason, skippingUnsettled: Bool) {
        var newest: [PartitionID: NewestVersion] = [:]
        for (p, id) in partitions.ids.enumerated() { newest[id] = partitions.newest[p] }
        let state = SimulationState(
            time: now,
            names: hosts.map(\.name),
            nodes: hosts.map(\.process),
            up: hosts.map(\.up),
            leaving: hosts.map(\.leaving),
            localTimes: hosts.map { $0.clock.peek(atVirtual: now) },
            network: transport.network,
            voters: voters,
            newestPartitionSince: newest
        )
        checkers.check(state, reason: reason, skippingUnsettled: skippingUnsettled)
    }

    func report(wall: Double, partitions: SimulationReport.PartitionFigures) -> SimulationReport {
        let nodeSeconds = Double(n) * options.duration
        return SimulationReport(
            scenario: options.scenario.name,
            seed: options.seed,
            nodes: n,
            durationSeconds: options.duration,
            profile: options.profile,
            traceHash: transport.trace.hex,
            joinConvergenceSeconds: membership.joinConvergence.map(VirtualTime.seconds),
            crashes: membership.crashes,
            falsePositives: membership.falsePositives,
            declarationsAfterFaults: membership.declarationsAfterFaults,
            deathsDeclared: membership.deathsDeclared,
            remerges: membership.remerges,
            snapshots: membership.snapshots,
            traffic: transport.traffic.report(nodeSeconds: nodeSeconds, maxDatagram: configuration.maxDatagramSize),
            convergenceCheck: convergenceCheck,
            settledAfterLastFaultSeconds: membership.settledAfterLastFault.map(VirtualTime.seconds),
            violations: checkers.violations,
            partitions: partitions,
            eventsProcessed: events,
            replayCommand: options.replayCommand
                ?? "peer-sim run --scenario \(options.scenario.name) --nodes \(n) --duration \(options.duration) --seed \(options.seed) --profile \(options.profile)",
            performance: SimulationReport.Performance(
                wallSeconds: wall,
                nodeSecondsPerWallSecond: wall > 0 ? nodeSeconds / wall : 0,
                eventsPerWallSecond: wall > 0 ? Double(events) / wall : 0,
                peakResidentBytes: ProcessMemory.peakResidentBytes()
            )
        )
    }
}
