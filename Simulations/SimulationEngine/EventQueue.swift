/// A min-priority queue of timed events: a binary heap ordered by (time, insertion sequence), so events due at the
/// same instant come out in the order they were scheduled and every run replays identically.
///
/// Payloads live in a slab and the heap moves only small plain entries, so sifting never retains or releases a
/// payload and freed slots are reused without allocating.
///
/// Times are virtual nanoseconds (`Int64`); the queue does not care where zero is. The methods are `@inlinable` so a
/// release build specialises the queue for the simulator's event type across the module boundary.
public struct EventQueue<Payload> {
    @usableFromInline
    struct Entry {
        @usableFromInline var time: Int64
        @usableFromInline var sequence: UInt64
        @usableFromInline var slot: Int32

        @inlinable
        init(time: Int64, sequence: UInt64, slot: Int32) {
            self.time = time
            self.sequence = sequence
            self.slot = slot
        }
    }

    @usableFromInline var heap: [Entry] = []
    @usableFromInline var slots: [Payload?] = []
    @usableFromInline var freeSlots: [Int32] = []
    @usableFromInline var nextSequence: UInt64 = 0

    public init() {}

    @inlinable public var count: Int { heap.count }
    @inlinable public var isEmpty: Bool { heap.isEmpty }
    /// How many events were ever scheduled.
    @inlinable public var scheduledCount: UInt64 { nextSequence }

    /// When the next event is due, if any.
    @inlinable public var nextTime: Int64? { heap.first?.time }

    /// Schedules `payload` at virtual time `time` (after everything already scheduled for that instant).
    @inlinable
    public mutating func push(_ payload: Payload, at time: Int64) {
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[Int(reused)] = payload
        } else {
            slot = Int32(slots.count)
            slots.append(payload)
        }
        heap.append(Entry(time: time, sequence: nextSequence, slot: slot))
        nextSequence &+= 1
        siftUp(heap.count - 1)
    }

    /// Removes and returns the earliest event (ties: first scheduled).
    @inlinable
    public mutating func pop() -> (time: Int64, payload: Payload)? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        let payload = slots[Int(top.slot)].take()!
        freeSlots.append(top.slot)
        return (top.time, payload)
    }

    @inlinable @inline(__always)
    static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.time != b.time ? a.time < b.time : a.sequence < b.sequence
    }

    @inlinable
    mutating func siftUp(_ start: Int) {
        var child = start
        let entry = heap[child]
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(entry, heap[parent]) else { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = entry
    }

    @inlinable
    mutating func siftDown(_ start: Int) {
        var parent = start
        let count = heap.count
        let entry = heap[parent]
        while true {
            var child = 2 * parent + 1
            if child >= count { break }
            if child + 1 < count, Self.precedes(heap[child + 1], heap[child]) { child += 1 }
            guard Self.precedes(heap[child], entry) else { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = entry
    }
}
