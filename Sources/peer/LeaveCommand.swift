import ArgumentParser
import PeerRPC

/// `peer leave`: asks the agent to leave gracefully; it exits once `left` has spread.
struct LeaveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leave",
        abstract: "Make the agent leave the cluster gracefully and exit."
    )

    @OptionGroup var rpc: RPCOptions

    func run() async throws {
        let response = try await rpc.client().call(.POST, "/v1/leave", as: LeaveResponse.self)
        print("\(response.name) is leaving the cluster")
    }
}
