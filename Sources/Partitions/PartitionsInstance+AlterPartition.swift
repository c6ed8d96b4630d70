import Gossip
import Primitives

/// AlterPartition (after Kafka's): a partition leader asks the controller for a new ISR, and only the controller
/// changes partition state. The request is fenced by the leader epoch and partition epoch the leader acts under, and
/// answered once the new ISR is committed, or at once when refused.
extension PartitionsInstance {
    /// As a partition leader: asks the controller to set the ISR of `partition` (which must include this node). The
    /// answer comes as `.requestCompleted(id:error:)`: nil once the change is committed, else why it was refused.
    public mutating func alterPartition(
        _ partition: PartitionID,
        isr: [String],
        now: Timestamp,
        members: some MembershipView
    ) -> (id: UInt64, directives: [PartitionsDirective]) {
        nextRequestID += 1
        let id = nextRequestID
        var out: [PartitionsDirective] = []
        guard let state = partitionStates[partition] else {
            let failure = RequestFailure.rejected("unknown partition \(partition)", reason: .unknownPartition)
            out.append(.requestCompleted(id: id, error: failure))
            return (id, out)
        }
        guard let controller = controllerView(at: now, members: members).controller else {
            out.append(.requestCompleted(id: id, error: .noController))
            return (id, out)
        }
        let request = AlterPartitionRequest(
            partition: partition,
            leaderEpoch: state.leaderEpoch,
            partitionEpoch: state.partitionEpoch,
            isr: isr
        )
        pendingRequests.insert(id)
        out.append(.schedule(.requestTimeout(id: id), after: configuration.leaseDuration * 2))
        emit(.alterPartition(id: id, origin: name, request), to: controller, &out, now: now, members: members)
        persistIfChanged(&out)
        return (id, out)
    }

    /// As the controller: validates the request against the current view and proposes the new ISR.
    mutating func alterPartitionArrived(
        id: UInt64,
        origin: String,
        _ request: AlterPartitionRequest,
        _ out: inout [PartitionsDirective],
        now: Timestamp,
        members: some MembershipView
    ) {
        func answer(_ error: RequestFailure?) {
            emit(.response(id: id, error: error), to: origin, &out, now: now, members: members)
        }
        guard isActingController(at: now) else { return answer(.notController(name)) }
        if let failure = alterPartitionProblem(origin: origin, request, members: members) { return answer(failure) }
        guard var state = working(request.partition) else { return }
        let isr = state.replicas.filter(request.isr.contains)
        if isr == state.isr {
            // Nothing to change; answered once whatever is pending for the partition is committed.
            guard let pending = commit.proposals[request.partition] else { return answer(nil) }
            commit.waiters.append(.init(position: pending.position, request: id, origin: origin))
            return
        }
        state.isr = isr
        guard let position = publish(state, &out) else { return answer(nil) }
        commit.waiters.append(.init(position: position, request: id, origin: origin))
    }

    /// Why the controller refuses an AlterPartition, or nil.
    func alterPartitionProblem(
        origin: String,
        _ request: AlterPartitionRequest,
        members: some MembershipView
    ) -> RequestFailure? {
        guard let state = working(request.partition), belongsToKnownTopic(state) else {
            return .rejected("unknown partition \(request.partition)", reason: .unknownPartition)
        }
        guard state.leader == origin, state.leaderEpoch == request.leaderEpoch else {
            return .rejected(
                "\(origin) does not lead \(request.partition) at leader epoch \(request.leaderEpoch)",
                reason: .fencedLeaderEpoch
            )
        }
        guard state.partitionEpoch == request.partitionEpoch else {
            return .rejected(
                "partition epoch \(request.partitionEpoch) of \(request.partition) is not the current \(state.partitionEpoch)",
                reason: .invalidUpdateVersion
            )
        }
        if let stranger = request.isr.first(where: { !state.replicas.contains($0) }) {
            return .rejected("\(stranger) is not a replica of \(request.partition)", reason: .invalidRequest)
        }
        guard request.isr.contains(origin) else {
            return .rejected("the ISR of \(request.partition) must keep its leader \(origin)", reason: .invalidRequest)
        }
        let joining = request.isr.filter { !state.isr.contains($0) }
        if let ineligible = joining.first(where: { !isAlive($0, in: members) || shuttingDown.contains($0) }) {
            return .rejected(
                "\(ineligible) is not alive or is shutting down, so it cannot join the ISR",
                reason: .ineligibleReplica
            )
        }
        return nil
    }
}
