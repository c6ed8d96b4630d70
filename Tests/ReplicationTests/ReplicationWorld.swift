import Log
import Primitives

@testable import Replication

extension SeededRandom {
    /// A draw in `0..<bound`, replayable from the world's seed.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// A record: the epoch it was written in and a unique id.
struct SimRecord: Equatable {
    var epoch: Int32
    var id: Int
}

struct SimNode {
    var log: [SimRecord] = []
    var epochs = LeaderEpochCache()
    var highWatermark: Int64 = 0
    var manager: ReplicaManager<Int>

    var logEndOffset: Int64 { Int64(log.count) }
}

enum SimMessage {
    case offsetForLeaderEpoch(from: String, to: String, ReplicaRequestID, epoch: Int32, current: Int32)
    case fetch(from: String, to: String, ReplicaRequestID, offset: Int64, epoch: Int32)
    case listOffsets(from: String, to: String, ReplicaRequestID, epoch: Int32)
    case epochAnswer(to: String, ReplicaRequestID, epoch: Int32, endOffset: Int64)
    case fetchAnswer(to: String, ReplicaRequestID, records: [SimRecord], highWatermark: Int64)
    case offsetsAnswer(to: String, ReplicaRequestID, start: Int64, end: Int64)
    case failure(to: String, ReplicaRequestID, ReplicaFetchError)
    case proposal(from: String, isr: [String], basis: UInt64, epoch: Int32)
    case proposalAnswer(to: String, basis: UInt64, committed: ReplicaPartitionState?, controllerEpoch: UInt64)

    var endpoints: [String] {
        switch self {
        case .offsetForLeaderEpoch(let a, let b, _, _, _), .fetch(let a, let b, _, _, _),
            .listOffsets(let a, let b, _, _):
            return [a, b]
        case .epochAnswer(let a, _, _, _), .fetchAnswer(let a, _, _, _), .offsetsAnswer(let a, _, _, _),
            .failure(let a, _, _), .proposal(let a, _, _, _), .proposalAnswer(let a, _, _, _):
            return [a]
        }
    }
}

struct ReplicationWorld {
    static let names = ["a", "b", "c"]
    static let config = ReplicationConfig(
        replicaLagTimeMaxMs: 4_000,
        isrProposalRetryMs: 1_000,
        fetchBackoffMs: 200,
        requestTimeoutMs: 2_000
    )

    var random: SeededRandom
    var now: Int64 = 0
    var steps = 0
    var controller: ReplicaPartitionState
    var nodes: [String: SimNode] = [:]
    var network: [SimMessage] = []
    var committed: [SimRecord] = []
    var nextRecordID = 0
    var failure: String?
    /// What happened, so the test can show the interleavings reached the cases that matter.
    var slow: Set<String> = []
    var truncations = 0
    var isrChanges = 0
    var proposals = 0

    init(seed: UInt64) {
        random = SeededRandom(seed: seed)
        controller = ReplicaPartitionState(
            leader: "a",
            leaderEpoch: 0,
            partitionEpoch: 0,
            replicas: Self.names,
            isr: Self.names
        )
        for name in Self.names {
            nodes[name] = SimNode(manager: ReplicaManager(localReplica: name, config: Self.config))
        }
        for name in Self.names { learnState(name) }
    }

    mutating func step() {
        steps += 1
        let name = Self.names[random.below(3)]
        switch random.below(80) {
        case 0..<14: produce()
        case 14..<50: deliver()
        case 50..<53: drop()
        case 53..<66: advanceTime()
        case 66: electLeader()
        case 67..<74: learnState(name)
        case 74..<78: toggleSlow(name)
        default: restart(name)
        }
        checkISR()
    }

    // MARK: Events

    mutating func produce() {
        for name in Self.names {
            guard nodes[name]!.manager.leaders[0] != nil, random.below(2) == 0 else { continue }
            let epoch = nodes[name]!.manager.leaders[0]!.leaderEpoch
            nodes[name]!.epochs.assign(epoch: epoch, startOffset: nodes[name]!.logEndOffset)
            for _ in 0..<(1 + random.below(3)) {
                nextRecordID += 1
                nodes[name]!.log.append(SimRecord(epoch: epoch, id: nextRecordID))
            }
            let end = nodes[name]!.logEndOffset
            let directives = nodes[name]!.manager.withLeader(0) { $0.leaderAppended(logEndOffset: end) } ?? []
            apply(directives.map { .leader(0, $0) }, at: name)
        }
    }

    mutating func advanceTime() {
        now += Int64(random.below(1_500))
        for name in Self.names { apply(nodes[name]!.manager.tick(now: now), at: name) }
    }

    /// A slow node's messages wait (its link stalls) until it is fast again: followers fall out of the ISR and
    /// come back.
    mutating func toggleSlow(_ name: String) {
        if slow.remove(name) == nil { slow.insert(name) }
    }

    mutating func drop() {
        guard !network.isEmpty else { return }
        network.remove(at: random.below(network.count))
    }

