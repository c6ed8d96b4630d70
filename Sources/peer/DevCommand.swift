import ArgumentParser
import Dispatch
import Foundation
import Gossip
import LocalCluster
import PeerRPC

/// `peer dev`: a real local cluster in one command, with a live membership view.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Start a local cluster of real agents and watch its membership.",
        discussion: """
            Generates a key and starts N `peer agent` processes on 127.0.0.1: node i gossips on base-port+i-1 and \
            serves RPC on base-port+N+i-1 and Kafka clients on kafka-base-port+i-1 (9092, 9093, ...); every node joins through node1. Data dirs and logs go to a temporary \
            directory that is kept for inspection. Ctrl-C (or --duration/--once) stops every agent.
            """
    )

    @Option(help: "Number of agents.")
    var nodes: Int = 5

    @Option(help: "Gossip port of node1; the others follow, then the RPC ports.")
    var basePort: Int = Int(AgentDefaults.gossipPort)

    @Option(help: "Kafka port of node1; the others follow.")
    var kafkaBasePort: Int = Int(AgentDefaults.kafkaPort)

    @Option(
        help: ArgumentHelp(
            "Timing profile: \(GossipConfiguration.profileNames.joined(separator: ", ")).",
            valueName: "name"
        )
    )
    var profile: String = "local"

    @Flag(help: "Wait until every node sees every node alive (at most 15 s), print the view once and stop.")
    var once = false

    @Option(help: ArgumentHelp("Stop after this many seconds.", valueName: "seconds"))
    var duration: Double?

    func validate() throws {
        guard (1...64).contains(nodes) else { throw ValidationError("--nodes must be between 1 and 64") }
        guard basePort >= 1, basePort + 2 * nodes - 1 <= 65_535 else {
            throw ValidationError("--base-port: ports \(basePort)...\(basePort + 2 * nodes - 1) do not fit")
        }
        guard GossipConfiguration.profile(named: profile) != nil else {
            throw ValidationError("--profile: unknown profile '\(profile)'")
        }
        guard kafkaBasePort >= 1, kafkaBasePort + nodes - 1 <= 65_535 else {
            throw ValidationError("--kafka-base-port: ports \(kafkaBasePort)...\(kafkaBasePort + nodes - 1) do not fit")
        }
        if let duration, !(duration > 0) { throw ValidationError("--duration must be positive") }
    }

    func run() async throws {
        let directory = try LocalClusterLauncher.makeTemporaryDirectory(prefix: "peer-dev")
        let cluster = DevCluster(
            count: nodes,
            basePort: basePort,
            kafkaBasePort: kafkaBasePort,
            directory: directory,
            executable: try LocalClusterLauncher.currentExecutable()
        )
        try await cluster.launch(profile: profile)
        let tokenFile = try cluster.launcher.rpcToken()
        print("started \(nodes) agents; data and logs in \(directory.path)")
        print("RPC token for changes: export PEER_RPC_TOKEN=$(cat \(tokenFile.file.path))")

        let view = DevMembershipView(
            nodes: cluster.nodes,
            directory: directory,
            live: Terminal.stdoutIsTTY,
            token: tokenFile.token
        )
        let once = once
        let duration = duration
        let monitor = Task {
            if once {
                try await view.printWhenConverged(timeout: .seconds(15))
            } else {
                try await view.run(for: duration.map { .milliseconds(Int($0 * 1000)) })
            }
        }
        let signals = SignalTrap(signals: [SIGINT, SIGTERM]) { monitor.cancel() }
        let result = await monitor.result
        print("stopping \(nodes) agents...")
        // Still trapping: a second Ctrl-C must not abandon the children mid-stop.
        await cluster.stop()
        signals.cancel()
        print("stopped; logs kept in \(directory.path)")
        if case .failure(let error) = result, !(error is CancellationError) {
            throw error
        }
    }
}

/// Runs `handler` when one of `signals` arrives, instead of the default termination, until cancelled.
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]
    private let signals: [Int32]

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        self.signals = signals
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
    }

    /// Stops trapping and restores the default actions.
    func cancel() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
