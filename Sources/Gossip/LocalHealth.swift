/// Lifeguard's local health awareness: a node that misses acks and nacks, or must refute suspicions of itself, is
/// probably the slow one, so it probes less often and waits longer before accusing others.
public struct LocalHealth: Hashable, Sendable {
    /// 0 is healthy; at most `limit - 1`.
    public private(set) var score: Int = 0
    public let limit: Int

    public init(limit: Int) {
        self.limit = max(1, limit)
    }

    public mutating func apply(delta: Int) {
        score = min(max(score + delta, 0), limit - 1)
    }

    /// Stretches a probe interval or timeout by (score + 1).
    public func scale(_ duration: Duration) -> Duration {
        duration * (score + 1)
    }
}
