import Gossip
import Primitives

/// A candidate's or controller's side of the lease. It acts only until `requestSentAt + lease − drift bound` of the
/// newest request a majority granted: every granting voter received that request later and keeps the grant for
/// `lease + drift bound` on its own clock, so the holder stops before any of them could grant another.
struct LeaseHolder: Hashable, Sendable {
    private(set) var epoch: UInt64 = 0
    private(set) var actingUntil: Timestamp?
    private var request: UInt64 = 0
    private var requestSentAt: Timestamp = .zero
    private var grants: Set<String> = []

    func isActing(at now: Timestamp) -> Bool {
        guard let actingUntil else { return false }
        return now < actingUntil
    }

    /// Starts a request round for `epoch`; returns its request id.
    mutating func beginRequest(epoch newEpoch: UInt64, now: Timestamp) -> UInt64 {
        if newEpoch != epoch {
            epoch = newEpoch
            actingUntil = nil
        }
        request += 1
        requestSentAt = now
        grants = []
        return request
    }

    /// Records a grant; returns true when this grant completed a majority (a new or extended lease).
    mutating func recordGrant(
        from voter: String,
        epoch grantEpoch: UInt64,
        request grantRequest: UInt64,
        configuration: PartitionsConfiguration
    ) -> Bool {
        guard grantEpoch == epoch, grantRequest == request, configuration.voters.contains(voter) else { return false }
        let before = grants.count
        grants.insert(voter)
        guard grants.count == configuration.majority, before < configuration.majority else { return false }
        let until = requestSentAt + (configuration.leaseDuration - configuration.driftBound)
        actingUntil = max(actingUntil ?? until, until)
        return true
    }

    /// Stops acting at once (a newer epoch exists, or we are leaving).
    mutating func relinquish() {
        actingUntil = nil
    }
}
