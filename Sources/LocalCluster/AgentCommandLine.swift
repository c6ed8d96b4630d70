import Foundation
import Gossip
import Primitives

/// The `peer agent` command line of one local agent. Children always run with `--exit-with-parent`, so they leave
/// and exit on their own even if the process that started them is killed outright.
public struct AgentCommandLine: Sendable {
    /// How the agent gets the cluster key.
    public enum Key: Sendable {
        /// `--key-file`: the key stays out of the process list.
        case file(URL)
        /// `--key`: the base64 key itself (tests, where keys differ between agents).
        case inline(String)
    }

    public var node: LocalNode
    public var key: Key
    /// The file holding the RPC token changes need; nil leaves the agent's RPC read-only.
    public var rpcTokenFile: URL?
    /// A timing profile name, if any.
    public var profile: String?
    /// `--roles`, if any.
    public var roles: [String]
    /// Whether to pass `--kafka` with the node's Kafka address (brokers).
    public var servesKafka: Bool
    /// The controller voters, if the cluster has a controller quorum.
    public var voters: [String]
    /// Whom to join through.
    public var seeds: [PeerAddress]
    /// More flags, appended last.
    public var extra: [String]

    public init(
        node: LocalNode,
        key: Key,
        rpcTokenFile: URL? = nil,
        profile: String? = nil,
        roles: [String] = [],
        servesKafka: Bool = false,
        voters: [String] = [],
        seeds: [PeerAddress] = [],
        extra: [String] = []
    ) {
        self.node = node
        self.key = key
        self.rpcTokenFile = rpcTokenFile
        self.profile = profile
        self.roles = roles
        self.servesKafka = servesKafka
        self.voters = voters
        self.seeds = seeds
        self.extra = extra
    }

    /// The arguments after the executable, starting with `agent`.
    public var arguments: [String] {
        var arguments = [
            "agent", "--name", node.name, "--bind", node.gossip.description, "--rpc", node.rpc.description,
        ]
        switch key {
        case .file(let file): arguments += ["--key-file", file.path]
        case .inline(let key): arguments += ["--key", key]
        }
        if let rpcTokenFile { arguments += ["--rpc-token-file", rpcTokenFile.path] }
        arguments += ["--data-dir", node.directory.path]
        if let profile { arguments += ["--profile", profile] }
        if !roles.isEmpty { arguments += ["--roles", roles.joined(separator: ",")] }
        if servesKafka { arguments += ["--kafka", node.kafka.description] }
        arguments.append("--exit-with-parent")
        if !voters.isEmpty { arguments += ["--voters", voters.joined(separator: ",")] }
        for seed in seeds { arguments += ["--seed", seed.description] }
        return arguments + extra
    }
}
