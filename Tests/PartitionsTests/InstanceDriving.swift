import Gossip
import Primitives

@testable import Partitions

/// Drives a lone `PartitionsInstance` the way a shell would for what stays on the node: a `persist` is written at
/// once (reported persisted) and a proposal batch is flushed at once. Messages to other nodes are returned.
extension PartitionsInstance {
    mutating func settle(
        _ directives: [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) -> [PartitionsDirective] {
        var all: [PartitionsDirective] = []
        var pending = directives
        while !pending.isEmpty {
            let directive = pending.removeFirst()
            all.append(directive)
            switch directive {
            case .persist(_, let ticket):
                pending += voterRecordPersisted(ticket: ticket, now: now, members: members)
            case .schedule(.flushProposals, _):
                pending += timerFired(.flushProposals, now: now, members: members)
            default:
                break
            }
        }
        return all
    }

    /// Stands for `epoch` and lets this node's own vote (and, with one voter, the whole lease) settle.
    mutating func requestLeaseAndSettle(epoch: UInt64, now: Timestamp, members: some MembershipView) {
        var out: [PartitionsDirective] = []
        requestLease(epoch: epoch, &out, now: now, members: members)
        persistIfChanged(&out)
        _ = settle(out, now: now, members: members)
    }
}
