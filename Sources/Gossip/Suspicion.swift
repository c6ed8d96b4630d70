import Foundation
import Primitives

/// Lifeguard's dynamic suspicion timeout for one suspect member: it starts long and shrinks as independent members
/// confirm the suspicion, so a real failure is declared fast while a lone, possibly slow, accuser waits long.
struct Suspicion: Hashable, Sendable {
    let incarnation: UInt64
    let startedAt: Timestamp
    /// Confirmations wanted to reach the minimum timeout.
    let wantedConfirmations: Int
    let minimum: Duration
    let maximum: Duration
    /// Everyone who accused, the first accuser included.
    private(set) var accusers: Set<String>

    init(
        incarnation: UInt64,
        accuser: String,
        startedAt: Timestamp,
        memberCount: Int,
        configuration: GossipConfiguration
    ) {
        self.incarnation = incarnation
        self.startedAt = startedAt
        self.accusers = [accuser]
        var wanted = configuration.suspicionConfirmations
        if memberCount - 2 < wanted { wanted = 0 }
        self.wantedConfirmations = max(0, wanted)
        self.minimum = configuration.minimumSuspicionTimeout(memberCount: memberCount)
        self.maximum = configuration.maximumSuspicionTimeout(memberCount: memberCount)
    }

    /// Records an accuser; true when it is a new, independent confirmation.
    mutating func confirm(by accuser: String) -> Bool {
        accusers.insert(accuser).inserted
    }

    var confirmations: Int { accusers.count - 1 }

    /// max − (max − min) · ln(c + 1) / ln(k + 1), never below the minimum.
    var timeout: Duration {
        guard wantedConfirmations > 0 else { return minimum }
        let fraction = log(Double(confirmations + 1)) / log(Double(wantedConfirmations + 1))
        let span = (maximum - minimum).scaled(by: min(1, fraction))
        return max(minimum, maximum - span)
    }

    var deadline: Timestamp { startedAt + timeout }
}
