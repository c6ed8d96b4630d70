import Foundation
import Gossip
import PeerRPC

/// One agent of a dev cluster.
struct DevNode: Sendable {
    var name: String
    var gossip: PeerAddress
    var rpc: PeerAddress
    /// The Kafka listener.
    var kafka: PeerAddress
    var directory: URL

    var logFile: URL { directory.appendingPathComponent("agent.log") }
}

/// Real `peer agent` child processes on 127.0.0.1 for local experiments, sharing a freshly generated key.
///
/// Children are started with `--exit-with-parent`, so even if this process is killed outright they leave and
/// exit on their own; `stop()` is the normal path: SIGTERM (graceful leave), then SIGKILL after a timeout.
final class DevCluster {
    let nodes: [DevNode]
    let directory: URL
    private var processes: [Process] = []

    /// How long children get to leave gracefully before they are killed.
    static let stopTimeout: Duration = .seconds(5)

    /// Node `i` (0-based) gossips on `basePort + i`, serves RPC on `basePort + count + i` and Kafka clients on
    /// `kafkaBasePort + i`.
    init(count: Int, basePort: Int, kafkaBasePort: Int = Int(AgentDefaults.kafkaPort), directory: URL) {
        self.directory = directory
        nodes = (0..<count).map { index in
            DevNode(
                name: "node\(index + 1)",
                gossip: PeerAddress(host: "127.0.0.1", port: UInt16(basePort + index)),
                rpc: PeerAddress(host: "127.0.0.1", port: UInt16(basePort + count + index)),
                kafka: PeerAddress(host: "127.0.0.1", port: UInt16(kafkaBasePort + index)),
                directory: directory.appendingPathComponent("node\(index + 1)")
            )
        }
    }

    /// Writes the key and starts every agent; each joins through the first node only. On failure every child
    /// already started is stopped before the error is thrown.
    func launch(executable: URL, profile: String) async throws {
        let keyFile = directory.appendingPathComponent("cluster.key")
        try AgentProcesses.writeKeyFile(keyFile)
        let tokenFile = try AgentProcesses.rpcToken(in: directory).file
        // Every node is a broker; the first three are the controller voters.
        let voters = nodes.prefix(3).map(\.name)
        do {
            for (index, node) in nodes.enumerated() {
                let arguments = AgentProcesses.arguments(
                    for: node,
                    keyFile: keyFile,
                    tokenFile: tokenFile,
                    profile: profile,
                    voters: voters,
                    seed: index > 0 ? nodes[0] : nil
                )
                processes.append(try AgentProcesses.spawn(executable, arguments: arguments, node: node))
            }
            // Catch immediate failures such as a port in use.
            try await Task.sleep(for: .milliseconds(500))
            for (node, process) in zip(nodes, processes) where !process.isRunning {
                throw DevClusterError(
                    "\(node.name) exited at startup: \(AgentProcesses.lastLine(of: node.logFile))"
                )
            }
        } catch {
            await stop()
            throw error
        }
    }

    /// SIGTERM to every child still running, then SIGKILL to any that has not exited after `stopTimeout`.
    func stop() async {
        await AgentProcesses.stop(processes, timeout: Self.stopTimeout)
        processes.removeAll()
    }
}

struct DevClusterError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
