import Gossip

/// The controller's partition-state changes on their way to a majority of voters.
///
/// Every change gets the next position of the controller's term. Each voter is sent the proposals after the
/// position it acknowledged, in pages whose ranges join without a gap, and acknowledges how far it has stored
/// everything. A position is committed once a majority acknowledged it; only then does the change take effect.
struct CommitPipeline: Sendable {
    struct Proposal: Hashable, Sendable {
        var state: PartitionState
        var position: UInt64
    }

    /// An AlterPartition answered once its change is committed.
    struct Waiter: Hashable, Sendable {
        var position: UInt64
        var request: UInt64
        var origin: String
    }

    /// The controller epoch the positions belong to.
    private(set) var epoch: UInt64
    private(set) var lastPosition: UInt64 = 0
    private(set) var committedPosition: UInt64 = 0
    /// The newest uncommitted change of each partition.
    private(set) var proposals: [PartitionID: Proposal] = [:]
    /// How far each voter acknowledged storing everything, and how far it has been sent.
    var acked: [String: UInt64] = [:]
    var sentThrough: [String: UInt64] = [:]
    var waiters: [Waiter] = []
    var flushScheduled = false

    init(epoch: UInt64) {
        self.epoch = epoch
    }

    var hasUnsent: Bool { lastPosition > committedPosition }

    /// Records a change; returns its position.
    mutating func propose(_ state: PartitionState) -> UInt64 {
        lastPosition += 1
        proposals[state.id] = Proposal(state: state, position: lastPosition)
        return lastPosition
    }

    /// The highest position a majority of `voters` acknowledged.
    func majorityPosition(voters: [String], majority: Int) -> UInt64 {
        let positions = voters.map { acked[$0] ?? 0 }.sorted(by: >)
        guard majority >= 1, majority <= positions.count else { return 0 }
        return positions[majority - 1]
    }

    /// Removes and returns the proposals at or below `position`, oldest first.
    mutating func takeCommitted(through position: UInt64) -> [PartitionState] {
        guard position > committedPosition else { return [] }
        committedPosition = position
        let committed = proposals.values.filter { $0.position <= position }.sorted { $0.position < $1.position }
        for proposal in committed { proposals[proposal.state.id] = nil }
        return committed.map(\.state)
    }

    /// Removes and returns the waiters whose change is committed.
    mutating func takeAnswered() -> [Waiter] {
        let answered = waiters.filter { $0.position <= committedPosition }
        waiters.removeAll { $0.position <= committedPosition }
        return answered
    }

    /// The store batches `voter` has not been sent yet, as `(from, through, states)` pages; marks them sent.
    mutating func batches(for voter: String) -> [(from: UInt64, through: UInt64, states: [PartitionState])] {
        let from = max(sentThrough[voter] ?? 0, acked[voter] ?? 0)
        guard lastPosition > from else { return [] }
        let pending = proposals.values.filter { $0.position > from }.sorted { $0.position < $1.position }
        var result: [(from: UInt64, through: UInt64, states: [PartitionState])] = []
        var start = from
        var index = 0
        for page in ControlMessage.pages(of: pending.map(\.state)) {
            index += page.count
            // The last page reaches `lastPosition`, so positions of proposals already committed are covered too.
            let through = index == pending.count ? lastPosition : pending[index - 1].position
            result.append((start, through, page))
            start = through
        }
        sentThrough[voter] = lastPosition
        return result
    }
}

/// A candidate's collection of the partition states that granting voters stored, page by page.
struct StateGather: Sendable {
    private(set) var epoch: UInt64
    /// Voters whose every page arrived.
    private(set) var complete: Set<String> = []
    /// Grants that arrived before their voter's pages: counted once the pages are complete.
    var grantsWaiting: [String: UInt64] = [:]
    /// The newest version of each partition among the pages received.
    private(set) var states: [PartitionID: PartitionState] = [:]
    private var pages: [String: (request: UInt64, count: UInt32, received: Set<UInt32>)] = [:]

    init(epoch: UInt64) {
        self.epoch = epoch
    }

    /// Takes one page; returns true when it completed its voter's pages.
    mutating func receive(
        from voter: String,
        request: UInt64,
        page: UInt32,
        pageCount: UInt32,
        states newStates: [PartitionState]
    ) -> Bool {
        guard !complete.contains(voter), page < pageCount else { return false }
        for state in newStates {
            if let known = states[state.id], known.version >= state.version { continue }
            states[state.id] = state
        }
        var progress = pages[voter] ?? (request, pageCount, [])
        if progress.request != request || progress.count != pageCount { progress = (request, pageCount, []) }
        progress.received.insert(page)
        pages[voter] = progress
        guard progress.received.count == Int(pageCount) else { return false }
        complete.insert(voter)
        pages[voter] = nil
        return true
    }
}
