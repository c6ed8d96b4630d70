import Foundation
import Sealing

/// Starts and stops the real `peer agent` children of one local cluster, for `peer dev`, `peer bench` and the
/// process tests: the cluster's folder with its key and RPC token, spawning agents, crashing single ones on
/// purpose, noticing the ones that died, and stopping them all (SIGTERM for a graceful leave, then SIGKILL).
///
/// Sendable so a measuring task and a command's cleanup can share it; a lock guards the agent list.
public final class LocalClusterLauncher: @unchecked Sendable {
    /// The cluster's folder: its key, its RPC token, and (usually) the agents' data directories.
    public let directory: URL
    /// The `peer` binary the agents run.
    public let executable: URL
    private let lock = NSLock()
    /// In launch order; a relaunch under the same name replaces the earlier agent.
    private var agents: [LocalAgent] = []
    private var crashed: Set<String> = []

    public init(directory: URL, executable: URL) {
        self.directory = directory
        self.executable = executable
    }

    // MARK: Secrets

    /// The cluster key file, `cluster.key` in `directory`: written once with a fresh key, readable by the owner only.
    public func keyFile() throws -> URL {
        let file = directory.appendingPathComponent("cluster.key")
        guard !FileManager.default.fileExists(atPath: file.path) else { return file }
        try Self.writeSecret(ClusterKey.generate().base64, to: file)
        return file
    }

    /// The cluster's RPC token, read from `rpc.token` in `directory` or generated into it (owner-only), so the
    /// launcher's owner can make changes through the agents' RPC.
    public func rpcToken() throws -> (file: URL, token: String) {
        let file = directory.appendingPathComponent("rpc.token")
        if let contents = FileManager.default.contents(atPath: file.path),
            let text = String(data: contents, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !text.isEmpty
        {
            return (file, text)
        }
        let token = Secrets.generateToken()
        try Self.writeSecret(token, to: file)
        return (file, token)
    }

    private static func writeSecret(_ text: String, to file: URL) throws {
        guard
            FileManager.default.createFile(
                atPath: file.path,
                contents: Data((text + "\n").utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else {
            throw LocalClusterError("cannot write \(file.path)")
        }
    }

    // MARK: Agents

    /// Spawns an agent (see `LocalAgent.init`) and keeps it, replacing any earlier agent of the same name. On
    /// failure nothing is kept.
    @discardableResult
    public func launch(_ node: LocalNode, arguments: [String]) throws -> LocalAgent {
        let agent = try LocalAgent(executable: executable, arguments: arguments, node: node)
        lock.withLock {
            agents.removeAll { $0.name == node.name }
            agents.append(agent)
            crashed.remove(node.name)
        }
        return agent
    }

    /// Spawns `command` (its node and arguments).
    @discardableResult
    public func launch(_ command: AgentCommandLine) throws -> LocalAgent {
        try launch(command.node, arguments: command.arguments)
    }

    /// The agent of that name, nil once the cluster is stopped.
    public func agent(named name: String) -> LocalAgent? {
        lock.withLock { agents.first { $0.name == name } }
    }

    /// Forgets an agent (after killing it), e.g. one that failed to start before a relaunch.
    public func discard(_ agent: LocalAgent) {
        agent.forceStop()
        lock.withLock { agents.removeAll { $0 === agent } }
    }

    /// SIGKILLs the agent of that name and reaps it; it then counts as crashed, not as failed.
    public func crash(_ name: String) {
        let victim = lock.withLock { () -> LocalAgent? in
            crashed.insert(name)
            return agents.first { $0.name == name }
        }
        victim?.forceStop()
    }

    /// Agents that exited although nobody crashed them on purpose, in launch order.
    public func exitedAgents() -> [LocalAgent] {
        let (agents, crashed) = lock.withLock { (self.agents, self.crashed) }
        return agents.filter { !$0.isRunning && !crashed.contains($0.name) }
    }

    /// SIGTERM (graceful leave) to every agent still running, then SIGKILL to any still there after `timeout`;
    /// reaps them all and forgets them.
    public func stop(timeout: Duration) async {
        let children = lock.withLock { agents }
        for agent in children { agent.send(SIGTERM) }
        let deadline = ContinuousClock.now + timeout
        while children.contains(where: \.isRunning), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        kill()
    }

    /// SIGKILL to every agent still running; reaps them all and forgets them. Safe to call more than once.
    public func kill() {
        let children = lock.withLock {
            defer { agents.removeAll() }
            return agents
        }
        for agent in children { agent.send(SIGKILL) }
        for agent in children { agent.forceStop() }
    }

    // MARK: Places

    /// A fresh private directory under the system's temporary folder, named `prefix-XXXXXX`.
    public static func makeTemporaryDirectory(prefix: String) throws -> URL {
        var template = Array(
            FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-XXXXXX").path.utf8CString
        )
        guard let created = mkdtemp(&template) else {
            throw LocalClusterError("cannot create a temporary directory")
        }
        return URL(fileURLWithPath: String(cString: created))
    }

    /// The running executable (through `/proc/self/exe`), so a `peer` command's children run exactly this build.
    public static func currentExecutable() throws -> URL {
        guard let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            throw LocalClusterError("cannot resolve /proc/self/exe")
        }
        return URL(fileURLWithPath: resolved)
    }
}
