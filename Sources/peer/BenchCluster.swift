import Foundation
import Gossip
import Primitives

/// The agents of `peer bench`: real `peer agent` children on 127.0.0.1 sharing a fresh key, every one seeded with
/// node1 only. Same layout as `DevCluster` (node i gossips on base+i, serves RPC on base+N+i), but it launches
/// nodes in batches (the seed first, so joiners need no retry), exposes each child's pid, so single nodes can be
/// SIGKILLed and sampled through /proc, and reports when a batch was spawned, where convergence is measured from.
///
/// Children run with `--exit-with-parent`, so they go away even if the bench itself is killed outright.
/// Sendable so the measuring task and the command's cleanup can share it; a lock guards the process list.
final class BenchCluster: @unchecked Sendable {
    /// The first agents are the controller voters.
    static let voterCount = 3

    let nodes: [DevNode]
    let directory: URL
    /// Whether the agents run a controller quorum (the failover phase needs one; membership figures do not).
    let withController: Bool
    private let lock = NSLock()
    private var processes: [Int: Process] = [:]
    private var crashed: Set<Int> = []

    /// How long children get to leave gracefully in `stop()` before they are killed.
    static let stopTimeout: Duration = .seconds(3)

    init(count: Int, basePort: Int, directory: URL, withController: Bool) {
        self.directory = directory
        self.withController = withController
        nodes = (0..<count).map { index in
            DevNode(
                name: "node\(index + 1)",
                gossip: PeerAddress(host: "127.0.0.1", port: UInt16(basePort + index)),
                rpc: PeerAddress(host: "127.0.0.1", port: UInt16(basePort + count + index)),
                kafka: PeerAddress(host: "127.0.0.1", port: UInt16(basePort + 2 * count + index)),
                directory: directory.appendingPathComponent("node\(index + 1)")
            )
        }
    }

    private var keyFile: URL { directory.appendingPathComponent("cluster.key") }

    /// Spawns the agents at `indices` without waiting for them (the first call also writes the key); returns the
    /// instant the last one was spawned. On failure every child already started is killed before the error is thrown.
    func launch(_ indices: [Int], executable: URL, profile: String) throws -> ContinuousClock.Instant {
        do {
            try AgentProcesses.writeKeyFile(keyFile)
            let tokenFile = try AgentProcesses.rpcToken(in: directory).file
            // Every agent is a broker; with a controller, the first three are its voters.
            let voters = withController ? nodes.prefix(Self.voterCount).map(\.name) : []
            for index in indices {
                let node = nodes[index]
                let arguments = AgentProcesses.arguments(
                    for: node,
                    keyFile: keyFile,
                    tokenFile: tokenFile,
                    profile: profile,
                    voters: voters,
                    seed: index > 0 ? nodes[0] : nil,
                    extra: ["--log-level", "warning"]
                )
                let process = try AgentProcesses.spawn(executable, arguments: arguments, node: node)
                lock.withLock { processes[index] = process }
            }
        } catch {
            kill()
            throw error
        }
        return .now
    }

    /// The pid of node `index`, nil once the cluster is stopped.
    func processIdentifier(of index: Int) -> Int32? {
        lock.withLock { processes[index]?.processIdentifier }
    }

    /// SIGKILLs node `index` and reaps it; it then counts as crashed, not as failed.
    func crash(_ index: Int) {
        let victim = lock.withLock { () -> Process? in
            crashed.insert(index)
            return processes[index]
        }
        guard let victim else { return }
        Foundation.kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
    }

    /// Throws, naming the node and its last log line, if a child exited that the bench did not crash on purpose.
    func checkAlive() throws {
        let (running, crashed) = lock.withLock { (processes.mapValues(\.isRunning), self.crashed) }
        for (index, isRunning) in running.sorted(by: { $0.key < $1.key }) where !isRunning && !crashed.contains(index) {
            let node = nodes[index]
            throw BenchError("\(node.name) exited unexpectedly: \(AgentProcesses.lastLine(of: node.logFile))")
        }
    }

    /// SIGTERM (graceful leave) to every child still running, then SIGKILL to any still there after `stopTimeout`.
    func stop() async {
        let children = lock.withLock { Array(processes.values) }
        await AgentProcesses.stop(children, timeout: Self.stopTimeout)
        kill()
    }

    /// SIGKILL to every child still running, and reap them all. Safe to call more than once.
    func kill() {
        let children = lock.withLock {
            defer { processes.removeAll() }
            return Array(processes.values)
        }
        AgentProcesses.killAll(children)
    }
}
