import ArgumentParser
import Foundation
import PeerRPC

/// `peer members`: the member list as the agent sees it.
struct MembersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "members",
        abstract: "List the cluster's members as the agent sees them."
    )

    @OptionGroup var rpc: RPCOptions

    @Flag(help: "Print the raw /v1/members JSON.")
    var json = false

    func run() async throws {
        let client = try rpc.client()
        let reply = try await client.request(.GET, "/v1/members")
        try reply.checkSuccess(from: client.address)
        if json {
            FileHandle.standardOutput.write(Data(reply.body))
            return
        }
        guard let response = try? JSONDecoder().decode(MembersResponse.self, from: Data(reply.body)) else {
            throw RPCClientError.badResponse(address: client.address, reason: "unexpected response body")
        }
        print(MembersTable.render(response.members))
    }
}
