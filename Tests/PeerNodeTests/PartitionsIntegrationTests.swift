import Foundation
import Gossip
import Partitions
import PeerNode
import PeerRPC
import Testing

/// Real agents with a controller quorum: a topic's leaders fail over to in-sync replicas when a broker is
/// SIGKILLed, and a new controller with a higher epoch takes over when the controller is.
@Suite("Controller and partitions on loopback", .timeLimit(.minutes(1)))
struct PartitionsIntegrationTests {
    static let voters = "node1,node2,node3"

    /// Every node a broker, node1–node3 the voters, a 1 s lease so a lost controller is replaced quickly.
    static func arguments(for name: String) -> [String] {
        ["--roles", "broker", "--voters", voters, "--lease-ms", "1000"]
    }

    static func controllers(of agents: [TestAgent]) async -> [String: ControllerResponse] {
        var views: [String: ControllerResponse] = [:]
        for agent in agents {
            views[agent.name] = try? await TestCluster.client(for: agent.rpc).call(
                .GET,
                "/v1/controller",
                as: ControllerResponse.self
            )
        }
        return views
    }

    static func partitions(of agents: [TestAgent]) async -> [String: [PartitionView]] {
        var views: [String: [PartitionView]] = [:]
        for agent in agents {
            // Without each node's own log, so the tables of different nodes compare equal when they agree.
            views[agent.name] = try? await TestCluster.client(for: agent.rpc).call(
                .GET,
                "/v1/partitions",
                as: PartitionsResponse.self
            ).partitions.map {
                var shared = $0
                shared.log = nil
                return shared
            }
        }
        return views
    }

    /// Polls until `condition` holds, for at most `timeout`; true when it did.
    static func eventually(timeout: Duration = .seconds(30), _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return await condition()
    }

    @Test("SIGKILL a leader, then the controller: leaders move to the old ISR, a new controller takes over")
    func failover() async throws {
        let cluster = try TestCluster()
        let agents = try await cluster.start(count: 5, extraArguments: Self.arguments(for:))
        guard await cluster.waitUntilConverged(observers: agents, expected: agents) else { return }

        // One controller, known to everyone.
        var controller: ControllerResponse?
        let elected = await Self.eventually {
            let views = await Self.controllers(of: agents)
            let names = Set(views.values.map(\.controller))
            guard views.count == agents.count, names.count == 1, let only = views.values.first, only.controller != nil
            else { return false }
            controller = only
            return true
        }
        if !elected {
            let views = await Self.controllers(of: agents)
            cluster.check(false, "no controller agreed on: \(views)")
        }
        guard elected, let controller, let controllerName = controller.controller else { return }
        #expect(["node1", "node2", "node3"].contains(controllerName))

        // Any node forwards the request to the controller.
        let create = try await PeerCLI.run([
            "topics", "create", "t", "--partitions", "6", "--replication-factor", "3", "--rpc",
            agents[4].rpc.description, "--rpc-token", cluster.rpcToken,
        ])
        cluster.check(create.succeeded, "topics create failed: \(create)")
        var before: [PartitionView] = []
        let spread = await Self.eventually {
            let tables = await Self.partitions(of: agents)
            guard tables.count == agents.count, let first = tables.values.first, first.count == 6,
                tables.values.allSatisfy({ $0 == first })
            else { return false }
            before = first
            return true
        }
        if !spread {
            let tables = await Self.partitions(of: agents)
            cluster.check(false, "the topic did not reach every agent: \(tables)")
        }
        guard spread else { return }

        // The partitions took effect only once a majority of voters had stored them in their data dirs.
        let stored = agents.filter { Self.voters.contains($0.name) }.filter { agent in
            let file = agent.dataDirectory.appendingPathComponent("voter-record.bin")
            guard let bytes = FileManager.default.contents(atPath: file.path), bytes.count > 8,
                let record = try? VoterRecord(decoding: Array(bytes.dropFirst(8)))
            else { return false }
            return record.states.count == 6 && record.highestEpoch >= controller.epoch
        }
        #expect(stored.count >= 2, "voters whose record holds the topic: \(stored.map(\.name))")

        // SIGKILL a broker that leads something and is not a voter, so a majority of voters stays for the second
        // half of the test.
        guard let victimName = before.compactMap(\.leader).first(where: { !Self.voters.contains($0) }),
            let victim = agents.first(where: { $0.name == victimName })
        else {
            Issue.record("no leader other than the controller: \(before)")
            return
        }
        victim.send(SIGKILL)
        let survivors = agents.filter { $0 !== victim }
        let led = before.filter { $0.leader == victimName }
        var after: [PartitionView] = []
        let failedOver = await Self.eventually {
            let tables = await Self.partitions(of: survivors)
            guard tables.count == survivors.count, let first = tables.values.first,
                tables.values.allSatisfy({ $0 == first }),
                first.allSatisfy({ $0.leader != victimName })
            else { return false }
            after = first
            return true
        }
        if !failedOver {
            let tables = await Self.partitions(of: survivors)
            cluster.check(false, "leaders did not move off \(victimName): \(tables)")
        }
        guard failedOver else { return }
        for old in led {
            guard let new = after.first(where: { $0.partition == old.partition }), let leader = new.leader else {
                Issue.record("partition \(old.partition) has no leader after failover: \(after)")
                continue
            }
            #expect(old.isr.contains(leader), "new leader \(leader) of \(old.partition) was not in the ISR \(old.isr)")
            #expect(new.fullLeaderEpoch > old.fullLeaderEpoch)
            #expect(new.isr.contains(leader))
        }

        // SIGKILL the controller: the remaining voters elect another with a higher epoch.
        guard let controllerAgent = survivors.first(where: { $0.name == controllerName }) else { return }
        controllerAgent.send(SIGKILL)
        let remaining = survivors.filter { $0 !== controllerAgent }
        let replaced = await Self.eventually {
            let views = await Self.controllers(of: remaining)
            let names = Set(views.values.map(\.controller))
            guard views.count == remaining.count, names.count == 1, let view = views.values.first,
                let name = view.controller
            else { return false }
            return name != controllerName && view.epoch > controller.epoch
        }
        if !replaced {
            let views = await Self.controllers(of: remaining)
            cluster.check(false, "no new controller after \(controllerName) died: \(views)")
        }
    }
}
