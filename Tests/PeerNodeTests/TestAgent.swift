import Foundation
import Gossip
import LocalCluster
import Primitives

/// One real `peer agent` child process of a test (see `LocalAgent`).
typealias TestAgent = LocalAgent

extension LocalAgent {
    /// Fast timings on top of the `local` profile, so joins, failures and leaves settle within a second or two.
    /// Agents that join at the same moment can miss each other's `alive` gossip (it is retransmitted only a few
    /// times in a small cluster) and then meet at the next push-pull, 15 s away in `local`; 2 s keeps tests short.
    static let fastTiming = [
        "--profile", "local", "--probe-interval", "200", "--probe-timeout", "100", "--gossip-interval", "50",
        "--suspicion-mult", "2", "--push-pull-interval", "2000",
    ]

    /// The command line of a test agent on fresh free ports, with the fast timings and the key on the command line;
    /// a broker (`--roles` naming `broker` in `extraArguments`) also gets a Kafka listener unless one is given.
    /// - Parameter rpcTokenFile: the file holding the RPC token changes need; nil leaves the RPC read-only.
    static func testCommandLine(
        name: String,
        key: String,
        seeds: [PeerAddress],
        directory: URL,
        rpcTokenFile: URL? = nil,
        extraArguments: [String] = []
    ) throws -> AgentCommandLine {
        let isBroker = zip(extraArguments, extraArguments.dropFirst()).contains {
            $0 == "--roles" && $1.contains("broker")
        }
        return AgentCommandLine(
            node: try LocalNode.onFreePorts(name: name, directory: directory),
            key: .inline(key),
            rpcTokenFile: rpcTokenFile,
            servesKafka: isBroker && !extraArguments.contains("--kafka"),
            seeds: seeds,
            extra: fastTiming + extraArguments
        )
    }

    /// Launches a test agent apart from any cluster (see `testCommandLine`); it is not necessarily listening yet.
    convenience init(
        name: String,
        key: String,
        seeds: [PeerAddress],
        directory: URL,
        rpcTokenFile: URL? = nil,
        extraArguments: [String] = []
    ) throws {
        let command = try Self.testCommandLine(
            name: name,
            key: key,
            seeds: seeds,
            directory: directory,
            rpcTokenFile: rpcTokenFile,
            extraArguments: extraArguments
        )
        try self.init(executable: try PeerBinary.url(), arguments: command.arguments, node: command.node)
    }
}

struct TestAgentError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