    /// A clean election: a random other ISR member leads in the next epoch; the ISR is kept.
    mutating func electLeader() {
        let candidates = controller.isr.filter { $0 != controller.leader }
        guard !candidates.isEmpty else { return }
        controller.leader = candidates[random.below(candidates.count)]
        controller.leaderEpoch += 1
        controller.partitionEpoch += 1
    }

    /// The node's process restarts: a fresh manager, its log and high watermark kept, its connections gone.
    mutating func restart(_ name: String) {
        network.removeAll { $0.endpoints.contains(name) }
        nodes[name]!.manager = ReplicaManager(localReplica: name, config: Self.config)
        learnState(name)
    }

    mutating func learnState(_ name: String) {
        let node = nodes[name]!
        let position = LocalLogPosition(
            logEndOffset: node.logEndOffset,
            highWatermark: node.highWatermark,
            latestEpoch: node.epochs.latestEpoch
        )
        let directives = nodes[name]!.manager.partitionStateChanged(0, state: controller, log: position, now: now)
        apply(directives, at: name)
    }

    mutating func deliver() {
        let deliverable = network.indices.filter { slow.isDisjoint(with: network[$0].endpoints) }
        guard !deliverable.isEmpty else { return }
        let message = network.remove(at: deliverable[random.below(deliverable.count)])
        switch message {
        case .offsetForLeaderEpoch(let from, let to, let id, let epoch, let current):
            guard let error = fencing(at: to, epoch: current) else {
                let node = nodes[to]!
                let answer = node.epochs.endOffset(for: epoch, logEndOffset: node.logEndOffset)
                return network.append(.epochAnswer(to: from, id, epoch: answer.epoch, endOffset: answer.endOffset))
            }
            network.append(.failure(to: from, id, error))
        case .fetch(let from, let to, let id, let offset, let epoch):
            if let error = fencing(at: to, epoch: epoch) { return network.append(.failure(to: from, id, error)) }
            guard
                let outcome = nodes[to]!.manager.withLeader(
                    0,
                    { $0.followerFetched(replica: from, fetchOffset: offset, now: now) }
                )
            else { return }
            apply(outcome.directives.map { .leader(0, $0) }, at: to)
            if outcome.rejection != nil { return network.append(.failure(to: from, id, .offsetOutOfRange)) }
            let log = nodes[to]!.log
            let end = min(log.count, Int(offset) + random.below(16))
            let records = Array(log[Int(offset)..<max(Int(offset), end)])
            network.append(.fetchAnswer(to: from, id, records: records, highWatermark: outcome.highWatermark))
        case .listOffsets(let from, let to, let id, let epoch):
            if let error = fencing(at: to, epoch: epoch) { return network.append(.failure(to: from, id, error)) }
            network.append(.offsetsAnswer(to: from, id, start: 0, end: nodes[to]!.logEndOffset))
        case .epochAnswer(let to, let id, let epoch, let endOffset):
            let epochs = nodes[to]!.epochs
            let directives = nodes[to]!.manager.withFollower(0) {
                $0.offsetForLeaderEpochAnswered(
                    id,
                    leaderEpoch: epoch,
                    endOffset: endOffset,
                    localEpochs: epochs,
                    now: now
                )
            }
            apply((directives ?? []).map { .follower(0, $0) }, at: to)
        case .fetchAnswer(let to, let id, let records, let highWatermark):
            guard nodes[to]!.manager.withFollower(0, { $0.expects(id) }) == true else { return }
            for record in records {
                nodes[to]!.epochs.assign(epoch: record.epoch, startOffset: nodes[to]!.logEndOffset)
                nodes[to]!.log.append(record)
            }
            let end = nodes[to]!.logEndOffset
            let directives = nodes[to]!.manager.withFollower(0) {
                $0.fetched(id, logEndOffset: end, leaderHighWatermark: highWatermark, now: now)
            }
            apply((directives ?? []).map { .follower(0, $0) }, at: to)
        case .offsetsAnswer(let to, let id, let start, let end):
            let directives = nodes[to]!.manager.withFollower(0) {
                $0.leaderOffsetsListed(id, logStartOffset: start, logEndOffset: end, now: now)
            }
            apply((directives ?? []).map { .follower(0, $0) }, at: to)
        case .failure(let to, let id, let error):
            let directives = nodes[to]!.manager.withFollower(0) { $0.requestFailed(id, error: error, now: now) }
            apply((directives ?? []).map { .follower(0, $0) }, at: to)
        case .proposal(let from, let isr, let basis, let epoch):
            let valid =
                epoch == controller.leaderEpoch && basis == controller.partitionEpoch && isr.contains(from)
                && controller.leader == from
            if valid {
                isrChanges += 1
                controller.isr = isr
                controller.partitionEpoch += 1
            }
            network.append(
                .proposalAnswer(
                    to: from,
                    basis: basis,
                    committed: valid ? controller : nil,
                    controllerEpoch: controller.partitionEpoch
                )
            )
        case .proposalAnswer(let to, let basis, let committed, let controllerEpoch):
            let directives = nodes[to]!.manager.withLeader(0) { core in
                guard let state = committed, state.leaderEpoch == core.leaderEpoch else {
                    return core.proposalRejected(
                        basedOnPartitionEpoch: basis,
                        controllerPartitionEpoch: controllerEpoch,
                        now: now
                    )
                }
                return core.proposalCommitted(isr: state.isr, partitionEpoch: state.partitionEpoch, now: now)
            }
            apply((directives ?? []).map { .leader(0, $0) }, at: to)
        }
    }

