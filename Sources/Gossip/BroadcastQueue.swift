/// Membership updates waiting to be piggybacked. Each is sent a bounded number of times (about λ·log(N+1)); the
/// least-sent go first, newest first among equals, and a newer update about a member replaces the older one.
///
/// Entries sit in buckets by how often they were sent, so taking a few for a datagram costs time in proportion to
/// what is taken, not to the queue's length (it holds one update per member while a large cluster joins).
struct BroadcastQueue: Sendable {
    private struct Entry: Sendable {
        var encoded: [UInt8]
        var transmits: Int
        /// Insertion order: among equally-sent updates the newest goes first.
        var order: UInt64
    }

    /// A bucket slot; stale once its entry was replaced, sent again or dropped (skipped, then compacted away).
    private struct Slot: Sendable {
        var subject: String
        var order: UInt64
    }

    private var entries: [String: Entry] = [:]
    /// `buckets[t]` holds the entries sent `t` times, oldest first.
    private var buckets: [[Slot]] = []
    private var nextOrder: UInt64 = 0

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    mutating func enqueue(_ message: GossipMessage) {
        guard let subject = message.updateSubject else { return }
        nextOrder += 1
        entries[subject] = Entry(encoded: WireFormat.encode(message), transmits: 0, order: nextOrder)
        append(Slot(subject: subject, order: nextOrder), toBucket: 0)
    }

    mutating func removeAll() {
        entries.removeAll()
        buckets.removeAll()
    }

    /// Takes updates that fit in `budget` bytes (at most `maxCount`), counting a transmission for each and dropping
    /// those that reached `transmitLimit`.
    mutating func take(budget: Int, maxCount: Int, transmitLimit: Int) -> [[UInt8]] {
        guard !entries.isEmpty, budget > 0, maxCount > 0 else { return [] }
        var remaining = budget
        var taken: [[UInt8]] = []
        var sent: [Slot] = []
        scan: for transmits in buckets.indices {
            var index = buckets[transmits].count - 1
            // Slots taken or found stale at the bucket's tail are popped at once, so the next scan does not wade
            // through them; the rest wait for compaction.
            var atTail = true
            while index >= 0 {
                let slot = buckets[transmits][index]
                index -= 1
                guard let entry = entries[slot.subject], entry.order == slot.order, entry.transmits == transmits else {
                    if atTail { buckets[transmits].removeLast() }
                    continue
                }
                guard entry.encoded.count <= remaining else {
                    atTail = false
                    continue
                }
                if atTail { buckets[transmits].removeLast() }
                remaining -= entry.encoded.count
                taken.append(entry.encoded)
                sent.append(slot)
                if taken.count == maxCount || remaining < WireFormat.messageHeaderSize + 8 { break scan }
            }
        }
        for slot in sent {
            guard var entry = entries[slot.subject] else { continue }
            entry.transmits += 1
            if entry.transmits >= transmitLimit {
                entries[slot.subject] = nil
            } else {
                entries[slot.subject] = entry
                append(slot, toBucket: entry.transmits)
            }
        }
        compactIfWasteful()
        return taken
    }

    private mutating func append(_ slot: Slot, toBucket transmits: Int) {
        while buckets.count <= transmits { buckets.append([]) }
        buckets[transmits].append(slot)
    }

    /// Drops stale slots once they outnumber live entries, keeping memory proportional to the queue.
    private mutating func compactIfWasteful() {
        let slots = buckets.reduce(0) { $0 + $1.count }
        guard slots > 2 * entries.count + 64 else { return }
        for transmits in buckets.indices {
            buckets[transmits].removeAll { slot in
                guard let entry = entries[slot.subject] else { return true }
                return entry.order != slot.order || entry.transmits != transmits
            }
        }
        while let last = buckets.last, last.isEmpty { buckets.removeLast() }
    }
}
