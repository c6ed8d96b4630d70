/// Timings and policies of the controller and partitions layer.
public struct PartitionsConfiguration: Hashable, Sendable {
    /// The fixed voter set (like KRaft's `controller.quorum.voters`): only these nodes grant leases and may become
    /// controller. Every node must be given the same set.
    public var voters: [String]
    /// How long a granted lease lasts on the voter's clock.
    public var leaseDuration: Duration
    /// The most two clocks may diverge over one lease: a voter waits this much longer than the lease before
    /// granting to someone else, and the controller stops acting this much before its lease ends. Safe while clock
    /// rates differ by at most driftBound / leaseDuration.
    public var driftBound: Duration
    /// How often a controller renews its lease, and how often a voter without a controller considers standing.
    public var renewInterval: Duration
    /// How often the controller announces itself to the whole cluster through gossip (besides at once on election);
    /// others trust an announcement for the lease it reported plus twice this long, as long as gossip shows the
    /// controller alive. Each announcement costs every node a short gossip burst, so it is kept infrequent.
    public var announceInterval: Duration
    /// Allow an out-of-sync replica to lead when no in-sync replica is alive (may lose committed data).
    public var uncleanLeaderElection: Bool
    /// How long a preferred replica must be back in sync before leadership moves back to it automatically;
    /// nil disables automatic preferred-leader election.
    public var preferredLeaderDelay: Duration?
    /// Most leader elections published in one controller pass (KRaft batches up to 1,000).
    public var maxElectionsPerPass: Int
    /// Whether a replica asks to rejoin the ISR as soon as it is alive and follows the current leader epoch: an
    /// ISR of membership alone, for nodes that hold no data. A broker that stores records sets this off, because
    /// until it has copied the leader's log it is not in sync, and a leader elected from an ISR it rejoined early
    /// would lose acknowledged records (Jepsen's Kafka 0.8 finding). Replication will say when it has caught up.
    public var rejoinsISRWithoutData: Bool = true
    /// Whether a partition-state change takes effect only once a majority of voters stored it durably, and a new
    /// controller gathers the stored states from a majority before acting (see docs/controller-lease.md). Off only
    /// to show in tests what the rule prevents: the controller then publishes at once, as before.
    public var commitsThroughVoters: Bool = true
    /// How long the controller collects proposals before sending them to the voters as one batch.
    public var commitLinger: Duration = .milliseconds(2)
    /// How long a newly started voter waits before granting any lease, since it forgot what it granted before.
    public var voterStartupQuiet: Duration {
        leaseDuration + driftBound
    }

    public init(
        voters: [String],
        leaseDuration: Duration = .seconds(2),
        driftBound: Duration = .milliseconds(200),
        renewInterval: Duration = .milliseconds(500),
        announceInterval: Duration? = nil,
        uncleanLeaderElection: Bool = false,
        preferredLeaderDelay: Duration? = .seconds(10),
        maxElectionsPerPass: Int = 1000
    ) {
        self.voters = Array(Set(voters)).sorted()
        self.leaseDuration = leaseDuration
        self.driftBound = driftBound
        self.renewInterval = renewInterval
        self.announceInterval = announceInterval ?? .seconds(10)
        self.uncleanLeaderElection = uncleanLeaderElection
        self.preferredLeaderDelay = preferredLeaderDelay
        self.maxElectionsPerPass = maxElectionsPerPass
    }

    /// Votes needed for a lease.
    public var majority: Int { voters.count / 2 + 1 }

    public func validationErrors() -> [String] {
        var errors: [String] = []
        if voters.isEmpty { errors.append("at least one controller voter is needed") }
        if leaseDuration <= .zero { errors.append("lease duration must be positive") }
        if driftBound < .zero || driftBound * 2 >= leaseDuration {
            errors.append("drift bound must be non-negative and under half the lease duration")
        }
        if renewInterval <= .zero || renewInterval * 2 > leaseDuration - driftBound * 2 {
            errors.append("renew interval must be positive and leave time for two renewals per lease")
        }
        if announceInterval < renewInterval { errors.append("announce interval must be at least the renew interval") }
        if maxElectionsPerPass < 1 { errors.append("max elections per pass must be at least 1") }
        return errors
    }
}
