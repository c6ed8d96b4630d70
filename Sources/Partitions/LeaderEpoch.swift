/// A partition's leader epoch: the controller term that started it, then a counter. Replicas follow only the newest.
///
/// Ordered by term first, as Raft orders log entries. A controller cut off from everyone acts until its lease runs
/// out, and what it publishes then may reach nobody; its successor rebuilds from older states. Because the first
/// change a controller makes to a partition in its term starts a new leader epoch under that term, the successor's
/// epochs always rank above anything the lost changes carried, and no node sees a leader epoch go back.
public struct LeaderEpoch: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The controller epoch under which this leader epoch started.
    public var term: UInt64
    /// Counts leader epochs of this partition, across terms.
    public var number: UInt64

    public init(term: UInt64, number: UInt64) {
        self.term = term
        self.number = number
    }

    public static let none = LeaderEpoch(term: 0, number: 0)

    public static func < (lhs: LeaderEpoch, rhs: LeaderEpoch) -> Bool {
        (lhs.term, lhs.number) < (rhs.term, rhs.number)
    }

    /// `term.number`, e.g. `4.3`.
    public var description: String { "\(term).\(number)" }
}
