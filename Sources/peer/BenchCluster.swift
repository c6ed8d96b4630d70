import Foundation
import Gossip
import LocalCluster
import Primitives

/// The agents of `peer bench`: real `peer agent` children on 127.0.0.1 sharing a fresh key, every one seeded with
/// node1 only. Node i gossips on base+i, serves RPC on base+N+i and Kafka on base+2N+i. It launches nodes in
/// batches (the seed first, so joiners need no retry), exposes each child's pid, so single nodes can be SIGKILLed
/// and sampled through /proc, and reports when a batch was spawned, where convergence is measured from.
///
/// Sendable so the measuring task and the command's cleanup can share it (the launcher locks its agent list).
final class BenchCluster: Sendable {
    /// The first agents are the controller voters.
    static let voterCount = 3

    let nodes: [LocalNode]
    let launcher: LocalClusterLauncher
    var directory: URL { launcher.directory }
    /// Whether the agents run a controller quorum (the failover phase needs one; membership figures do not).
    let withController: Bool

    /// How long children get to leave gracefully in `stop()` before they are killed.
    static let stopTimeout: Duration = .seconds(3)

    init(count: Int, basePort: Int, directory: URL, executable: URL, withController: Bool) {
        launcher = LocalClusterLauncher(directory: directory, executable: executable)
        self.withController = withController
        nodes = LocalNode.consecutivePorts(
            count: count,
            gossipBasePort: basePort,
            rpcBasePort: basePort + count,
            kafkaBasePort: basePort + 2 * count,
            directory: directory
        )
    }

    /// Spawns the agents at `indices` without waiting for them (the first call also writes the key); returns the
    /// instant the last one was spawned. On failure every child already started is killed before the error is thrown.
    func launch(_ indices: [Int], profile: String) throws -> ContinuousClock.Instant {
        do {
            let keyFile = try launcher.keyFile()
            let tokenFile = try launcher.rpcToken().file
            // Every agent is a broker; with a controller, the first three are its voters.
            let voters = withController ? nodes.prefix(Self.voterCount).map(\.name) : []
            for index in indices {
                let command = AgentCommandLine(
                    node: nodes[index],
                    key: .file(keyFile),
                    rpcTokenFile: tokenFile,
                    profile: profile,
                    roles: ["broker"],
                    servesKafka: true,
                    voters: voters,
                    seeds: index > 0 ? [nodes[0].gossip] : [],
                    extra: ["--log-level", "warning"]
                )
                try launcher.launch(command)
            }
        } catch {
            kill()
            throw error
        }
        return .now
    }

    /// The pid of node `index`, nil once the cluster is stopped.
    func processIdentifier(of index: Int) -> Int32? {
        launcher.agent(named: nodes[index].name)?.processIdentifier
    }

    /// SIGKILLs node `index` and reaps it; it then counts as crashed, not as failed.
    func crash(_ index: Int) {
        launcher.crash(nodes[index].name)
    }

    /// Throws, naming the node and its last log line, if a child exited that the bench did not crash on purpose.
    func checkAlive() throws {
        if let failed = launcher.exitedAgents().first {
            throw BenchError("\(failed.name) exited unexpectedly: \(failed.lastLogLine())")
        }
    }

    /// SIGTERM (graceful leave) to every child still running, then SIGKILL to any still there after `stopTimeout`.
    func stop() async {
        await launcher.stop(timeout: Self.stopTimeout)
    }

    /// SIGKILL to every child still running, and reap them all. Safe to call more than once.
    func kill() {
        launcher.kill()
    }
}
