import Gossip
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
        case request(from: String, to: String, epoch: UInt64, request: UInt64)
        case reply(to: String, voter: String, epoch: UInt64, request: UInt64, granted: Bool)
        case stand(String)
    }

    /// Runs one random history; returns the overlapping acting intervals found.
    static func history(seed: UInt64, voterCount: Int, maxRateError: Double) -> [(String, String)] {
        let configuration = PartitionsConfiguration(voters: (1...voterCount).map { "v\($0)" })
        var rng = SeededRandom(seed: seed)
        var clocks: [String: Clock] = [:]
        var voters: [String: LeaseVoter] = [:]
        var holders: [String: LeaseHolder] = [:]
        for name in configuration.voters {
            let clock = Clock(
                rate: 1 + Double.random(in: -maxRateError...maxRateError, using: &rng),
                offset: Int64.random(in: 0...5_000_000_000, using: &rng)
            )
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
        for name in configuration.voters {
            for _ in 0..<40 { push(Int64.random(in: 0...60_000_000_000, using: &rng), .stand(name)) }
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
                        now + Int64.random(in: 0...400_000_000, using: &rng),
                        .request(from: name, to: voter, epoch: epoch, request: request)
                    )
                }
            case .request(let from, let to, let epoch, let request):
                let granted = voters[to]!.consider(
                    candidate: from,
                    epoch: epoch,
                    now: clocks[to]!.local(now),
                    configuration: configuration
                )
                highestSeen = max(highestSeen, voters[to]!.highestEpoch)
                if Int.random(in: 0..<10, using: &rng) > 0 {
                    push(
                        now + Int64.random(in: 0...400_000_000, using: &rng),
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
