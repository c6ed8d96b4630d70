/// A min-priority queue of timed events: a binary heap ordered by (time, insertion sequence), so events due at the
/// same instant come out in the order they were scheduled and every run replays identically.
///
/// Payloads live in a slab and the heap moves only small plain entries, so sifting never retains or releases a
/// payload and freed slots are reused without allocating.
public struct EventQueue<Payload> {
    @usableFromInline
    struct Entry {
        var time: Int64
        var sequence: UInt64
        var slot: Int32
    }

    @usableFromInline var heap: [Entry] = []
    @usableFromInline var slots: [Payload?] = []
    @usableFromInline var freeSlots: [Int32] = []
    @usableFromInline var nextSequence: UInt64 = 0

    public init() {}

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }
    /// How many events were ever scheduled.
    public var scheduledCount: UInt64 { nextSequence }

    /// When the next event is due, if any.
    public var nextTime: Int64? { heap.first?.time }

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

    @inline(__always)
    private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.time != b.time ? a.time < b.time : a.sequence < b.sequence
    }

    private mutating func siftUp(_ start: Int) {
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

    private mutating func siftDown(_ start: Int) {
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
