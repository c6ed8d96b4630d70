/// Where a follower stands with its leader.
public enum FollowerPhase: Hashable, Sendable {
    /// Created; `start` sends the first request.
    case idle
    /// Asked the leader where `epoch` ends, to find where the logs diverge.
    case findingDivergence(ReplicaRequestID, epoch: Int32, sentAt: Int64)
    /// Asked the shell to cut the log; then fetch, or ask again about `thenAsk`.
    case truncating(to: Int64, fully: Bool, thenAsk: Int32?)
    /// A fetch from `offset` is in flight.
    case fetching(ReplicaRequestID, offset: Int64, sentAt: Int64)
    /// Asked the leader for its log start and end, after OFFSET_OUT_OF_RANGE.
    case listingLeaderOffsets(ReplicaRequestID, sentAt: Int64)
    /// Waiting until `until`, then `then`.
    case backingOff(until: Int64, then: FollowerStep)
    /// The leader is in a newer epoch: nothing to do until the shell starts a core for the new state.
    case fenced
}

/// A request a follower sends again after a backoff.
public enum FollowerStep: Hashable, Sendable {
    case findDivergence(epoch: Int32)
    case fetch
    case listLeaderOffsets
}

/// The follower side of one partition's replication: the fetch loop with truncation by leader epoch (KIP-101,
/// KIP-279). A value: events come in with `now` (milliseconds), directives go out; one request is in flight at a time.
///
/// A new core per leader epoch: it first finds where its log leaves the leader's (OffsetForLeaderEpoch about its
/// latest epoch) and cuts there, then fetches from its log end. Its high watermark is the leader's, capped at its own
/// log end, and never goes back.
public struct FollowerReplication: Sendable {
    public let leader: String
    public let leaderEpoch: Int32
    public let config: ReplicationConfig
    public let generation: UInt64
    public private(set) var logEndOffset: Int64
    public private(set) var highWatermark: Int64
    public private(set) var phase: FollowerPhase = .idle
    private var sequence: UInt64 = 0

    /// `generation` must differ between the cores one shell creates for a partition (see `ReplicaRequestID`).
    public init(
        leader: String,
        leaderEpoch: Int32,
        logEndOffset: Int64,
        highWatermark: Int64,
        generation: UInt64 = 0,
        config: ReplicationConfig = .default
    ) {
        self.leader = leader
        self.leaderEpoch = leaderEpoch
        self.config = config
        self.generation = generation
        self.logEndOffset = max(0, logEndOffset)
        self.highWatermark = min(max(0, highWatermark), max(0, logEndOffset))
    }

    /// Whether `request` is the one in flight: the shell appends a fetch answer's records only then.
    public func expects(_ request: ReplicaRequestID) -> Bool {
        switch phase {
        case .findingDivergence(let id, _, _), .fetching(let id, _, _), .listingLeaderOffsets(let id, _):
            return id == request
        default:
            return false
        }
    }

    // MARK: Events

    /// Starts following. `latestLocalEpoch` is the newest epoch in the local log's epoch cache; with none (an empty
    /// log: every RecordBatch v2 carries its epoch) there is nothing to compare and the core fetches at once.
    public mutating func start(latestLocalEpoch: Int32?, now: Int64) -> [FollowerDirective] {
        guard phase == .idle else { return [] }
        guard let epoch = latestLocalEpoch else { return fetch(now: now) }
        return findDivergence(epoch: epoch, now: now)
    }

    /// The leader's OffsetForLeaderEpoch answer: its largest epoch <= the one asked and where it ends.
    public mutating func offsetForLeaderEpochAnswered(
        _ request: ReplicaRequestID,
        leaderEpoch answeredEpoch: Int32,
        endOffset: Int64,
        localEpochs: some LeaderEpochLookup,
        now: Int64
    ) -> [FollowerDirective] {
        guard case .findingDivergence(let id, let asked, _) = phase, id == request else { return [] }
        let decision = divergencePoint(
            requestedEpoch: asked,
            leaderEpoch: answeredEpoch,
            leaderEndOffset: endOffset,
            localEpochs: localEpochs,
            localLogEndOffset: logEndOffset
        )
        switch decision {
        case .retryLater:
            return backOff(then: .findDivergence(epoch: asked), now: now)
        case .truncate(let offset, let askAgain):
            if offset < logEndOffset {
                phase = .truncating(to: offset, fully: false, thenAsk: askAgain)
                return [.truncate(to: max(0, offset))]
            }
            if let epoch = askAgain { return findDivergence(epoch: epoch, now: now) }
            return fetch(now: now)
        }
    }

    /// The shell applied `.truncate` or `.truncateFully`; `logEndOffset` is the log's end now (a cut lands on a batch
    /// boundary, so it may be below the offset asked for).
    public mutating func truncated(logEndOffset newEnd: Int64, now: Int64) -> [FollowerDirective] {
        guard case .truncating(_, let fully, let askAgain) = phase else { return [] }
        logEndOffset = max(0, newEnd)
        var directives: [FollowerDirective] = []
        if fully || highWatermark > logEndOffset {
            // A full reset restarts the log at the leader's start, whose mark is at least there.
            highWatermark = logEndOffset
            directives.append(.highWatermark(highWatermark))
        }
        if let epoch = askAgain { return directives + findDivergence(epoch: epoch, now: now) }
        return directives + fetch(now: now)
    }

