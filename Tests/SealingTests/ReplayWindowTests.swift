import Testing

@testable import Sealing

/// A message stays refused for as long as its timestamp is fresh, however long its sender has been quiet: the guard
/// may forget a sender only once everything it sent is stale.
@Suite struct ReplayWindowTests {
    static let start: Int64 = 1_700_000_000_000

    @Test(arguments: [1_000, 60_000] as [Int64])
    func aReplayIsRefusedAtEveryMomentOfTheWindow(windowMillis: Int64) throws {
        let steps: Int64 = 40
        for step in 1...steps {
            // A fresh guard per delay: the replay is the first thing the guard hears after the original.
            var guardian = ReplayGuard(windowMillis: windowMillis)
            try guardian.check(senderID: 7, sequence: 1, timestampMillis: Self.start, nowMillis: Self.start)
            let later = Self.start + windowMillis * step / steps
            #expect(throws: SealingError.replayed, "replayed \(later - Self.start) ms later") {
                try guardian.check(senderID: 7, sequence: 1, timestampMillis: Self.start, nowMillis: later)
            }
        }
        // One millisecond past the window the replay is stale, which is what makes forgetting the sender safe.
        var guardian = ReplayGuard(windowMillis: windowMillis)
        try guardian.check(senderID: 7, sequence: 1, timestampMillis: Self.start, nowMillis: Self.start)
        #expect(throws: SealingError.stale) {
            try guardian.check(
                senderID: 7,
                sequence: 1,
                timestampMillis: Self.start,
                nowMillis: Self.start + windowMillis + 1
            )
        }
    }

    @Test func otherSendersTrafficDoesNotSweepAQuietSenderEarly() throws {
        var guardian = ReplayGuard(windowMillis: 1_000)
        try guardian.check(senderID: 7, sequence: 1, timestampMillis: Self.start, nowMillis: Self.start)
        // Other senders keep the guard busy (and its periodic sweep running) while sender 7 is quiet.
        var sequence: UInt64 = 0
        for millis in stride(from: Int64(50), through: 950, by: 50) {
            sequence += 1
            let now = Self.start + millis
            try guardian.check(senderID: 8, sequence: sequence, timestampMillis: now, nowMillis: now)
            try guardian.check(senderID: 9 + UInt64(millis), sequence: 0, timestampMillis: now, nowMillis: now)
            #expect(throws: SealingError.replayed, "replayed \(millis) ms later") {
                try guardian.check(senderID: 7, sequence: 1, timestampMillis: Self.start, nowMillis: now)
            }
        }
    }
}
