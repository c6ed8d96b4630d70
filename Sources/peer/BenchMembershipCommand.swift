import ArgumentParser
import Foundation
import Gossip
import LocalCluster

/// `peer bench [membership]`: starts a real local cluster and measures join convergence, crash detection, and the
/// idle cost of an agent (memory, CPU, gossip traffic), so changes to timing or the shell can be compared with numbers.
struct BenchMembershipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "membership",
        abstract: "Measure a local cluster of real agents: convergence, failure detection, idle cost.",
        discussion: """
            Starts N `peer agent` processes on 127.0.0.1 (node i gossips on base-port+i-1 and serves RPC on \
            base-port+N+i-1), every one seeded with node1 only, then measures: join convergence (from spawning \
            the last agent until every agent reports N alive); an idle window (VmRSS and CPU from /proc, UDP \
            datagrams and bytes sent from /metrics); and --crashes rounds of SIGKILLing a random non-seed node \
            (until the first and until every survivor reports it dead), letting the cluster settle between \
            rounds. Progress goes to stderr; the report to stdout. Every agent is stopped on exit, error or Ctrl-C.
            """
    )

    @Option(help: "Number of agents.")
    var nodes: Int = 10

    @Option(
        help: ArgumentHelp(
            "Timing profile: \(GossipConfiguration.profileNames.joined(separator: ", ")).",
            valueName: "name"
        )
    )
    var profile: String = "lan"

    @Option(help: "Crash rounds: each SIGKILLs one random non-seed node.")
    var crashes: Int = 3

    @Option(help: ArgumentHelp("Length of the idle measurement window.", valueName: "seconds"))
    var idleSeconds: Double = 10

    @Option(help: "Partitions of the failover phase's topic (RF 3); 0 skips the phase.")
    var failoverPartitions: Int = 100

    @Option(help: "Gossip port of node1; the others follow, then the RPC ports.")
    var basePort: Int = 27_946

    @Option(help: ArgumentHelp("How often every agent's member list is polled.", valueName: "ms"))
    var pollInterval: Int = 50

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    func validate() throws {
        guard (2...64).contains(nodes) else { throw ValidationError("--nodes must be between 2 and 64") }
        guard GossipConfiguration.profile(named: profile) != nil else {
            throw ValidationError(
                "--profile: unknown profile '\(profile)' (expected \(GossipConfiguration.profileNames.joined(separator: ", ")))"
            )
        }
        guard crashes >= 0, crashes <= nodes - 2 else {
            throw ValidationError("--crashes must be between 0 and \(nodes - 2) (the seed and one survivor stay up)")
        }
        guard idleSeconds > 0, idleSeconds <= 3600 else {
            throw ValidationError("--idle-seconds must be positive and at most 3600")
        }
        guard basePort >= 1, basePort + 2 * nodes - 1 <= 65_535 else {
            throw ValidationError("--base-port: ports \(basePort)...\(basePort + 2 * nodes - 1) do not fit")
        }
        guard (0...10_000).contains(failoverPartitions) else {
            throw ValidationError("--failover-partitions must be between 0 and 10000")
        }
        guard failoverPartitions == 0 || nodes >= BenchCluster.voterCount + 1 else {
            throw ValidationError(
                "the failover phase needs at least \(BenchCluster.voterCount + 1) nodes (or --failover-partitions 0)"
            )
        }
        guard (5...1000).contains(pollInterval) else {
            throw ValidationError("--poll-interval must be between 5 and 1000 ms")
        }
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: "/proc/self/stat") else {
            throw ValidationError("peer bench reads /proc and runs only on Linux")
        }
        let directory = try LocalClusterLauncher.makeTemporaryDirectory(prefix: "peer-bench")
        let cluster = BenchCluster(
            count: nodes,
            basePort: basePort,
            directory: directory,
            executable: try LocalClusterLauncher.currentExecutable(),
            withController: failoverPartitions > 0
        )
        let runner = BenchRunner(
            cluster: cluster,
            profile: profile,
            crashes: crashes,
            idleWindow: .milliseconds(Int(idleSeconds * 1000)),
            failoverPartitions: failoverPartitions,
            pollInterval: .milliseconds(pollInterval),
            progress: { FileHandle.standardError.write(Data("bench: \($0)\n".utf8)) }
        )
        let measuring = Task { try await runner.run() }
        let signals = SignalTrap(signals: [SIGINT, SIGTERM]) { measuring.cancel() }
        let result = await measuring.result
        // Still trapping: a second Ctrl-C must not abandon the children mid-stop.
        await cluster.stop()
        signals.cancel()

        switch result {
        case .success(let report):
            try? FileManager.default.removeItem(at: directory)
            print(json ? try report.json() : report.table())
        case .failure(is CancellationError):
            Terminal.printError("interrupted; every agent stopped, logs kept in \(directory.path)")
            throw ExitCode(130)
        case .failure(let error):
            throw BenchError("\(error) (agent logs kept in \(directory.path))")
        }
    }
}
