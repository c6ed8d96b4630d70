import Gossip
import Primitives
import Testing

@testable import Partitions

/// Randomised adversarial checks of the lease rules alone: candidates stand whenever they like (ignoring what gossip
/// says), messages are delayed or lost, and every clock runs at its own rate within the drift bound. Whatever
/// happens, two nodes must never act as controller at the same real instant.
@Suite("Lease safety")
struct LeaseSafetyTests {
    struct Clock {
        var rate: Double
        var offset: Int64
        func local(_ real: Int64) -> Timestamp { Timestamp(nanoseconds: Int64(Double(real) * rate) + offset) }
        func real(_ local: Timestamp) -> Int64 { Int64(Double(local.nanoseconds - offset) / rate) }
    }

    enum Event {
        /// `aim`: when granted, schedule a rival for the moment the voter frees up (only for ordinary candidacies,
        /// so rivals do not breed rivals).
        case request(from: String, to: String, epoch: UInt64, request: UInt64, aim: Bool = false)
        case reply(to: String, voter: String, epoch: UInt64, request: UInt64, granted: Bool)
        case stand(String)
        /// A fresh candidacy whose messages all travel instantly, aimed at the moment a majority frees up; while one
        /// is not free yet (other candidacies took votes meanwhile) it waits for the next such moment.
        case challenge(String, retries: Int)
    }

