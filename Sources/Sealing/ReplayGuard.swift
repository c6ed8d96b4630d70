/// Rejects stale and replayed messages. Pure and sans-IO: the caller passes the time, so a simulator
/// can drive it with virtual time.
///
/// Each sender stamps messages with a per-boot random `senderID` and an increasing sequence number.
/// Per sender we keep the highest sequence seen and a bitmap of the last `windowSize` sequences, so
/// reordering within that window is tolerated and each sequence is accepted at most once. Timestamps
/// outside `±windowMillis` of now are rejected as stale, which is what lets us forget quiet senders:
/// once a sender's state is dropped, all its old messages are already too old to pass the stale check.
public struct ReplayGuard: Sendable {
    /// How many sequence numbers behind the highest one are still accepted (out of order, once each).
    public static let windowSize = 1024
    private static let words = windowSize / 64

    private struct SenderState: Sendable {
        var highest: UInt64
        /// Bit `i` set means sequence `highest - i` was seen.
        var bitmap: [UInt64]
        var lastHeardMillis: Int64
        var highestTimestampMillis: Int64
    }

    /// Maximum allowed distance between a message timestamp and now.
    public let windowMillis: Int64
    /// Upper bound on tracked senders, so memory stays bounded.
    public let maxSenders: Int

    private var senders: [UInt64: SenderState] = [:]
    private var lastSweepMillis: Int64?

    /// - Parameters:
    ///   - windowMillis: tolerated clock skew plus delivery delay; also how long quiet senders are remembered.
    ///   - maxSenders: when exceeded, the least recently heard sender is forgotten.
    public init(windowMillis: Int64 = 60_000, maxSenders: Int = 4096) {
        self.windowMillis = max(0, windowMillis)
        self.maxSenders = max(1, maxSenders)
    }

    /// Number of senders currently tracked (for metrics and tests).
    public var trackedSenderCount: Int {
        senders.count
    }

    /// Accepts an authenticated message's replay fields exactly once, or throws `.stale` / `.replayed`.
    /// State changes only when the message is accepted.
    public mutating func check(
        senderID: UInt64,
        sequence: UInt64,
        timestampMillis: Int64,
        nowMillis: Int64
    ) throws(SealingError) {
        guard isFresh(timestampMillis, nowMillis: nowMillis) else { throw .stale }
        sweepIfDue(nowMillis: nowMillis)

        guard var state = senders[senderID], !isExpired(state, nowMillis: nowMillis) else {
            admitNewSender(senderID, sequence: sequence, timestampMillis: timestampMillis, nowMillis: nowMillis)
            return
        }

        if sequence > state.highest {
            Self.shift(&state.bitmap, by: sequence - state.highest)
            state.bitmap[0] |= 1
            state.highest = sequence
        } else {
            let distance = state.highest - sequence
            guard distance < UInt64(Self.windowSize) else { throw .replayed }
            let word = Int(distance / 64)
            let bit = UInt64(1) << (distance % 64)
            guard state.bitmap[word] & bit == 0 else { throw .replayed }
            state.bitmap[word] |= bit
        }
        state.lastHeardMillis = max(state.lastHeardMillis, nowMillis)
        state.highestTimestampMillis = max(state.highestTimestampMillis, timestampMillis)
        senders[senderID] = state
    }

    private func isFresh(_ timestampMillis: Int64, nowMillis: Int64) -> Bool {
        let (difference, overflow) = nowMillis.subtractingReportingOverflow(timestampMillis)
        return !overflow && difference <= windowMillis && difference >= -windowMillis
    }

    /// A sender may be forgotten once it has been quiet for a window AND every message it sent is stale
    /// (a sender whose clock runs ahead can stamp messages up to one window in the future).
    private func isExpired(_ state: SenderState, nowMillis: Int64) -> Bool {
        isOlderThanWindow(state.lastHeardMillis, nowMillis: nowMillis)
            && isOlderThanWindow(state.highestTimestampMillis, nowMillis: nowMillis)
    }

    private func isOlderThanWindow(_ millis: Int64, nowMillis: Int64) -> Bool {
        let (elapsed, overflow) = nowMillis.subtractingReportingOverflow(millis)
        // Overflow with now > millis means the gap is larger than any window.
        return nowMillis > millis && (overflow || elapsed > windowMillis)
    }

    private mutating func admitNewSender(
        _ senderID: UInt64,
        sequence: UInt64,
        timestampMillis: Int64,
        nowMillis: Int64
    ) {
        if senders[senderID] == nil, senders.count >= maxSenders {
            sweep(nowMillis: nowMillis)
            if senders.count >= maxSenders,
                let oldest = senders.min(by: { lhs, rhs in
                    (lhs.value.lastHeardMillis, lhs.key) < (rhs.value.lastHeardMillis, rhs.key)
                })
            {
                senders[oldest.key] = nil
            }
        }
        var bitmap = [UInt64](repeating: 0, count: Self.words)
        bitmap[0] = 1
        senders[senderID] = SenderState(
            highest: sequence,
            bitmap: bitmap,
            lastHeardMillis: nowMillis,
            highestTimestampMillis: timestampMillis
        )
    }

    /// Drops expired senders at most once per window so the cost is amortised.
    private mutating func sweepIfDue(nowMillis: Int64) {
        guard let last = lastSweepMillis else {
            lastSweepMillis = nowMillis
            return
        }
        let (elapsed, overflow) = nowMillis.subtractingReportingOverflow(last)
        if overflow || elapsed > windowMillis || elapsed < 0 {
            sweep(nowMillis: nowMillis)
        }
    }

    private mutating func sweep(nowMillis: Int64) {
        lastSweepMillis = nowMillis
        senders = senders.filter { !isExpired($0.value, nowMillis: nowMillis) }
    }

    /// Shifts the bitmap towards older sequences by `amount` bits (bit 0 is the newest).
    private static func shift(_ bitmap: inout [UInt64], by amount: UInt64) {
        guard amount < UInt64(windowSize) else {
            for index in bitmap.indices { bitmap[index] = 0 }
            return
        }
        let wordShift = Int(amount / 64)
        let bitShift = amount % 64
        for index in stride(from: words - 1, through: 0, by: -1) {
            let source = index - wordShift
            var value: UInt64 = 0
            if source >= 0 {
                value = bitmap[source] << bitShift
                if bitShift > 0, source - 1 >= 0 {
                    value |= bitmap[source - 1] >> (64 - bitShift)
                }
            }
            bitmap[index] = value
        }
    }
}
