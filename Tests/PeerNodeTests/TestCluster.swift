import Foundation
import Gossip
import LocalCluster
import PeerNode
import PeerRPC
import Primitives
import Sealing
import Testing

/// Real agents on loopback for one test, joined through the first, each in its own data directory under a
/// temporary folder, launched by a `LocalClusterLauncher`. Waits are polled with a deadline; on a timeout the last
/// observed views and every agent's log tail are attached to the recorded issue. `deinit` kills every agent and
/// removes the folder.
final class TestCluster {
    typealias Views = [String: [MemberView]]

    private let launcher: LocalClusterLauncher
    var directory: URL { launcher.directory }
    let key: String
    /// The RPC token every agent of the cluster requires for changes, and the file it is read from.
    let rpcToken: String
    let rpcTokenFile: URL
    private(set) var agents: [TestAgent] = []
    /// Agents started apart from the cluster (e.g. with another key); cleaned up and reported all the same.
    private var outsiders: [TestAgent] = []

    static let defaultTimeout: Duration = .seconds(30)
    private static let pollInterval: Duration = .milliseconds(100)
    private static let startupTimeout: Duration = .seconds(10)
    private static let launchAttempts = 3

    init(key: String = ClusterKey.generate().base64) throws {
        self.key = key
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("peer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        launcher = LocalClusterLauncher(directory: directory, executable: try PeerBinary.url())
        (rpcTokenFile, rpcToken) = try launcher.rpcToken()
    }

    deinit {
        launcher.kill()
        try? FileManager.default.removeItem(at: directory)
    }

    var seed: TestAgent? { agents.first }

    /// Starts `count` agents named `node1`… (continuing the numbering), all joining through the first agent;
    /// `extraArguments` gives each (by name) more `peer agent` flags.
    @discardableResult
    func start(count: Int, extraArguments: (String) -> [String] = { _ in [] }) async throws -> [TestAgent] {
        var started: [TestAgent] = []
        for _ in 0..<count {
            let name = LocalNode.name(at: agents.count)
            let agent = try await launch(
                name: name,
                key: key,
                seeds: seed.map { [$0.gossip] } ?? [],
                extraArguments: extraArguments(name)
            )
            agents.append(agent)
            started.append(agent)
        }
        return started
    }

    /// Starts an agent that is not part of `agents`: it is not expected to join, but it is still cleaned up.
    func startOutsider(
        name: String,
        key: String,
        seeds: [PeerAddress],
        withToken: Bool = true,
        extraArguments: [String] = []
    ) async throws -> TestAgent {
        let agent = try await launch(
            name: name,
            key: key,
            seeds: seeds,
            withToken: withToken,
            extraArguments: extraArguments
        )
        outsiders.append(agent)
        return agent
    }

    /// Launches an agent and waits until its RPC answers, relaunching on fresh ports when it dies at startup
    /// (a free port can be taken by someone else between our probe and the agent's bind).
    private func launch(
        name: String,
        key: String,
        seeds: [PeerAddress],
        withToken: Bool = true,
        extraArguments: [String] = []
    ) async throws -> TestAgent {
        var lastFailure = ""
        for _ in 0..<Self.launchAttempts {
            let command = try TestAgent.testCommandLine(
                name: name,
                key: key,
                seeds: seeds,
                directory: directory,
                rpcTokenFile: withToken ? rpcTokenFile : nil,
                extraArguments: extraArguments
            )
            let agent = try launcher.launch(command)
            if await agent.waitUntilReady(timeout: Self.startupTimeout) { return agent }
            try Task.checkCancellation()
            launcher.discard(agent)
            lastFailure = agent.logTail()
        }
        throw TestAgentError("\(name) did not start after \(Self.launchAttempts) attempts; last log:\n\(lastFailure)")
    }

    /// Each reachable agent's member list, keyed by agent name; unreachable agents are absent.
    func views(of observers: [TestAgent]) async -> Views {
        await withTaskGroup(of: (String, [MemberView]?).self) { group in
            for observer in observers {
                let name = observer.name
                let address = observer.rpc
                group.addTask {
                    (
                        name,
                        try? await Self.client(for: address).call(.GET, "/v1/members", as: MembersResponse.self).members
                    )
                }
            }
            var views: Views = [:]
            for await (name, members) in group {
                if let members { views[name] = members }
            }
            return views
        }
    }

    /// Polls `observers` until `condition` holds for their views; on timeout records an issue with diagnostics and
    /// returns false. Also stops early (false) when `violation` returns a message, recording it.
    @discardableResult
    func waitUntil(
        _ description: String,
        observers: [TestAgent],
        timeout: Duration = defaultTimeout,
        violation: (Views) -> String? = { _ in nil },
        sourceLocation: SourceLocation = #_sourceLocation,
        condition: (Views) -> Bool
    ) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        var last: Views = [:]
        while true {
            last = await views(of: observers)
            if let message = violation(last) {
                Issue.record(
                    Comment(rawValue: "\(message)\n\(diagnostics(views: last))"),
                    sourceLocation: sourceLocation
                )
                return false
            }
            if last.count == observers.count, condition(last) { return true }
            guard ContinuousClock.now < deadline else { break }
            try? await Task.sleep(for: Self.pollInterval)
        }
        Issue.record(
            Comment(rawValue: "timed out waiting until \(description)\n\(diagnostics(views: last))"),
            sourceLocation: sourceLocation
        )
        return false
    }

    /// Waits until every agent in `observers` lists exactly `expected` members, each `alive`.
    @discardableResult
    func waitUntilConverged(
        observers: [TestAgent],
        expected: [TestAgent],
        sourceLocation: SourceLocation = #_sourceLocation
    ) async -> Bool {
        let names = Set(expected.map(\.name))
        return await waitUntil(
            "\(observers.count) agents see \(names.count) alive",
            observers: observers,
            sourceLocation: sourceLocation
        ) { views in
            views.values.allSatisfy { members in
                Set(members.filter { $0.status == "alive" }.map(\.name)) == names
            }
        }
    }

    /// Records an issue with diagnostics unless `condition` holds.
    func check(
        _ condition: Bool,
        _ message: @autoclosure () -> String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard !condition else { return }
        Issue.record(Comment(rawValue: "\(message())\n\(diagnostics())"), sourceLocation: sourceLocation)
    }

    /// The observed views (if any) and every agent's log tail.
    func diagnostics(views: Views = [:]) -> String {
        var lines: [String] = []
        for (name, members) in views.sorted(by: { $0.key < $1.key }) {
            let summary = members.sorted { $0.name < $1.name }.map { "\($0.name)=\($0.status)" }
            lines.append("view of \(name): \(summary.joined(separator: " "))")
        }
        for agent in agents + outsiders {
            let state = agent.isRunning ? "running" : "exited"
            lines.append("--- \(agent.name) (\(state), pid \(agent.processIdentifier)) log tail:")
            lines.append(agent.logTail())
        }
        return lines.joined(separator: "\n")
    }

    /// A client of one agent with short timeouts; `token` for calls that change something.
    static func client(for address: PeerAddress, token: String? = nil) -> RPCClient {
        var client = RPCClient(address: address, token: token)
        client.connectTimeout = .milliseconds(500)
        client.requestTimeout = .seconds(2)
        return client
    }
}
