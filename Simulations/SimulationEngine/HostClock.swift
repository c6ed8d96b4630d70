import Primitives

/// A simulated host's own clock: what the node reads when it asks the time, as opposed to the engine's virtual time.
///
/// `local = virtual + offset + round(virtual · drift)`, held monotonic: a reading never goes below the highest one
/// handed out, so a backward step holds the clock still until it catches up, like a monotonic
/// clock under NTP slewing. This is the one place the simulator turns virtual time into a node's time and back;
/// the rounding below decides every timer's virtual deadline and so the trace hash of a run.
///
/// All times are nanoseconds: virtual ones since the start of the run, local ones on the node's clock.
public struct HostClock: Sendable, Equatable {
    /// Added to virtual time: the initial skew, plus every step and the continuity term of every re-rating since.
    public private(set) var offset: Int64
    /// The rate error: the clock advances `1 + drift` local nanoseconds per virtual nanosecond.
    public private(set) var drift: Double
    /// The highest reading handed out so far (`Int64.min` before the first).
    public private(set) var lastReading: Int64 = .min

    /// A clock `offset` ns ahead of virtual time (negative: behind) that runs `1 + drift` times as fast.
    public init(offset: Int64 = 0, drift: Double = 0) {
        self.offset = offset
        self.drift = drift
    }

    /// A clock whose skew and drift are drawn uniformly within ±`maxSkewMs` milliseconds and ±`maxDriftPPM` parts
    /// per million, skew first, from `rng` (always two draws, so later draws do not depend on the bounds).
    public static func drawn(maxSkewMs: Double, maxDriftPPM: Double, using rng: inout SeededRandom) -> HostClock {
        let offset = VirtualTime.nanoseconds((rng.unitDouble() * 2 - 1) * maxSkewMs / 1000)
        let drift = (rng.unitDouble() * 2 - 1) * maxDriftPPM / 1e6
        return HostClock(offset: offset, drift: drift)
    }

    /// The clock's reading at virtual time `virtual` before the monotonic hold.
    @inlinable
    public func unheld(atVirtual virtual: Int64) -> Int64 {
        var local = virtual &+ offset
        if drift != 0 { local &+= Int64((Double(virtual) * drift).rounded()) }
        return local
    }

    /// Reads the clock at virtual time `virtual`: never less than an earlier reading. Call this when the node itself
    /// reads its clock (handling an event, sealing, opening).
    public mutating func local(atVirtual virtual: Int64) -> Int64 {
        let local = unheld(atVirtual: virtual)
        if local < lastReading { return lastReading }
        lastReading = local
        return local
    }

    /// What the node would read at `virtual`, without moving its monotonic hold: for observers (checkers, figures)
    /// that must not change what the node reads next.
    @inlinable
    public func peek(atVirtual virtual: Int64) -> Int64 {
        max(unheld(atVirtual: virtual), lastReading)
    }

    /// The virtual time until a timer the node sets `localDelay` ns ahead on its own clock fires (negative delays
    /// count as 0). Under drift it is rounded up plus 1 ns, so the node's clock has surely reached the deadline when
    /// the timer fires: rounding down can leave it a nanosecond short, and a core may then re-arm a 0-delay timer
    /// forever.
    @inlinable
    public func virtualDelay(forLocal localDelay: Int64) -> Int64 {
        let ns = max(0, localDelay)
        return drift == 0 ? ns : Int64((Double(ns) / (1 + drift)).rounded(.up)) + 1
    }

    /// At virtual time `virtual`, changes the rate to `newDrift` and steps the clock by `step` ns. The rate change
    /// alone does not move the reading (the offset absorbs the difference); the step does, and after a backward step
    /// the readings hold still until the clock catches up.
    public mutating func adjust(atVirtual virtual: Int64, step: Int64, drift newDrift: Double) {
        let continuity = Int64((Double(virtual) * (drift - newDrift)).rounded())
        offset = offset &+ continuity &+ step
        drift = newDrift
    }
}
