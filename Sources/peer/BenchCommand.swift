import ArgumentParser

/// `peer bench`: measurements of real local agents. Without a subcommand it runs the membership bench, as it
/// always did; `peer bench kafka` measures the data plane (produce, latency, consume) against the machine's limits.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure real local agents: membership (the default) or the Kafka data plane.",
        subcommands: [BenchMembershipCommand.self, BenchKafkaCommand.self],
        defaultSubcommand: BenchMembershipCommand.self
    )
}
