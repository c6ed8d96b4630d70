/// Timing rules of replication, all in milliseconds (the cores take time as plain Int64 milliseconds, so this target
/// needs no clock type and no dependency).
public struct ReplicationConfig: Hashable, Sendable {
    /// How long an in-sync follower may go without catching up before its leader asks to drop it from the ISR
    /// (Kafka's `replica.lag.time.max.ms`). Default 10 s rather than Kafka's 30 s: a dead broker leaves the ISR through
    /// gossip and the controller within seconds, so this timer only catches a live follower that stalls (a slow disk, a
    /// stuck link), and every acks=all write waits for that follower until it is dropped. Kafka raised its default from
    /// 10 s to 30 s (KIP-537) because JVM pauses and cross-zone latency made ISRs flap; we have neither, and 10 s is
    /// still twenty fetch waits (500 ms) long.
    public var replicaLagTimeMaxMs: Int64
    /// How long an ISR proposal may go unanswered before the leader sends it again, and how long it waits after a
    /// rejection before proposing anything else.
    public var isrProposalRetryMs: Int64
    /// How long a follower waits after a failed request before it tries again (Kafka's `replica.fetch.backoff.ms`).
    public var fetchBackoffMs: Int64
    /// How long a follower waits for an answer before it treats the request as lost (Kafka's
    /// `replica.socket.timeout.ms`, 30 s, is far above the leader's fetch wait of 500 ms).
    public var requestTimeoutMs: Int64

    public init(
        replicaLagTimeMaxMs: Int64 = 10_000,
        isrProposalRetryMs: Int64 = 2_000,
        fetchBackoffMs: Int64 = 1_000,
        requestTimeoutMs: Int64 = 30_000
    ) {
        self.replicaLagTimeMaxMs = replicaLagTimeMaxMs
        self.isrProposalRetryMs = isrProposalRetryMs
        self.fetchBackoffMs = fetchBackoffMs
        self.requestTimeoutMs = requestTimeoutMs
    }

    public static let `default` = ReplicationConfig()
}
