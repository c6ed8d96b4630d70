import ArgumentParser
import Gossip
import Partitions

/// `peer agent` flags for the controller quorum and leader election.
struct ControllerOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The controller voters, the same comma-separated list on every voter (like KRaft's quorum voters). A node listed here gets the controller role.",
            valueName: "names"
        )
    )
    var voters: String?

    @Option(help: ArgumentHelp("Controller lease duration.", valueName: "ms"))
    var leaseMs: Int?

    @Option(help: ArgumentHelp("Largest clock divergence over one lease that stays safe.", valueName: "ms"))
    var driftBoundMs: Int?

    @Flag(help: "Let an out-of-sync replica lead when no in-sync replica is alive (may lose data).")
    var uncleanLeaderElection = false

    @Option(
        help: ArgumentHelp(
            "Seconds a preferred replica must be in sync before leadership moves back to it; 0 turns it off.",
            valueName: "s"
        )
    )
    var preferredLeaderDelay: Int = 10

    func voterNames() throws -> [String] {
        guard let voters else { return [] }
        let names = voters.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !names.isEmpty else { throw ValidationError("--voters: expected a comma-separated list of node names") }
        return names
    }

    func configuration() throws -> PartitionsConfiguration {
        var configuration = PartitionsConfiguration(
            voters: try voterNames(),
            uncleanLeaderElection: uncleanLeaderElection,
            preferredLeaderDelay: preferredLeaderDelay > 0 ? .seconds(preferredLeaderDelay) : nil
        )
        if let leaseMs {
            guard leaseMs > 0 else { throw ValidationError("--lease-ms must be positive") }
            configuration.leaseDuration = .milliseconds(leaseMs)
            // Keep the defaults' proportions: renew four times and allow 10 % drift per lease.
            configuration.renewInterval = .milliseconds(max(1, leaseMs / 4))
            configuration.announceInterval = .milliseconds(max(leaseMs, 5 * leaseMs))
            configuration.driftBound = .milliseconds(leaseMs / 10)
        }
        if let driftBoundMs {
            guard driftBoundMs >= 0 else { throw ValidationError("--drift-bound-ms must not be negative") }
            configuration.driftBound = .milliseconds(driftBoundMs)
        }
        if preferredLeaderDelay < 0 { throw ValidationError("--preferred-leader-delay must not be negative") }
        return configuration
    }
}
