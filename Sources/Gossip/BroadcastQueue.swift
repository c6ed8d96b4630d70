/// Membership updates waiting to be piggybacked. Each is sent a bounded number of times (about λ·log(N+1)); the
/// least-sent go first, and a newer update about a member replaces the older one.
struct BroadcastQueue: Sendable {
    private struct Entry: Sendable {
        var encoded: [UInt8]
        var transmits: Int
        /// Insertion order: among equally-sent updates the newest goes first.
        var order: UInt64
    }

    private var entries: [String: Entry] = [:]
    private var nextOrder: UInt64 = 0

    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }

    mutating func enqueue(_ message: GossipMessage) {
        guard let subject = message.updateSubject else { return }
        nextOrder += 1
        entries[subject] = Entry(encoded: WireFormat.encode(message), transmits: 0, order: nextOrder)
    }

    mutating func removeAll() {
        entries.removeAll()
    }

    /// Takes updates that fit in `budget` bytes (at most `maxCount`), counting a transmission for each and dropping
    /// those that reached `transmitLimit`.
    mutating func take(budget: Int, maxCount: Int, transmitLimit: Int) -> [[UInt8]] {
        guard !entries.isEmpty, budget > 0, maxCount > 0 else { return [] }
        let ordered = entries.sorted { lhs, rhs in
            if lhs.value.transmits != rhs.value.transmits { return lhs.value.transmits < rhs.value.transmits }
            return lhs.value.order > rhs.value.order
        }
        var remaining = budget
        var taken: [[UInt8]] = []
        for (subject, entry) in ordered {
            if taken.count == maxCount { break }
            guard entry.encoded.count <= remaining else { continue }
            remaining -= entry.encoded.count
            taken.append(entry.encoded)
            if entry.transmits + 1 >= transmitLimit {
                entries[subject] = nil
            } else {
                entries[subject]?.transmits += 1
            }
            if remaining < WireFormat.messageHeaderSize + 8 { break }
        }
        return taken
    }
}
