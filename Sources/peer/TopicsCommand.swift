import ArgumentParser
import Foundation
import PeerRPC

/// `peer topics`: create, list and describe topics (any agent forwards to the controller).
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create, list and describe topics.",
        subcommands: [Create.self, List.self, Describe.self]
    )

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a topic (the controller assigns replicas).")

        @Argument(help: "Topic name: ASCII letters, digits, '.', '_' and '-'.")
        var name: String

        // Unconditional parsing, so `--partitions -1` reaches validation instead of being read as a flag.
        @Option(parsing: .unconditional, help: "Number of partitions.")
        var partitions: Int

        @Option(parsing: .unconditional, help: "Replicas per partition (at most the number of alive brokers).")
        var replicationFactor: Int

        @OptionGroup var rpc: RPCOptions

        func validate() throws {
            guard partitions >= 1 else { throw ValidationError("--partitions must be at least 1") }
            guard replicationFactor >= 1 else { throw ValidationError("--replication-factor must be at least 1") }
        }

        func run() async throws {
            let done = try await rpc.client().call(
                .POST,
                "/v1/topics",
                body: CreateTopicRequest(name: name, partitions: partitions, replicationFactor: replicationFactor),
                as: RequestDoneResponse.self
            )
            print(done.detail)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List topics.")

        @OptionGroup var rpc: RPCOptions

        @Flag(help: "Print the raw /v1/topics JSON.")
        var json = false

        func run() async throws {
            let client = try rpc.client()
            let reply = try await client.request(.GET, "/v1/topics")
            try reply.checkSuccess(from: client.address)
            if json {
                FileHandle.standardOutput.write(Data(reply.body))
                return
            }
            let response = try JSONDecoder().decode(TopicsResponse.self, from: Data(reply.body))
            var table = TextTable(header: ["Topic", "Partitions", "ReplicationFactor"])
            for topic in response.topics {
                table.append([topic.name, "\(topic.partitions)", "\(topic.replicationFactor)"])
            }
            print(table.render())
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a topic and its partitions.")

        @Argument(help: "Topic name.")
        var name: String

        @OptionGroup var rpc: RPCOptions

        @Flag(help: "Print the raw JSON.")
        var json = false

        func run() async throws {
            let client = try rpc.client()
            let encoded = name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name
            let reply = try await client.request(.GET, "/v1/topics/" + encoded)
            try reply.checkSuccess(from: client.address)
            if json {
                FileHandle.standardOutput.write(Data(reply.body))
                return
            }
            let topic = try JSONDecoder().decode(TopicView.self, from: Data(reply.body))
            print(
                "Topic: \(topic.name)  Partitions: \(topic.partitions)  ReplicationFactor: \(topic.replicationFactor)"
            )
            print(PartitionsTable.render(topic.partitionStates ?? []))
        }
    }
}
