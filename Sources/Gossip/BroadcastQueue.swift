/// Updates waiting to be piggybacked. Each is sent a bounded number of times (about λ·log(N+1)); the least-sent go
/// first, membership news before cluster-state values sent as often, newest first among equals; a newer update
/// about a member or key replaces the older one.
///
/// Entries sit in buckets by (sends, kind), so taking a few for a datagram costs time in proportion to what is
/// taken, not to the queue's length (it holds one update per member while a large cluster joins). Buckets refer to
/// entries by a small integer handle, so the hot path does no string hashing.
struct BroadcastQueue: Sendable {
    private struct Entry: Sendable {
        var subject: String
        var encoded: [UInt8]
        var transmits: Int
        /// Cluster-state values go out twice as often as membership news: they come in bursts (a topic's partitions,
        /// a failover batch) where a fixed budget would leave a few of thousands of (value, node) pairs to
        /// anti-entropy, tens of seconds later.
        var limitScale: Int
        /// 0 for membership news, 1 for cluster state: a death must not queue behind a failover batch.
        var kind: Int
        /// Insertion order, unique: among equally-sent updates the newest goes first.
        var order: UInt64

        var bucket: Int { transmits * 2 + kind }
    }

    /// A bucket slot; stale once its entry was replaced, sent again or dropped (skipped, then compacted away).
    private struct Slot: Sendable {
        var handle: Int
        var order: UInt64
    }

    /// Entries by handle; nil marks a free handle.
    private var storage: [Entry?] = []
    private var freeHandles: [Int] = []
    private var handles: [String: Int] = [:]
    /// `buckets[2t + kind]` holds the entries of that kind sent `t` times, oldest first.
    private var buckets: [[Slot]] = []
    private var nextOrder: UInt64 = 0

    var count: Int { handles.count }
    var isEmpty: Bool { handles.isEmpty }

    mutating func enqueue(_ message: GossipMessage) {
        guard let subject = message.updateSubject else { return }
        nextOrder += 1
        let isState: Bool
        if case .state = message { isState = true } else { isState = false }
        let entry = Entry(
            subject: subject,
            encoded: WireFormat.encode(message),
            transmits: 0,
            limitScale: isState ? 2 : 1,
            kind: isState ? 1 : 0,
            order: nextOrder
        )
        let handle: Int
        if let existing = handles[subject] {
            handle = existing
        } else if let free = freeHandles.popLast() {
            handle = free
        } else {
            handle = storage.count
            storage.append(nil)
        }
        handles[subject] = handle
        storage[handle] = entry
        append(Slot(handle: handle, order: entry.order), toBucket: entry.bucket)
    }

    mutating func removeAll() {
        storage.removeAll()
        freeHandles.removeAll()
        handles.removeAll()
        buckets.removeAll()
    }

    /// Takes updates that fit in `budget` bytes (at most `maxCount`), counting a transmission for each and dropping
    /// those that reached `transmitLimit`. Updates in `alreadySent` (handles from earlier calls) are skipped and
    /// the taken ones added to it, so several datagrams to one peer never repeat an update.
    mutating func take(
        budget: Int,
        maxCount: Int,
        transmitLimit: Int,
        alreadySent: inout Set<Int>
    ) -> [[UInt8]] {
        guard !handles.isEmpty, budget > 0, maxCount > 0 else { return [] }
        var remaining = budget
        var taken: [[UInt8]] = []
        var sent: [Int] = []
        scan: for bucket in buckets.indices {
            var index = buckets[bucket].count - 1
            // Slots taken or found stale at the bucket's tail are popped at once, so the next scan does not wade
            // through them; the rest wait for compaction.
            var atTail = true
            while index >= 0 {
                let slot = buckets[bucket][index]
                index -= 1
                guard let entry = storage[slot.handle], entry.order == slot.order, entry.bucket == bucket else {
                    if atTail { buckets[bucket].removeLast() }
                    continue
                }
                guard entry.encoded.count <= remaining, !alreadySent.contains(slot.handle) else {
                    atTail = false
                    continue
                }
                if atTail { buckets[bucket].removeLast() }
                alreadySent.insert(slot.handle)
                remaining -= entry.encoded.count
                taken.append(entry.encoded)
                sent.append(slot.handle)
                if taken.count == maxCount || remaining < WireFormat.messageHeaderSize + 8 { break scan }
            }
        }
        for handle in sent {
            guard var entry = storage[handle] else { continue }
            entry.transmits += 1
            if entry.transmits >= transmitLimit * entry.limitScale {
                storage[handle] = nil
                handles[entry.subject] = nil
                freeHandles.append(handle)
            } else {
                storage[handle] = entry
                append(Slot(handle: handle, order: entry.order), toBucket: entry.bucket)
            }
        }
        compactIfWasteful()
        return taken
    }

    private mutating func append(_ slot: Slot, toBucket bucket: Int) {
        while buckets.count <= bucket { buckets.append([]) }
        buckets[bucket].append(slot)
    }

    /// Drops stale slots once they outnumber live entries, keeping memory proportional to the queue.
    private mutating func compactIfWasteful() {
        let slots = buckets.reduce(0) { $0 + $1.count }
        guard slots > 2 * handles.count + 64 else { return }
        for bucket in buckets.indices {
            buckets[bucket].removeAll { slot in
                guard let entry = storage[slot.handle] else { return true }
                return entry.order != slot.order || entry.bucket != bucket
            }
        }
        while let last = buckets.last, last.isEmpty { buckets.removeLast() }
    }
}
