import ArgumentParser
import PeerRPC
import Sealing

/// `peer keyring`: cluster-wide key rotation, like `serf keyring`: install the new key everywhere, `use` it,
/// then `remove` the old one.
struct KeyringCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyring",
        abstract: "List, install, use or remove cluster keys on every alive member.",
        subcommands: [List.self, Install.self, Use.self, Remove.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the keys installed across the cluster.")

        @OptionGroup var rpc: RPCOptions

        func run() async throws {
            let response = try await rpc.client().call(.GET, "/v1/keyring", as: KeyringResponse.self)
            var table = TextTable(header: ["Fingerprint", "Installed", "Primary"])
            for key in response.keys ?? [] {
                table.append([
                    key.fingerprint, "\(key.installedOn)/\(response.numNodes)",
                    "\(key.primaryOn)/\(response.numNodes)",
                ])
            }
            print(table.render())
            try report(response, verb: "listed")
        }
    }

    struct Install: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Install a key on every member.")
        @Argument(help: "The base64 key.") var key: String
        @OptionGroup var rpc: RPCOptions

        func validate() throws { try validateKey(key) }

        func run() async throws {
            try await change("install", key: key, rpc: rpc)
        }
    }

    struct Use: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an installed key the primary everywhere.")
        @Argument(help: "The base64 key.") var key: String
        @OptionGroup var rpc: RPCOptions

        func validate() throws { try validateKey(key) }

        func run() async throws {
            try await change("use", key: key, rpc: rpc)
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a (non-primary) key everywhere.")
        @Argument(help: "The base64 key.") var key: String
        @OptionGroup var rpc: RPCOptions

        func validate() throws { try validateKey(key) }

        func run() async throws {
            try await change("remove", key: key, rpc: rpc)
        }
    }
}

private func validateKey(_ key: String) throws {
    do {
        _ = try ClusterKey(base64: key)
    } catch {
        throw ValidationError("invalid key: \(error.description)")
    }
}

private func change(_ operation: String, key: String, rpc: RPCOptions) async throws {
    let response = try await rpc.client().call(
        .POST,
        "/v1/keyring/\(operation)",
        body: KeyRequest(key: key),
        as: KeyringResponse.self
    )
    try report(response, verb: operation == "use" ? "switched" : operation == "install" ? "installed" : "removed")
}

/// Prints who answered and every per-node error; fails when any node did not succeed.
private func report(_ response: KeyringResponse, verb: String) throws {
    print(
        "\(verb) on \(response.numNodes - response.errors.count)/\(response.numNodes) nodes (\(response.numResponded) responded)"
    )
    for (node, error) in response.errors.sorted(by: { $0.key < $1.key }) {
        print("  \(node): \(error)")
    }
    if !response.errors.isEmpty || response.numResponded < response.numNodes {
        throw ExitCode.failure
    }
}
