import Foundation
import Gossip
import Primitives

/// The measuring phases of `peer bench` against a launched `BenchCluster`: join convergence, an idle window
/// (RSS, CPU, gossip traffic), then crash rounds. Every wait is bounded and also stops when an agent dies on its
/// own or the task is cancelled (Ctrl-C).
struct BenchRunner: Sendable {
    let cluster: BenchCluster
    let profile: String
    let crashes: Int
    let idleWindow: Duration
    /// Partitions of the failover phase's topic; 0 skips the phase.
    let failoverPartitions: Int
    let pollInterval: Duration
    /// Progress lines, kept off stdout so `--json` output stays one object.
    let progress: @Sendable (String) -> Void

    static let startupTimeout: Duration = .seconds(10)
    static let joinTimeout: Duration = .seconds(60)
    static let detectionTimeout: Duration = .seconds(120)
    static let settleTimeout: Duration = .seconds(60)
    /// After convergence, join updates are still being retransmitted for a moment; the idle window starts later.
    static let quietPeriod: Duration = .seconds(2)

    var probe: BenchProbe {
        BenchProbe(
            addresses: cluster.nodes.map(\.rpc),
            token: try? cluster.launcher.rpcToken().token
        )
    }
    var names: [String] { cluster.nodes.map(\.name) }

    func run() async throws -> BenchReport {
        let everyone = Array(cluster.nodes.indices)
        _ = try cluster.launch([0], profile: profile)
        let seedName = names[0]
        _ = try await firstTimes("\(seedName) to answer", observers: [0], since: .now, timeout: Self.startupTimeout) {
            _ in true
        }
        let lastSpawn = try cluster.launch(Array(everyone.dropFirst()), profile: profile)
        progress("\(seedName) is up; spawned \(everyone.count - 1) more agents; waiting until each sees all alive")
        let allNames = Set(names)
        let joined = try await firstTimes(
            "join convergence",
            observers: everyone,
            since: lastSpawn,
            timeout: Self.joinTimeout
        ) { $0.aliveNames == allNames }
        let convergence = joined.values.max() ?? 0
        progress(String(format: "converged after %.3f s; measuring %.0f s of idle", convergence, idleWindow.seconds))

        try await Task.sleep(for: Self.quietPeriod)
        let idle = try await measureIdle(of: everyone)

        var rounds: [BenchReport.CrashRound] = []
        var crashed: Set<Int> = []
        var failover: BenchReport.FailoverRound?
        if failoverPartitions > 0 {
            let (round, victim) = try await measureFailover(partitions: failoverPartitions, everyone: everyone)
            failover = round
            crashed.insert(victim)
            try await settle(survivors: everyone.filter { !crashed.contains($0) }, crashed: [names[victim]])
        }
        for round in 1..<(crashes + 1) {
            // Voters stay up so the failover figures above stay comparable; crash rounds take brokers only.
            let candidates = everyone.filter { $0 >= BenchCluster.voterCount && !crashed.contains($0) }
            guard let victim = candidates.randomElement() else { break }
            let victimName = names[victim]
            cluster.crash(victim)
            let killedAt = ContinuousClock.now
            crashed.insert(victim)
            let survivors = everyone.filter { !crashed.contains($0) }
            let detected = try await firstTimes(
                "every survivor to see \(victimName) dead",
                observers: survivors,
                since: killedAt,
                timeout: Self.detectionTimeout
            ) { $0.status(of: victimName) == "dead" }
            let result = BenchReport.CrashRound(
                victim: victimName,
                firstSurvivorSeconds: detected.values.min() ?? 0,
                allSurvivorsSeconds: detected.values.max() ?? 0
            )
            rounds.append(result)
            progress(
                "crash \(round)/\(crashes): \(victimName) seen dead by the first survivor after "
                    + String(
                        format: "%.3f s, by every survivor after %.3f s",
                        result.firstSurvivorSeconds,
                        result.allSurvivorsSeconds
                    )
            )
            try await settle(survivors: survivors, crashed: crashed.map { names[$0] })
        }

        return BenchReport(
            nodes: everyone.count,
            profile: profile,
            pollIntervalMilliseconds: Int(pollInterval.seconds * 1000),
            joinConvergenceSeconds: convergence,
            crashes: rounds,
            crashDetectionFirst: BenchReport.Summary(rounds.map(\.firstSurvivorSeconds)),
            crashDetectionAll: BenchReport.Summary(rounds.map(\.allSurvivorsSeconds)),
            failover: failover,
            idle: idle
        )
    }

