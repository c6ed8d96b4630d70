import Foundation
import Gossip
import Primitives

/// One agent of a local cluster: its name, its three listeners on 127.0.0.1, its data directory and its log.
public struct LocalNode: Sendable {
    public var name: String
    public var gossip: PeerAddress
    public var rpc: PeerAddress
    /// The Kafka listener, for agents that are brokers.
    public var kafka: PeerAddress
    public var directory: URL
    /// Where the agent's stdout and stderr go.
    public var logFile: URL

    /// - Parameter logFile: defaults to `agent.log` in `directory`.
    public init(
        name: String,
        gossip: PeerAddress,
        rpc: PeerAddress,
        kafka: PeerAddress,
        directory: URL,
        logFile: URL? = nil
    ) {
        self.name = name
        self.gossip = gossip
        self.rpc = rpc
        self.kafka = kafka
        self.directory = directory
        self.logFile = logFile ?? directory.appendingPathComponent("agent.log")
    }

    /// The name of the agent at 0-based `index`: `node1`, `node2`, ... (also its data directory's name).
    public static func name(at index: Int) -> String { "node\(index + 1)" }

    /// `count` agents on consecutive ports: agent `i` (0-based) gossips on `gossipBasePort + i`, serves RPC on
    /// `rpcBasePort + i` and Kafka on `kafkaBasePort + i`, with its data in `directory/node<i+1>`. The caller checks
    /// that the ports fit (the CLI validates its flags).
    public static func consecutivePorts(
        count: Int,
        gossipBasePort: Int,
        rpcBasePort: Int,
        kafkaBasePort: Int,
        directory: URL
    ) -> [LocalNode] {
        (0..<count).map { index in
            LocalNode(
                name: name(at: index),
                gossip: loopback(gossipBasePort + index),
                rpc: loopback(rpcBasePort + index),
                kafka: loopback(kafkaBasePort + index),
                directory: directory.appendingPathComponent(name(at: index))
            )
        }
    }

    /// An agent on ports the kernel reports free right now, with its data in `directory/name`. Its log file is named
    /// after the gossip port, so a relaunch on fresh ports (see `FreePort`) keeps the failed attempt's log.
    public static func onFreePorts(name: String, directory: URL) throws -> LocalNode {
        let gossip = loopback(Int(try FreePort.next()))
        let dataDirectory = directory.appendingPathComponent(name)
        return LocalNode(
            name: name,
            gossip: gossip,
            rpc: loopback(Int(try FreePort.next())),
            kafka: loopback(Int(try FreePort.next())),
            directory: dataDirectory,
            logFile: dataDirectory.appendingPathComponent("agent-\(gossip.port).log")
        )
    }

    private static func loopback(_ port: Int) -> PeerAddress {
        PeerAddress(host: "127.0.0.1", port: UInt16(clamping: port))
    }
}
