import Foundation
import Gossip
import LocalCluster
import PeerNode
import Primitives

/// The agents of `peer dev`: real `peer agent` children on 127.0.0.1 sharing a freshly generated key, every one a
/// broker joining through node1, the first three the controller voters.
///
/// `stop()` is the normal way out: SIGTERM (graceful leave), then SIGKILL after a timeout; the children also exit
/// on their own if this process is killed outright.
final class DevCluster {
    let nodes: [LocalNode]
    let launcher: LocalClusterLauncher
    var directory: URL { launcher.directory }

    /// How long children get to leave gracefully before they are killed.
    static let stopTimeout: Duration = .seconds(5)

    /// Node `i` (0-based) gossips on `basePort + i`, serves RPC on `basePort + count + i` and Kafka clients on
    /// `kafkaBasePort + i`.
    init(count: Int, basePort: Int, kafkaBasePort: Int, directory: URL, executable: URL) {
        launcher = LocalClusterLauncher(directory: directory, executable: executable)
        nodes = LocalNode.consecutivePorts(
            count: count,
            gossipBasePort: basePort,
            rpcBasePort: basePort + count,
            kafkaBasePort: kafkaBasePort,
            directory: directory
        )
    }

    /// Writes the key and starts every agent; each joins through the first node only. On failure every child
    /// already started is stopped before the error is thrown.
    func launch(profile: String) async throws {
        do {
            let keyFile = try launcher.keyFile()
            let tokenFile = try launcher.rpcToken().file
            let voters = nodes.prefix(3).map(\.name)
            for (index, node) in nodes.enumerated() {
                let command = AgentCommandLine(
                    node: node,
                    key: .file(keyFile),
                    rpcTokenFile: tokenFile,
                    profile: profile,
                    roles: ["broker"],
                    servesKafka: true,
                    voters: voters,
                    seeds: index > 0 ? [nodes[0].gossip] : []
                )
                try launcher.launch(command)
            }
            // Catch immediate failures such as a port in use.
            try await Task.sleep(for: .milliseconds(500))
            if let failed = launcher.exitedAgents().first {
                throw LocalClusterError("\(failed.name) exited at startup: \(failed.lastLogLine())")
            }
        } catch {
            await stop()
            throw error
        }
    }

    /// SIGTERM to every child still running, then SIGKILL to any that has not exited after `stopTimeout`.
    func stop() async {
        await launcher.stop(timeout: Self.stopTimeout)
    }
}