    /// A fetch answer arrived and the shell appended its records; `logEndOffset` is the log's end after the append
    /// and `leaderHighWatermark` the mark the leader sent. Sends the next fetch.
    public mutating func fetched(
        _ request: ReplicaRequestID,
        logEndOffset newEnd: Int64,
        leaderHighWatermark: Int64,
        now: Int64
    ) -> [FollowerDirective] {
        guard case .fetching(let id, _, _) = phase, id == request else { return [] }
        logEndOffset = max(logEndOffset, newEnd)
        var directives: [FollowerDirective] = []
        let mark = min(leaderHighWatermark, logEndOffset)
        if mark > highWatermark {
            highWatermark = mark
            directives.append(.highWatermark(mark))
        }
        return directives + fetch(now: now)
    }

    /// The shell could not append a fetch answer (the batches did not follow the log end): find the divergence
    /// point again after a backoff.
    public mutating func appendFailed(
        _ request: ReplicaRequestID,
        logEndOffset newEnd: Int64,
        latestLocalEpoch: Int32?,
        now: Int64
    ) -> [FollowerDirective] {
        guard case .fetching(let id, _, _) = phase, id == request else { return [] }
        logEndOffset = max(0, newEnd)
        guard let epoch = latestLocalEpoch else { return backOff(then: .fetch, now: now) }
        return backOff(then: .findDivergence(epoch: epoch), now: now)
    }

    /// The leader's log start and end, asked for after OFFSET_OUT_OF_RANGE. As Kafka does: a leader behind us (only
    /// after an unclean election) makes us cut to its end; a leader whose log starts after our end makes us restart
    /// our log at its start; otherwise the offset was valid after all and we fetch again.
    public mutating func leaderOffsetsListed(
        _ request: ReplicaRequestID,
        logStartOffset: Int64,
        logEndOffset leaderEnd: Int64,
        now: Int64
    ) -> [FollowerDirective] {
        guard case .listingLeaderOffsets(let id, _) = phase, id == request else { return [] }
        guard logStartOffset >= 0, leaderEnd >= logStartOffset else {
            return backOff(then: .listLeaderOffsets, now: now)
        }
        if leaderEnd < logEndOffset {
            phase = .truncating(to: leaderEnd, fully: false, thenAsk: nil)
            return [.truncate(to: leaderEnd)]
        }
        if logStartOffset > logEndOffset {
            phase = .truncating(to: logStartOffset, fully: true, thenAsk: nil)
            return [.truncateFully(startingAt: logStartOffset)]
        }
        return fetch(now: now)
    }

    /// A request failed (an error answer, a broken link).
    public mutating func requestFailed(
        _ request: ReplicaRequestID,
        error: ReplicaFetchError,
        now: Int64
    )
        -> [FollowerDirective]
    {
        guard expects(request), let step = currentStep else { return [] }
        switch error {
        case .fencedLeaderEpoch:
            phase = .fenced
            return []
        case .offsetOutOfRange where step == .fetch:
            return listLeaderOffsets(now: now)
        case .offsetOutOfRange, .unknownLeaderEpoch, .notLeaderOrFollower, .unavailable:
            return backOff(then: step, now: now)
        }
    }

    /// Time passed: a backoff may be over, a request may have gone unanswered too long.
    public mutating func tick(now: Int64) -> [FollowerDirective] {
        switch phase {
        case .backingOff(let until, let step):
            guard now >= until else { return [] }
            return perform(step, now: now)
        case .findingDivergence(_, _, let sentAt), .fetching(_, _, let sentAt), .listingLeaderOffsets(_, let sentAt):
            guard now - sentAt >= config.requestTimeoutMs, let step = currentStep else { return [] }
            return backOff(then: step, now: now)
        case .idle, .truncating, .fenced:
            return []
        }
    }

    // MARK: Steps

    private var currentStep: FollowerStep? {
        switch phase {
        case .findingDivergence(_, let epoch, _): return .findDivergence(epoch: epoch)
        case .fetching: return .fetch
        case .listingLeaderOffsets: return .listLeaderOffsets
        default: return nil
        }
    }

    private mutating func perform(_ step: FollowerStep, now: Int64) -> [FollowerDirective] {
        switch step {
        case .findDivergence(let epoch): return findDivergence(epoch: epoch, now: now)
        case .fetch: return fetch(now: now)
        case .listLeaderOffsets: return listLeaderOffsets(now: now)
        }
    }

    private mutating func nextRequest() -> ReplicaRequestID {
        sequence &+= 1
        return ReplicaRequestID(generation: generation, sequence: sequence)
    }

    private mutating func findDivergence(epoch: Int32, now: Int64) -> [FollowerDirective] {
        let id = nextRequest()
        phase = .findingDivergence(id, epoch: epoch, sentAt: now)
        return [.sendOffsetForLeaderEpoch(id, epoch: epoch, currentLeaderEpoch: leaderEpoch)]
    }

    private mutating func fetch(now: Int64) -> [FollowerDirective] {
        let id = nextRequest()
        phase = .fetching(id, offset: logEndOffset, sentAt: now)
        return [.fetch(id, offset: logEndOffset, leaderEpoch: leaderEpoch)]
    }

    private mutating func listLeaderOffsets(now: Int64) -> [FollowerDirective] {
        let id = nextRequest()
        phase = .listingLeaderOffsets(id, sentAt: now)
        return [.listLeaderOffsets(id, leaderEpoch: leaderEpoch)]
    }

    private mutating func backOff(then step: FollowerStep, now: Int64) -> [FollowerDirective] {
        let until = now &+ config.fetchBackoffMs
        phase = .backingOff(until: until, then: step)
        return [.backoff(until: until)]
    }
}
