import ArgumentParser
import Foundation
import PeerRPC

/// `peer controller`: who holds the controller lease, under which epoch, and for how much longer.
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Show the controller as the agent sees it."
    )

    @OptionGroup var rpc: RPCOptions

    @Flag(help: "Print the raw /v1/controller JSON.")
    var json = false

    func run() async throws {
        let client = try rpc.client()
        let reply = try await client.request(.GET, "/v1/controller")
        try reply.checkSuccess(from: client.address)
        if json {
            FileHandle.standardOutput.write(Data(reply.body))
            return
        }
        let view = try JSONDecoder().decode(ControllerResponse.self, from: Data(reply.body))
        print(PartitionsTable.renderController(view))
    }
}

/// `peer partitions`: the partition table (leader, epochs, replicas, ISR).
struct PartitionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partitions",
        abstract: "Show partitions: leader, leader epoch, replicas and in-sync replicas.",
        subcommands: [Show.self, ElectPreferred.self],
        defaultSubcommand: Show.self
    )

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Show the partition table (the default)."
        )

        @Option(help: "Only this topic's partitions.")
        var topic: String?

        @OptionGroup var rpc: RPCOptions

        @Flag(help: "Print the raw /v1/partitions JSON.")
        var json = false

        func run() async throws {
            let client = try rpc.client()
            var path = "/v1/partitions"
            if let topic {
                path += "?topic=" + (topic.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? topic)
            }
            let reply = try await client.request(.GET, path)
            try reply.checkSuccess(from: client.address)
            if json {
                FileHandle.standardOutput.write(Data(reply.body))
                return
            }
            let response = try JSONDecoder().decode(PartitionsResponse.self, from: Data(reply.body))
            print(PartitionsTable.render(response.partitions))
        }
    }

    struct ElectPreferred: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "elect-preferred",
            abstract: "Move leadership back to each partition's preferred replica where it is in sync."
        )

        @OptionGroup var rpc: RPCOptions

        func run() async throws {
            let done = try await rpc.client().call(
                .POST,
                "/v1/partitions/elect-preferred",
                as: RequestDoneResponse.self
            )
            print(done.detail)
        }
    }
}
