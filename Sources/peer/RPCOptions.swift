import ArgumentParser
import Foundation
import Gossip
import PeerNode

/// The `--rpc HOST:PORT` option shared by every client command. Defaults to `$PEER_RPC_ADDR`, else
/// 127.0.0.1:7373 (the agent's default RPC address).
struct RPCOptions: ParsableArguments {
    @Option(
        name: .customLong("rpc"),
        help: ArgumentHelp(
            "Agent RPC address (default: $PEER_RPC_ADDR or \(AgentConfiguration.defaultRPCAddress)).",
            valueName: "host:port"
        )
    )
    var rpc: String?

    @Option(
        name: .customLong("rpc-token"),
        help: ArgumentHelp(
            "The agent's RPC token, needed for changes and the keyring (default: $PEER_RPC_TOKEN).",
            valueName: "token"
        )
    )
    var rpcToken: String?

    func validate() throws {
        _ = try address()
    }

    func address() throws -> PeerAddress {
        if let rpc { return try AddressParsing.parse(rpc, flag: "--rpc") }
        if let environment = ProcessInfo.processInfo.environment["PEER_RPC_ADDR"], !environment.isEmpty {
            return try AddressParsing.parse(environment, flag: "PEER_RPC_ADDR")
        }
        return AgentConfiguration.defaultRPCAddress
    }

    /// `--rpc-token`, else `$PEER_RPC_TOKEN`, else none.
    func token() -> String? {
        if let rpcToken { return rpcToken }
        let environment = ProcessInfo.processInfo.environment["PEER_RPC_TOKEN"]
        return environment?.isEmpty == false ? environment : nil
    }

    func client() throws -> RPCClient {
        RPCClient(address: try address(), token: token())
    }
}

/// Parses `host:port` flags with an error that names the flag.
enum AddressParsing {
    static func parse(_ text: String, flag: String) throws -> PeerAddress {
        guard let address = PeerAddress(text) else {
            throw ValidationError("\(flag): expected HOST:PORT, got '\(text)'")
        }
        return address
    }
}
