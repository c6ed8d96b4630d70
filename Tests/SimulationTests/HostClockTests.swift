import Primitives
import SimulationEngine
import Testing

@Suite("Host clock")
struct HostClockTests {
    @Test func withoutSkewOrDriftReadsVirtualTime() {
        var clock = HostClock()
        #expect(clock.local(atVirtual: 0) == 0)
        #expect(clock.local(atVirtual: 1_234_567_890) == 1_234_567_890)
        #expect(clock.virtualDelay(forLocal: 5_000) == 5_000)
        #expect(clock.virtualDelay(forLocal: -7) == 0)
    }

    @Test func offsetAndDriftFollowTheFormula() {
        var clock = HostClock(offset: 300_000_000, drift: 0.001)
        // local = virtual + offset + round(virtual · drift)
        #expect(clock.local(atVirtual: 10_000_000_000) == 10_000_000_000 + 300_000_000 + 10_000_000)
        #expect(clock.peek(atVirtual: 20_000_000_000) == 20_000_000_000 + 300_000_000 + 20_000_000)
    }

    @Test func aTimerFiresWhenTheHostClockHasReachedItsDeadline() {
        var rng = SeededRandom(seed: 7)
        for _ in 0..<2000 {
            let drift = (rng.unitDouble() * 2 - 1) * 0.2
            let clock = HostClock(offset: Int64(rng.below(2_000_000_000)) - 1_000_000_000, drift: drift)
            let virtual = Int64(rng.below(1_000_000_000_000))
            let delay = Int64(rng.below(100_000_000_000))
            let start = clock.unheld(atVirtual: virtual)
            let fires = virtual + clock.virtualDelay(forLocal: delay)
            #expect(clock.unheld(atVirtual: fires) >= start + delay, "drift \(drift), at \(virtual), delay \(delay)")
            // ... and not much later than needed.
            #expect(fires - virtual <= Int64(Double(delay) / (1 + drift)) + 2)
        }
    }

    @Test func aBackwardStepIsHeldUntilTheClockCatchesUp() {
        var clock = HostClock()
        #expect(clock.local(atVirtual: 10_000) == 10_000)
        clock.adjust(atVirtual: 10_000, step: -3_000, drift: 0)
        #expect(clock.peek(atVirtual: 11_000) == 10_000)
        #expect(clock.local(atVirtual: 11_000) == 10_000)
        #expect(clock.local(atVirtual: 14_000) == 11_000)
    }

    @Test func reRatingDoesNotMoveTheReading() {
        var clock = HostClock(offset: 0, drift: 0.01)
        let before = clock.local(atVirtual: 50_000_000_000)
        clock.adjust(atVirtual: 50_000_000_000, step: 0, drift: -0.02)
        #expect(clock.unheld(atVirtual: 50_000_000_000) == before)
        // From here on it runs at the new rate.
        #expect(clock.unheld(atVirtual: 51_000_000_000) == before + 1_000_000_000 - 20_000_000)
    }

    @Test func peekingDoesNotMoveTheFloor() {
        var clock = HostClock()
        _ = clock.local(atVirtual: 100)
        clock.adjust(atVirtual: 100, step: -50, drift: 0)
        #expect(clock.peek(atVirtual: 120) == 100)
        #expect(clock.lastReading == 100)
        #expect(clock.local(atVirtual: 200) == 150)
        #expect(clock.lastReading == 150)
    }
}
