import Gossip
import Primitives

/// The agent's well-known addresses, in one place so the agent (which listens on them) and the CLI's client
/// commands (which talk to them) agree without the client depending on the server.
public enum AgentDefaults {
    /// The gossip port when none is given (serf's default).
    public static let gossipPort: UInt16 = 7946
    /// The RPC address agents listen on and CLI commands talk to when none is given (serf's default RPC port).
    public static let rpcAddress = PeerAddress(host: "127.0.0.1", port: 7373)
    /// Kafka's default port, where a broker serves Kafka clients when none is given.
    public static let kafkaPort: UInt16 = 9092
}
