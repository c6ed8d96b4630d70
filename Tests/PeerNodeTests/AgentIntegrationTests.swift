import Foundation
import Gossip
import PeerNode
import Sealing
import Testing

/// Real `peer agent` processes on 127.0.0.1, observed only through their RPC: join, crash, leave, key isolation.
/// Each test owns its cluster, so the tests can run in parallel.
@Suite("Agents on loopback", .timeLimit(.minutes(1)))
struct AgentIntegrationTests {
    @Test("five agents joined through one seed all see five alive")
    func joinConverges() async throws {
        let cluster = try TestCluster()
        let agents = try await cluster.start(count: 5)
        await cluster.waitUntilConverged(observers: agents, expected: agents)
    }

    @Test("a SIGKILLed agent is marked dead, never left, by every survivor")
    func crashIsDetected() async throws {
        let cluster = try TestCluster()
        let agents = try await cluster.start(count: 5)
        guard await cluster.waitUntilConverged(observers: agents, expected: agents) else { return }

        let victim = agents[2]
        victim.send(SIGKILL)
        let survivors = agents.filter { $0 !== victim }
        await cluster.waitUntil(
            "every survivor sees \(victim.name) dead",
            observers: survivors,
            violation: { views in
                views.first { _, members in members.contains { $0.name == victim.name && $0.status == "left" } }
                    .map { "\($0.key) marked the crashed \(victim.name) left" }
            },
            condition: { views in
                views.values.allSatisfy { members in members.first { $0.name == victim.name }?.status == "dead" }
            }
        )
    }

    @Test("an agent told to `peer leave` is shown left by every other agent and exits 0")
    func gracefulLeave() async throws {
        let cluster = try TestCluster()
        let agents = try await cluster.start(count: 5)
        guard await cluster.waitUntilConverged(observers: agents, expected: agents) else { return }

        let leaver = agents[4]
        let leave = try await PeerCLI.run(
            ["leave", "--rpc", leaver.rpc.description, "--rpc-token", cluster.rpcToken]
        )
        cluster.check(leave.succeeded, "`peer leave` failed: \(leave)")
        let others = agents.filter { $0 !== leaver }
        await cluster.waitUntil("every other agent sees \(leaver.name) left", observers: others) { views in
            views.values.allSatisfy { members in members.first { $0.name == leaver.name }?.status == "left" }
        }
        let exit = await leaver.waitForExit(timeout: .seconds(15))
        cluster.check(
            exit?.reason == .exit && exit?.status == 0,
            "\(leaver.name) did not exit with status 0 after leaving: \(exit.map { "\($0)" } ?? "still running")"
        )
    }

    @Test("an agent with another key is never admitted, and the seed counts what it rejected")
    func foreignKeyIsRejected() async throws {
        let cluster = try TestCluster()
        let agents = try await cluster.start(count: 3)
        guard await cluster.waitUntilConverged(observers: agents, expected: agents), let seed = cluster.seed else {
            return
        }

        let intruder = try await cluster.startOutsider(
            name: "intruder",
            key: ClusterKey.generate().base64,
            seeds: [seed.gossip]
        )
        // The intruder keeps retrying its join meanwhile; no member may ever list it.
        let watchUntil = ContinuousClock.now + .seconds(3)
        while ContinuousClock.now < watchUntil {
            let views = await cluster.views(of: agents)
            if let admitter = views.first(where: { _, members in members.contains { $0.name == intruder.name } }) {
                cluster.check(false, "\(admitter.key) lists the intruder")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        let intruderView = await cluster.views(of: [intruder])[intruder.name]?.map(\.name)
        cluster.check(intruderView == [intruder.name], "the intruder sees \(intruderView ?? []), not only itself")

        let rejected = try await Self.sealingRejections(at: seed)
        cluster.check(rejected > 0, "the seed's peer_sealing_rejected_total is \(rejected), expected > 0")
    }

    @Test("keys rotate with no downtime: install, use, remove; a node with only the new key joins")
    func keyRotation() async throws {
        let cluster = try TestCluster()
        let agents = try await cluster.start(count: 3)
        guard await cluster.waitUntilConverged(observers: agents, expected: agents), let seed = cluster.seed else {
            return
        }
        let newKey = ClusterKey.generate().base64
        for (operation, key, via) in [
            ("install", newKey, agents[0]), ("use", newKey, agents[1]), ("remove", cluster.key, agents[2]),
        ] {
            let outcome = try await PeerCLI.run(
                ["keyring", operation, key, "--rpc", via.rpc.description, "--rpc-token", cluster.rpcToken]
            )
            cluster.check(outcome.succeeded, "`peer keyring \(operation)` failed: \(outcome)")
        }
        // Nobody dropped out while the keys changed.
        await cluster.waitUntilConverged(observers: agents, expected: agents)

        let late = try await cluster.startOutsider(name: "late", key: newKey, seeds: [seed.gossip])
        let everyone = Set(agents.map(\.name) + [late.name])
        await cluster.waitUntil("every agent sees the late joiner alive", observers: agents + [late]) { views in
            views.values.allSatisfy { members in Set(members.filter { $0.status == "alive" }.map(\.name)) == everyone }
        }
    }

    /// Sum of `peer_sealing_rejected_total` over every reason, from the agent's Prometheus text.
    private static func sealingRejections(at agent: TestAgent) async throws -> Double {
        let reply = try await TestCluster.client(for: agent.rpc).request(.GET, "/metrics")
        try reply.checkSuccess(from: agent.rpc)
        let text = String(decoding: reply.body, as: UTF8.self)
        return text.split(separator: "\n")
            .filter { $0.hasPrefix("peer_sealing_rejected_total{") || $0.hasPrefix("peer_sealing_rejected_total ") }
            .compactMap { line in line.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }
}