    /// Polls `observers` until each has once satisfied `condition`; returns, per observer, the seconds from
    /// `since` to the arrival of its first satisfying answer.
    func firstTimes(
        _ what: String,
        observers: [Int],
        since: ContinuousClock.Instant,
        timeout: Duration,
        condition: (BenchProbe.View) -> Bool
    ) async throws -> [Int: Double] {
        var times: [Int: Double] = [:]
        let deadline = since + timeout
        while true {
            let roundStarted = ContinuousClock.now
            try cluster.checkAlive()
            let pending = observers.filter { times[$0] == nil }
            for (index, view) in await probe.views(of: pending) where condition(view) {
                times[index] = (view.received - since).seconds
            }
            if times.count == observers.count { return times }
            guard ContinuousClock.now < deadline else {
                throw BenchError(
                    "timed out after \(Int(timeout.seconds)) s waiting for \(what) "
                        + "(\(times.count) of \(observers.count) nodes there)"
                )
            }
            try await Task.sleep(until: roundStarted + pollInterval, clock: .continuous)
        }
    }

    /// Waits until every survivor sees exactly the survivors alive and every crashed node dead, so the next round
    /// starts from a consistent cluster.
    func settle(survivors: [Int], crashed: [String]) async throws {
        let alive = Set(survivors.map { names[$0] })
        let deadline = ContinuousClock.now + Self.settleTimeout
        while true {
            let roundStarted = ContinuousClock.now
            try cluster.checkAlive()
            let views = await probe.views(of: survivors)
            let consistent =
                views.count == survivors.count
                && views.values.allSatisfy { view in
                    view.aliveNames == alive && crashed.allSatisfy { view.status(of: $0) == "dead" }
                }
            if consistent { return }
            guard ContinuousClock.now < deadline else {
                throw BenchError(
                    "timed out after \(Int(Self.settleTimeout.seconds)) s waiting for the cluster to settle"
                )
            }
            try await Task.sleep(until: roundStarted + pollInterval, clock: .continuous)
        }
    }

    /// RSS at the end of the window, CPU time and UDP traffic over it, with nobody polling the agents meanwhile.
    private func measureIdle(of nodes: [Int]) async throws -> BenchReport.IdleFigures {
        let trafficBefore = await probe.sentTraffic(of: nodes)
        let samplesBefore = try samples(of: nodes)
        let started = ContinuousClock.now
        try await Task.sleep(for: idleWindow)
        let window = (ContinuousClock.now - started).seconds
        let samplesAfter = try samples(of: nodes)
        let trafficAfter = await probe.sentTraffic(of: nodes)
        try cluster.checkAlive()

        var datagrams = 0.0
        var bytes = 0.0
        for node in nodes {
            guard let before = trafficBefore[node], let after = trafficAfter[node] else {
                throw BenchError("could not read the send counters of \(names[node]) from its /metrics")
            }
            datagrams += after.datagrams - before.datagrams
            bytes += after.bytes - before.bytes
        }
        let cpuPercents = zip(samplesBefore, samplesAfter).map { ($1.cpuSeconds - $0.cpuSeconds) / window * 100 }
        let resident = samplesAfter.map(\.residentKiB)
        let count = Double(nodes.count)
        return BenchReport.IdleFigures(
            windowSeconds: window,
            rssKiBMean: Double(resident.reduce(0, +)) / count,
            rssKiBMax: resident.max() ?? 0,
            cpuPercentMean: cpuPercents.reduce(0, +) / count,
            cpuPercentMax: cpuPercents.max() ?? 0,
            datagramsPerNodePerSecond: datagrams / count / window,
            bytesPerNodePerSecond: bytes / count / window
        )
    }

    private func samples(of nodes: [Int]) throws -> [ProcessSample] {
        try nodes.map { node in
            guard let pid = cluster.processIdentifier(of: node), let sample = ProcessSample.read(pid: pid) else {
                throw BenchError("cannot read /proc for \(names[node])")
            }
            return sample
        }
    }
}