    /// The error a leader answers a request in `epoch` with, as the broker's fencing does; nil when it serves it.
    func fencing(at name: String, epoch: Int32) -> ReplicaFetchError? {
        guard let core = nodes[name]!.manager.leaders[0] else { return .notLeaderOrFollower }
        if epoch < core.leaderEpoch { return .fencedLeaderEpoch }
        if epoch > core.leaderEpoch { return .unknownLeaderEpoch }
        return nil
    }

    // MARK: The shell

    mutating func apply(_ directives: [ReplicaManagerDirective<Int>], at name: String) {
        var work = directives
        while !work.isEmpty {
            let directive = work.removeFirst()
            switch directive {
            case .becameLeader(_, let epoch, let start):
                nodes[name]!.epochs.assign(epoch: epoch, startOffset: start)
            case .becameFollower, .stopped:
                break
            case .leader(_, .highWatermarkAdvanced(let mark)):
                nodes[name]!.highWatermark = mark
                commit(upTo: mark, from: name)
            case .leader(_, .proposeISR(let isr, let basis, let epoch)):
                proposals += 1
                network.append(.proposal(from: name, isr: isr, basis: basis, epoch: epoch))
            case .follower(_, .highWatermark(let mark)):
                nodes[name]!.highWatermark = mark
                checkPrefix(of: name, upTo: Int(mark), what: "follower high watermark")
            case .follower(_, .truncate(let offset)):
                let cut = Int(max(0, offset))
                truncations += 1
                if cut < committed.count, controller.isr.contains(name) {
                    failure = "\(name) in ISR \(controller.isr) cut to \(cut) below committed \(committed.count)"
                }
                nodes[name]!.log.removeSubrange(min(cut, nodes[name]!.log.count)...)
                nodes[name]!.epochs.truncateFromEnd(endOffset: Int64(cut))
                nodes[name]!.highWatermark = min(nodes[name]!.highWatermark, nodes[name]!.logEndOffset)
                let end = nodes[name]!.logEndOffset
                let next = nodes[name]!.manager.withFollower(0) { $0.truncated(logEndOffset: end, now: now) } ?? []
                work += next.map { .follower(0, $0) }
            case .follower(_, .truncateFully(let start)):
                failure = "\(name) reset its log to \(start), but no log here starts after 0"
            case .follower(_, .backoff):
                break
            case .follower(_, .sendOffsetForLeaderEpoch(let id, let epoch, let current)):
                let leader = nodes[name]!.manager.followers[0]!.leader
                network.append(.offsetForLeaderEpoch(from: name, to: leader, id, epoch: epoch, current: current))
            case .follower(_, .fetch(let id, let offset, let epoch)):
                let leader = nodes[name]!.manager.followers[0]!.leader
                network.append(.fetch(from: name, to: leader, id, offset: offset, epoch: epoch))
            case .follower(_, .listLeaderOffsets(let id, let epoch)):
                let leader = nodes[name]!.manager.followers[0]!.leader
                network.append(.listOffsets(from: name, to: leader, id, epoch: epoch))
            }
        }
    }

    // MARK: Checks

    /// A leader announced `mark`: its records below it are committed, and must agree with what was committed before.
    mutating func commit(upTo mark: Int64, from name: String) {
        let log = nodes[name]!.log
        guard Int(mark) <= log.count else {
            failure = "\(name) announced mark \(mark) beyond its log end \(log.count)"
            return
        }
        checkPrefix(of: name, upTo: min(Int(mark), committed.count), what: "leader high watermark")
        if Int(mark) > committed.count { committed += log[committed.count..<Int(mark)] }
    }

    mutating func checkPrefix(of name: String, upTo end: Int, what: String) {
        let log = nodes[name]!.log
        let limit = min(end, committed.count, log.count)
        for offset in 0..<limit where log[offset] != committed[offset] {
            failure = "\(what): \(name) has \(log[offset]) at \(offset), committed \(committed[offset])"
            return
        }
    }

    /// Every member of the controller's ISR holds every committed record.
    mutating func checkISR() {
        guard failure == nil else { return }
        for name in controller.isr {
            let log = nodes[name]!.log
            guard log.count >= committed.count else {
                failure = "\(name) in ISR \(controller.isr) ends at \(log.count), below committed \(committed.count)"
                return
            }
            checkPrefix(of: name, upTo: committed.count, what: "ISR member")
        }
    }
}
