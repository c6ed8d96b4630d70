import ArgumentParser

/// The `peer` command line: run an agent, query or control it over RPC, or start a local dev cluster.
struct PeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "A gossip-based peer-to-peer cluster agent (SWIM with Lifeguard, sealed with a shared key).",
        subcommands: [
            AgentCommand.self,
            MembersCommand.self,
            InfoCommand.self,
            LeaveCommand.self,
            KeygenCommand.self,
            KeyringCommand.self,
            ControllerCommand.self,
            PartitionsCommand.self,
            TopicsCommand.self,
            ProduceCommand.self,
            ConsumeCommand.self,
            DevCommand.self,
            BenchCommand.self,
        ]
    )
}
