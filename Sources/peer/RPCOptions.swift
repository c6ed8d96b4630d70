import ArgumentParser
import Foundation
import Gossip
import PeerNode
import PeerRPC
import Primitives

/// The `--rpc HOST:PORT` option shared by every client command. Defaults to `$PEER_RPC_ADDR`, else
/// 127.0.0.1:7373 (the agent's default RPC address).
struct RPCOptions: ParsableArguments {
    @Option(
        name: .customLong("rpc"),
        help: ArgumentHelp(
            "Agent RPC address (default: $PEER_RPC_ADDR or \(AgentDefaults.rpcAddress)).",
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
        return AgentDefaults.rpcAddress
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
            throw ValidationError("\(flag): \(problem(with: text)), got '\(text)'")
        }
        return address
    }

    /// What is wrong with an address `PeerAddress` refused, as precisely as can be told.
    static func problem(with text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let colon = trimmed.lastIndex(of: ":"), !trimmed[..<colon].isEmpty else { return "expected HOST:PORT" }
        let port = trimmed[trimmed.index(after: colon)...]
        guard !port.isEmpty, port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber) else {
            return "expected HOST:PORT with a numeric port"
        }
        guard let value = Int(port), value <= 65_535 else { return "port \(port) is out of range (1-65535)" }
        if value == 0 { return "port 0 is not allowed: give a port between 1 and 65535" }
        return "expected HOST:PORT (bracket IPv6 hosts: [::1]:7946)"
    }
}
