/// A test harness that drives cores over a `VirtualScheduler`: it says how one event reaches its node, and gets the
/// run loops every harness needs. The harness routes directives into `scheduler` itself.
public protocol VirtualTimeHarness {
    associatedtype Event

    var scheduler: VirtualScheduler<Event> { get set }

    /// Hands one due event to its node; the scheduler's clock is already at the event's time.
    mutating func deliver(_ event: Event)

    /// The most events one `run(for:)` may deliver, so a core that re-arms a zero-delay timer forever fails the test
    /// instead of hanging it.
    static var eventLimit: Int { get }
}

extension VirtualTimeHarness {
    public static var eventLimit: Int { 5_000_000 }

    /// Delivers every event due within the next `duration` of virtual time, then leaves the clock at its end.
    public mutating func run(for duration: Duration) {
        let end = scheduler.now &+ duration.nanoseconds
        var delivered = 0
        while let event = scheduler.nextEvent(dueBy: end) {
            delivered += 1
            precondition(delivered < Self.eventLimit, "runaway simulation")
            deliver(event)
        }
        scheduler.advance(to: end)
    }

    /// Runs until `condition` holds, checking it every `interval` of virtual time; returns the virtual time it took,
    /// or nil when it still does not hold after `limit`.
    public mutating func run(
        upTo limit: Duration,
        checkingEvery interval: Duration,
        until condition: (Self) -> Bool
    ) -> Duration? {
        let start = scheduler.now
        let limitNanoseconds = limit.nanoseconds
        while scheduler.now - start < limitNanoseconds {
            if condition(self) { return .nanoseconds(scheduler.now - start) }
            run(for: interval)
        }
        return condition(self) ? .nanoseconds(scheduler.now - start) : nil
    }
}
