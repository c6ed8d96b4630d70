import Gossip
import Primitives

/// A voter's side of the controller lease (in the spirit of PaxosLease): it grants one lease at a time, never to an
/// epoch at or below one it already granted, and does not grant anyone else until the current grant has run out on
/// its own clock plus the drift bound.
struct LeaseVoter: Hashable, Sendable {
    private(set) var grantedTo: String?
    private(set) var grantedEpoch: UInt64 = 0
    private(set) var grantExpiry: Timestamp = .zero
    /// The highest epoch this voter ever granted or learned of; new grants must exceed it.
    private(set) var highestEpoch: UInt64 = 0
    /// A freshly started voter forgot its grants, so it grants nothing until any lease it may have given has expired.
    let quietUntil: Timestamp

    init(startedAt: Timestamp, configuration: PartitionsConfiguration, restoring record: VoterRecord? = nil) {
        quietUntil = startedAt + configuration.voterStartupQuiet
        if let record {
            // The grant's expiry is not kept: the start-up quiet outlasts any lease granted before the restart.
            grantedTo = record.grantedTo
            grantedEpoch = record.grantedEpoch
            highestEpoch = record.highestEpoch
            highestEpochOwner = record.highestEpochOwner
        }
    }

    /// The grant and epoch floor as they must be kept durably.
    func save(into record: inout VoterRecord) {
        record.grantedTo = grantedTo
        record.grantedEpoch = grantedEpoch
        record.highestEpoch = highestEpoch
        record.highestEpochOwner = highestEpochOwner
    }

    /// Who holds `highestEpoch`, when an announcement told us: that holder may still be granted renewals here.
    private(set) var highestEpochOwner: String?

    /// Raises the epoch floor from what gossip shows (announcements, partition versions).
    mutating func observe(epoch: UInt64, owner: String?) {
        if epoch > highestEpoch {
            highestEpoch = epoch
            highestEpochOwner = owner
        } else if epoch == highestEpoch, let owner {
            highestEpochOwner = owner
        }
    }

    /// Whether this voter could grant `candidate` a new lease now: no point standing while our own vote is taken.
    func isFree(for candidate: String, now: Timestamp, configuration: PartitionsConfiguration) -> Bool {
        guard now >= quietUntil else { return false }
        return grantedTo == nil || grantedTo == candidate || now >= grantExpiry + configuration.driftBound
    }

    /// Decides a lease request; returns whether it was granted.
    mutating func consider(
        candidate: String,
        epoch: UInt64,
        now: Timestamp,
        configuration: PartitionsConfiguration
    ) -> Bool {
        guard now >= quietUntil else { return false }
        if grantedTo == candidate && epoch == grantedEpoch {
            // Renewal by the holder; nobody else was granted in between, so extending is safe even after expiry.
            grantExpiry = now + configuration.leaseDuration
            return true
        }
        let free = grantedTo == nil || now >= grantExpiry + configuration.driftBound
        // Only the announced owner of an epoch may be granted at that epoch again: one epoch, one controller.
        let epochAllowed = epoch > highestEpoch || (epoch == highestEpoch && candidate == highestEpochOwner)
        guard free, epochAllowed else { return false }
        grantedTo = candidate
        grantedEpoch = epoch
        highestEpoch = epoch
        highestEpochOwner = candidate
        grantExpiry = now + configuration.leaseDuration
        return true
    }
}
