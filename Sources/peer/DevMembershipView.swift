import Foundation
import LocalCluster
import PeerNode
import PeerRPC
import Primitives

/// The live view of a dev cluster: node1's member table, the controller and partition table, and how many members
/// each node sees alive. It creates a small demo topic once a controller is elected, so failover can be watched.
/// Redraws in place on a terminal; prints one plain snapshot per refresh otherwise.
struct DevMembershipView: Sendable {
    let nodes: [LocalNode]
    let directory: URL
    let live: Bool
    /// Bytes appended per second per partition, from the leaders' log sizes between refreshes.
    private let meter = ThroughputMeter()
    /// The agents' RPC token, for creating the demo topic.
    var token: String?

    private static let refreshInterval: Duration = .seconds(1)

    /// Refreshes every second until cancelled, or until `duration` has passed.
    func run(for duration: Duration?) async throws {
        let started = ContinuousClock.now
        while true {
            let elapsed = ContinuousClock.now - started
            let snapshot = await self.snapshot(elapsed: elapsed)
            print((live ? Terminal.clearScreen : "\n") + snapshot)
            if let duration, elapsed >= duration { return }
            try await Task.sleep(for: Self.refreshInterval)
        }
    }

    /// Waits until every node sees every node alive (or `timeout`), then prints one snapshot.
    func printWhenConverged(timeout: Duration) async throws {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < timeout {
            if await isConverged() { break }
            try await Task.sleep(for: .milliseconds(250))
        }
        print(await snapshot(elapsed: ContinuousClock.now - started))
    }

    private func isConverged() async -> Bool {
        for node in nodes {
            guard let members = try? await Self.members(of: node),
                members.filter({ $0.status == "alive" }).count == nodes.count
            else { return false }
        }
        return true
    }

    private func snapshot(elapsed: Duration) async -> String {
        let views = await withTaskGroup(of: (Int, Result<[MemberView], any Error>).self) { group in
            for (index, node) in nodes.enumerated() {
                group.addTask {
                    do {
                        return (index, .success(try await Self.members(of: node)))
                    } catch {
                        return (index, .failure(error))
                    }
                }
            }
            var results = [Result<[MemberView], any Error>?](repeating: nil, count: nodes.count)
            for await (index, result) in group { results[index] = result }
            return results
        }
        var lines = ["peer dev · \(nodes.count) nodes · \(Int(elapsed.seconds))s · \(directory.path)", ""]
        let reference = views.indices.first { index in
            if case .success = views[index] { return true }
            return false
        }
        if let reference, case .success(let members) = views[reference] {
            lines.append("members as \(nodes[reference].name) sees them:")
            lines.append(MembersTable.render(members))
            lines.append("")
            lines.append(contentsOf: await controllerAndPartitions(of: nodes[reference]))
        } else {
            lines.append("no agent is answering yet")
        }
        lines.append("")
        var perNode = TextTable(header: ["Node", "Gossip", "RPC", "Kafka", "View"])
        for (node, view) in zip(nodes, views) {
            let summary: String
            switch view {
            case .success(let members):
                let counts = Dictionary(grouping: members, by: \.status).mapValues(\.count)
                summary = ["alive", "suspect", "dead", "left"].compactMap { status in
                    counts[status].map { "\($0) \(status)" }
                }.joined(separator: ", ")
            case .failure(let error):
                summary = "down (\(error))"
            case nil:
                summary = "?"
            }
            perNode.append([node.name, node.gossip.description, node.rpc.description, node.kafka.description, summary])
        }
        lines.append(perNode.render())
        if live { lines.append("\nCtrl-C stops every agent.") }
        return lines.joined(separator: "\n")
    }

    /// The controller line and the partition table; asks for the demo topic when there is none yet.
    private func controllerAndPartitions(of node: LocalNode) async -> [String] {
        var client = Self.client(for: node)
        client.token = token
        guard let controller = try? await client.call(.GET, "/v1/controller", as: ControllerResponse.self) else {
            return ["controller: unknown"]
        }
        var lines = [PartitionsTable.renderController(controller)]
        guard var partitions = try? await client.call(.GET, "/v1/partitions", as: PartitionsResponse.self) else {
            return lines
        }
        if partitions.partitions.isEmpty, controller.controller != nil {
            let demo = CreateTopicRequest(name: "demo", partitions: 6, replicationFactor: min(3, nodes.count))
            _ = try? await client.call(.POST, "/v1/topics", body: demo, as: RequestDoneResponse.self)
            partitions = (try? await client.call(.GET, "/v1/partitions", as: PartitionsResponse.self)) ?? partitions
        }
        let withLogs = await leaderLogs(partitions.partitions)
        lines.append(PartitionsTable.render(withLogs, rates: meter.update(withLogs)))
        return lines
    }

    /// The partitions with each one's log as its leader reports it (a node reports only the logs it holds).
    private func leaderLogs(_ partitions: [PartitionView]) async -> [PartitionView] {
        let reports = await withTaskGroup(of: (String, [PartitionView]).self) { group in
            for node in nodes {
                group.addTask {
                    let views = try? await Self.client(for: node).call(.GET, "/v1/partitions", as: PartitionsResponse.self)
                    return (node.name, views?.partitions ?? [])
                }
            }
            var byNode: [String: [PartitionView]] = [:]
            for await (name, views) in group { byNode[name] = views }
            return byNode
        }
        return partitions.map { partition in
            var merged = partition
            if let leader = partition.leader,
                let own = reports[leader]?.first(where: { $0.topic == partition.topic && $0.partition == partition.partition })
            {
                merged.log = own.log
            }
            return merged
        }
    }

    private static func client(for node: LocalNode) -> RPCClient {
        var client = RPCClient(address: node.rpc)
        client.connectTimeout = .milliseconds(500)
        client.requestTimeout = .seconds(2)
        return client
    }

    private static func members(of node: LocalNode) async throws -> [MemberView] {
        var client = RPCClient(address: node.rpc)
        client.connectTimeout = .milliseconds(500)
        client.requestTimeout = .seconds(1)
        return try await client.call(.GET, "/v1/members", as: MembersResponse.self).members
    }
}

/// Turns successive log sizes into bytes per second, per partition.
final class ThroughputMeter: @unchecked Sendable {
    private let lock = NSLock()
    private var previous: [String: (bytes: Int64, at: ContinuousClock.Instant)] = [:]

    /// Rates since the last call, by "topic/partition"; a partition seen for the first time has none yet.
    func update(_ partitions: [PartitionView]) -> [String: Double] {
        let now = ContinuousClock.now
        return lock.withLock {
            var rates: [String: Double] = [:]
            for partition in partitions {
                guard let log = partition.log else { continue }
                let key = "\(partition.topic)/\(partition.partition)"
                if let last = previous[key] {
                    let seconds = (now - last.at).seconds
                    if seconds > 0 { rates[key] = Double(max(0, log.sizeBytes - last.bytes)) / seconds }
                }
                previous[key] = (log.sizeBytes, now)
            }
            return rates
        }
    }
}