    /// The earliest real instant in `(after, after + 10 s]` at which `voter` (left as it is now) would grant
    /// `rival` a new lease, found by bisection on a copy: whatever the free rule says, this is where it flips.
    static func earliestGrant(
        by voter: LeaseVoter,
        clock: Clock,
        to rival: String,
        after: Int64,
        configuration: PartitionsConfiguration
    ) -> Int64? {
        func grants(_ real: Int64) -> Bool {
            var copy = voter
            return copy.consider(
                candidate: rival,
                epoch: voter.highestEpoch + 1,
                now: clock.local(real),
                configuration: configuration
            )
        }
        var low = after
        var high = after + 10_000_000_000
        guard grants(high) else { return nil }
        if grants(low) { return low }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if grants(middle) { high = middle } else { low = middle }
        }
        return high
    }

    /// Runs one random history; returns the overlapping acting intervals found.
    ///
    /// With `aimAtBoundary`, the history is pushed to the worst case the safety argument allows: every clock runs at
    /// one extreme of `±maxRateError`, three messages in four arrive instantly, and after every grant a rival stands at the
    /// very instant a majority of voters would first grant it (each voter's instant found by `earliestGrant`).
    static func history(
        seed: UInt64,
        voterCount: Int,
        maxRateError: Double,
        aimAtBoundary: Bool = false
    ) -> [(String, String)] {
        let configuration = PartitionsConfiguration(voters: (1...voterCount).map { "v\($0)" })
        var rng = SeededRandom(seed: seed)
        var clocks: [String: Clock] = [:]
        var voters: [String: LeaseVoter] = [:]
        var holders: [String: LeaseHolder] = [:]
        for name in configuration.voters {
            let rate =
                aimAtBoundary
                ? 1 + (Bool.random(using: &rng) ? maxRateError : -maxRateError)
                : 1 + Double.random(in: -maxRateError...maxRateError, using: &rng)
            let clock = Clock(rate: rate, offset: Int64.random(in: 0...5_000_000_000, using: &rng))
            clocks[name] = clock
            voters[name] = LeaseVoter(startedAt: clock.local(0), configuration: configuration)
            holders[name] = LeaseHolder()
        }
        var queue: [(time: Int64, order: Int, event: Event)] = []
        var order = 0
        func push(_ time: Int64, _ event: Event) {
            order += 1
            queue.append((time, order, event))
        }
        func delay() -> Int64 {
            if aimAtBoundary && Int.random(in: 0..<4, using: &rng) > 0 { return 0 }
            return Int64.random(in: 0...400_000_000, using: &rng)
        }
        /// The first instant a majority of voters, as they stand now, would grant `rival` a new lease.
        func majorityFree(for rival: String, after now: Int64) -> Int64? {
            let frees = configuration.voters.compactMap { name in
                Self.earliestGrant(
                    by: voters[name]!,
                    clock: clocks[name]!,
                    to: rival,
                    after: now,
                    configuration: configuration
                )
            }.sorted()
            return frees.count >= configuration.majority ? frees[configuration.majority - 1] : nil
        }
        // Aimed histories stand less at random, so that fewer split votes get in the rivals' way.
        for name in configuration.voters {
            for _ in 0..<(aimAtBoundary ? 15 : 40) {
                push(Int64.random(in: 0...60_000_000_000, using: &rng), .stand(name))
            }
        }
        // Real-time acting intervals per (holder, epoch).
        var intervals: [(holder: String, epoch: UInt64, from: Int64, to: Int64)] = []
        var highestSeen: UInt64 = 0
        while !queue.isEmpty {
            let index = queue.indices.min { (queue[$0].time, queue[$0].order) < (queue[$1].time, queue[$1].order) }!
            let (now, _, event) = queue.remove(at: index)
            switch event {
            case .stand(let name):
                // Either renew the current epoch or try a fresh one, at random.
                let renew = Bool.random(using: &rng) && holders[name]!.epoch > 0
                let epoch = renew ? holders[name]!.epoch : highestSeen + UInt64.random(in: 0...1, using: &rng)
                let request = holders[name]!.beginRequest(epoch: epoch, now: clocks[name]!.local(now))
                for voter in configuration.voters where Int.random(in: 0..<10, using: &rng) > 0 {
                    push(
                        now + delay(),
                        .request(from: name, to: voter, epoch: epoch, request: request, aim: aimAtBoundary)
                    )
                }
            case .challenge(let name, let retries):
                if let free = majorityFree(for: name, after: now), free > now {
                    if retries > 0 { push(free, .challenge(name, retries: retries - 1)) }
                    continue
                }
                let epoch = highestSeen + 1
                let request = holders[name]!.beginRequest(epoch: epoch, now: clocks[name]!.local(now))
                for voter in configuration.voters {
                    push(now, .request(from: name, to: voter, epoch: epoch, request: request))
                }
            case .request(let from, let to, let epoch, let request, let aim):
                let granted = voters[to]!.consider(
                    candidate: from,
                    epoch: epoch,
                    now: clocks[to]!.local(now),
                    configuration: configuration
                )
                highestSeen = max(highestSeen, voters[to]!.highestEpoch)
                if granted && aim, let rival = configuration.voters.filter({ $0 != from }).randomElement(using: &rng),
                    let free = majorityFree(for: rival, after: now)
                {
                    push(free, .challenge(rival, retries: 3))
                }
                if Int.random(in: 0..<10, using: &rng) > 0 {
                    push(
                        now + delay(),
                        .reply(to: from, voter: to, epoch: epoch, request: request, granted: granted)
                    )
                }
            case .reply(let to, let voter, let epoch, let request, let granted):
                guard granted else { continue }
                if holders[to]!.recordGrant(from: voter, epoch: epoch, request: request, configuration: configuration),
                    let until = holders[to]!.actingUntil
                {
                    let end = clocks[to]!.real(until)
                    if end > now { intervals.append((to, epoch, now, end)) }
                }
            }
        }
        var overlaps: [(String, String)] = []
        for (i, a) in intervals.enumerated() {
            for b in intervals[(i + 1)...] where a.holder != b.holder && a.from < b.to && b.from < a.to {
                overlaps.append(
                    ("\(a.holder)@\(a.epoch) \(a.from)-\(a.to)", "\(b.holder)@\(b.epoch) \(b.from)-\(b.to)")
                )
            }
        }
        return overlaps
    }

    @Test(arguments: [3, 5])
    func noTwoHoldersOverlapWithinTheDriftBound(voters: Int) {
        // The default configuration tolerates rates differing by up to driftBound / lease = 10 %.
        for seed in 0..<150 {
            let overlaps = Self.history(seed: UInt64(seed), voterCount: voters, maxRateError: 0.045)
            #expect(overlaps.isEmpty, "seed \(seed): \(overlaps.prefix(2))")
            if !overlaps.isEmpty { return }
        }
    }

    /// The safety argument holds while every rate is within `1 ± D/L` (here ±10 %); 9.9 % leaves a 4 ms margin.
    @Test(arguments: [3, 5])
    func noTwoHoldersOverlapAtTheBoundary(voters: Int) {
        for seed in 0..<100 {
            let overlaps = Self.history(
                seed: UInt64(seed),
                voterCount: voters,
                maxRateError: 0.099,
                aimAtBoundary: true
            )
            #expect(overlaps.isEmpty, "seed \(seed): \(overlaps.prefix(2))")
            if !overlaps.isEmpty { return }
        }
    }

    /// The search is sharp: just past the bound it finds overlapping controllers, so it can find a broken rule.
    @Test func theBoundarySearchFindsOverlapsJustPastTheBound() {
        let failing = (0..<20).filter { seed in
            !Self.history(seed: UInt64(seed), voterCount: 3, maxRateError: 0.12, aimAtBoundary: true).isEmpty
        }
        #expect(failing.count >= 5, "only seeds \(failing) overlapped at ±12 %")
    }

    /// The worst case of the safety argument, built by hand: the holder's clock is slow, the voters' fast, every
    /// message arrives instantly, the holder renews a few times and then falls silent, and a rival stands at the
    /// very instant a voter that granted the holder frees up. The holder must have stopped acting by then.
    @Test(arguments: [0.0, 0.045, 0.09, 0.099])
    func aRivalStandingTheInstantAVoterFreesUpFindsTheHolderStopped(rateError: Double) throws {
        let configuration = PartitionsConfiguration(voters: ["v1", "v2", "v3"])
        let clocks = [
            "v1": Clock(rate: 1 - rateError, offset: 3_000_000_000),
            "v2": Clock(rate: 1 + rateError, offset: 1_000_000_000),
            "v3": Clock(rate: 1 + rateError, offset: 0),
        ]
        var voters = clocks.mapValues { LeaseVoter(startedAt: $0.local(0), configuration: configuration) }
        var holder = LeaseHolder()
        var rival = LeaseHolder()
        // v1 stands (after every voter's start-up quiet) and renews three times; v1 and v2 grant at once.
        var sent: Int64 = 5_000_000_000
        for _ in 0..<4 {
            let request = holder.beginRequest(epoch: 1, now: clocks["v1"]!.local(sent))
            for name in ["v1", "v2"] {
                let granted = voters[name]!.consider(
                    candidate: "v1",
                    epoch: 1,
                    now: clocks[name]!.local(sent),
                    configuration: configuration
                )
                #expect(granted)
                _ = holder.recordGrant(from: name, epoch: 1, request: request, configuration: configuration)
            }
            #expect(holder.isActing(at: clocks["v1"]!.local(sent)))
            sent += configuration.renewInterval.nanoseconds
        }
        let free = try #require(
            Self.earliestGrant(
                by: voters["v2"]!,
                clock: clocks["v2"]!,
                to: "v3",
                after: sent,
                configuration: configuration
            )
        )
        // v3 stands at that instant: it grants itself, v2 grants it, and it acts at once.
        let request = rival.beginRequest(epoch: 2, now: clocks["v3"]!.local(free))
        for name in ["v3", "v2"] {
            let granted = voters[name]!.consider(
                candidate: "v3",
                epoch: 2,
                now: clocks[name]!.local(free),
                configuration: configuration
            )
            #expect(granted)
            _ = rival.recordGrant(from: name, epoch: 2, request: request, configuration: configuration)
        }
        #expect(rival.isActing(at: clocks["v3"]!.local(free)), "the rival should hold a lease")
        let holderEnd = clocks["v1"]!.real(try #require(holder.actingUntil))
        #expect(
            !holder.isActing(at: clocks["v1"]!.local(free)),
            "at ±\(rateError): v1 acts until \(holderEnd) ns, v3 from \(free) ns"
        )
    }

    @Test func epochsOfGrantsOnlyGrowAtEachVoter() {
        let configuration = PartitionsConfiguration(voters: ["a", "b", "c"])
        var voter = LeaseVoter(startedAt: .zero, configuration: configuration)
        let later = Timestamp.zero + .seconds(10)
        do {
            let granted = voter.consider(candidate: "a", epoch: 3, now: later, configuration: configuration)
            #expect(granted)
        }
        // Busy: a different candidate is refused until the grant plus the drift bound has passed.
        do {
            let granted = voter.consider(
                candidate: "b",
                epoch: 4,
                now: later + .seconds(2),
                configuration: configuration
            )
            #expect(!granted)
        }
        do {
            let granted = voter.consider(
                candidate: "b",
                epoch: 4,
                now: later + .milliseconds(2_201),
                configuration: configuration
            )
            #expect(granted)
        }
        // Never an epoch at or below one granted before, even when free.
        do {
            let granted = voter.consider(
                candidate: "c",
                epoch: 4,
                now: later + .seconds(10),
                configuration: configuration
            )
            #expect(!granted)
        }
        do {
            let granted = voter.consider(
                candidate: "c",
                epoch: 2,
                now: later + .seconds(20),
                configuration: configuration
            )
            #expect(!granted)
        }
    }

    @Test func aRestartedVoterStaysQuietForOneLease() {
        let configuration = PartitionsConfiguration(voters: ["a", "b", "c"])
        var voter = LeaseVoter(startedAt: .zero, configuration: configuration)
        do {
            let granted = voter.consider(
                candidate: "a",
                epoch: 1,
                now: .zero + .seconds(2),
                configuration: configuration
            )
            #expect(!granted)
        }
        do {
            let granted = voter.consider(
                candidate: "a",
                epoch: 1,
                now: .zero + .milliseconds(2_200),
                configuration: configuration
            )
            #expect(granted)
        }
    }
}
