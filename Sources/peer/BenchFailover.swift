import Foundation
import PeerNode
import PeerRPC
import Primitives

/// The failover phase of `peer bench`: create a topic, SIGKILL the broker leading the most partitions (never a
/// voter, so the controller quorum stays), and time until each survivor reports the broker dead and until it shows
/// every partition the broker led with a new leader.
extension BenchRunner {
    static let topicTimeout: Duration = .seconds(60)
    static let failoverTimeout: Duration = .seconds(120)

    func measureFailover(partitions: Int, everyone: [Int]) async throws -> (BenchReport.FailoverRound, victim: Int) {
        let replicationFactor = min(3, everyone.count)
        try await createTopicWhenControllerIsUp(partitions: partitions, replicationFactor: replicationFactor)
        let table = try await agreedTable(of: everyone, partitions: partitions)

        let voters = Set(names.prefix(BenchCluster.voterCount))
        var leaderships: [String: Int] = [:]
        for partition in table { if let leader = partition.leader { leaderships[leader, default: 0] += 1 } }
        guard
            let (victimName, led) = leaderships.filter({ !voters.contains($0.key) })
                .max(by: { ($0.value, $1.key) < ($1.value, $0.key) }),
            let victim = names.firstIndex(of: victimName)
        else {
            throw BenchError("no broker outside the voters leads a partition; use more nodes")
        }
        progress("failover: SIGKILL \(victimName), leader of \(led) of \(partitions) partitions")
        cluster.crash(victim)
        let killedAt = ContinuousClock.now
        let survivors = everyone.filter { $0 != victim }

        async let detected = firstTimes(
            "every survivor to see \(victimName) dead",
            observers: survivors,
            since: killedAt,
            timeout: Self.failoverTimeout
        ) { $0.status(of: victimName) == "dead" }
        let moved = try await firstPartitionTimes(observers: survivors, since: killedAt) { table in
            table.count == partitions && table.allSatisfy { $0.leader != nil && $0.leader != victimName }
        }
        let detection = try await detected
        let round = BenchReport.FailoverRound(
            partitions: partitions,
            victim: victimName,
            partitionsLed: led,
            detectionFirstSeconds: detection.values.min() ?? 0,
            detectionAllSeconds: detection.values.max() ?? 0,
            failoverFirstSeconds: moved.values.min() ?? 0,
            failoverAllSeconds: moved.values.max() ?? 0
        )
        progress(
            String(
                format: "failover: every survivor saw new leaders after %.3f s (dead after %.3f s)",
                round.failoverAllSeconds,
                round.detectionAllSeconds
            )
        )
        return (round, victim)
    }

    /// The controller is elected a moment after the cluster forms; retries until the topic is accepted.
    private func createTopicWhenControllerIsUp(partitions: Int, replicationFactor: Int) async throws {
        let deadline = ContinuousClock.now + Self.topicTimeout
        while true {
            do {
                try await probe.createTopic(
                    at: 0,
                    name: "bench",
                    partitions: partitions,
                    replicationFactor: replicationFactor
                )
                return
            } catch {
                guard ContinuousClock.now < deadline else {
                    throw BenchError("cannot create the bench topic: \(error)")
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// Waits until every agent holds the same table of `partitions` partitions, and returns it.
    private func agreedTable(of observers: [Int], partitions: Int) async throws -> [PartitionView] {
        let deadline = ContinuousClock.now + Self.topicTimeout
        while true {
            try cluster.checkAlive()
            let tables = await probe.partitions(of: observers).values.map(\.partitions)
            if tables.count == observers.count, let first = tables.first, first.count == partitions,
                tables.allSatisfy({ $0 == first })
            {
                return first
            }
            guard ContinuousClock.now < deadline else {
                throw BenchError("timed out waiting for every agent to hold the bench topic's \(partitions) partitions")
            }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// Like `firstTimes`, over partition tables.
    private func firstPartitionTimes(
        observers: [Int],
        since: ContinuousClock.Instant,
        condition: ([PartitionView]) -> Bool
    ) async throws -> [Int: Double] {
        var times: [Int: Double] = [:]
        let deadline = since + Self.failoverTimeout
        while true {
            let roundStarted = ContinuousClock.now
            let pending = observers.filter { times[$0] == nil }
            for (index, answer) in await probe.partitions(of: pending) where condition(answer.partitions) {
                times[index] = (answer.received - since).seconds
            }
            if times.count == observers.count { return times }
            guard ContinuousClock.now < deadline else {
                throw BenchError("timed out waiting for every survivor to show new leaders")
            }
            try await Task.sleep(until: roundStarted + pollInterval, clock: .continuous)
        }
    }
}
