import Primitives
import SimulationEngine

/// The virtual clock and event queue the cores' test harnesses run on. It is the simulator's own `EventQueue`, so
/// events due at the same instant come out in the order they were scheduled, exactly as in `peer-sim`, and a test
/// replays identically every time.
public struct VirtualScheduler<Event> {
    /// Virtual time in nanoseconds since the harness started.
    public private(set) var now: Int64 = 0
    private var queue = EventQueue<Event>()

    public init() {}

    /// `now` as the cores see time (for nodes whose clock runs at the virtual rate).
    public var timestamp: Timestamp { Timestamp(nanoseconds: now) }

    /// Events scheduled and not yet delivered.
    public var pendingCount: Int { queue.count }

    /// Schedules `event` `delay` virtual nanoseconds from now (negative delays count as 0).
    public mutating func schedule(_ event: Event, afterNanoseconds delay: Int64) {
        queue.push(event, at: now &+ max(0, delay))
    }

    public mutating func schedule(_ event: Event, after delay: Duration) {
        schedule(event, afterNanoseconds: delay.nanoseconds)
    }

    /// Takes the earliest event due at or before `end` and moves the clock to its time; nil, leaving the clock where
    /// it is, when nothing is due by then.
    public mutating func nextEvent(dueBy end: Int64) -> Event? {
        guard let due = queue.nextTime, due <= end, let (time, event) = queue.pop() else { return nil }
        now = time
        return event
    }

    /// Moves the clock forward to `time` (never back), e.g. to the end of a run with nothing left to deliver.
    public mutating func advance(to time: Int64) {
        now = max(now, time)
    }
}
