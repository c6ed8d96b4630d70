/// What a queued update is news about. The queue keeps one update per subject, the newest.
enum BroadcastSubject: Hashable, Sendable {
    /// This node (its alive, refutation or leave).
    case myself
    /// The member in this slot of the member table.
    case member(Int32)
    /// A cluster-state key.
    case state(String)
}

/// Updates waiting to be piggybacked. Each is sent a bounded number of times (about λ·log(N+1)); the least-sent go
/// first, membership news before cluster-state values sent as often, newest first among equals; a newer update
/// about a subject replaces the older one.
///
/// The queue holds subjects, not bytes: an update is encoded from the node's current table when it is sent, so a
/// queued update costs a few bytes. While a large cluster forms, every node queues news of nearly every member at
/// once, and the simulator holds all those queues in one process.
///
/// Entries sit in buckets by (sends, kind), so taking a few for a datagram costs time in proportion to what is
/// taken, not to the queue's length. Buckets refer to entries by a small integer handle.
struct BroadcastQueue: Sendable {
    private struct Entry: Sendable {
        /// A member slot (≥ 0), `Self.myselfKey`, or `-2 - i` for the state key `stateKeys[i]`.
        var key: Int32
        /// Insertion order (wrapping; only compared for equality). 0 marks a free handle.
        var order: UInt32
        var transmits: UInt8
        /// Cluster-state values go out twice as often as membership news: they come in bursts (a topic's
        /// partitions, a failover batch) where a fixed budget would leave a few of thousands of (value, node) pairs
        /// to anti-entropy, tens of seconds later. And membership news goes first: a death must not queue behind a
        /// failover batch.
        var isState: Bool

        var kind: Int { isState ? 1 : 0 }
        var bucket: Int { Int(transmits) * 2 + kind }
        var limitScale: Int { isState ? 2 : 1 }
    }

    /// A bucket slot; stale once its entry was replaced, sent again or dropped (skipped, then compacted away).
    private struct Slot: Sendable {
        var handle: Int32
        var order: UInt32
    }

    private static let myselfKey: Int32 = -1
    private static let maxMisfits = 8

    /// Entries by handle.
    private var storage: [Entry] = []
    private var freeHandles: [Int32] = []
    private var handles: [Int32: Int32] = [:]
    /// The accuser named by a queued suspicion or death, by key.
    private var accusers: [Int32: String] = [:]
    private var stateKeyIDs: [String: Int32] = [:]
    private var stateKeys: [String] = []
    /// `buckets[2t + kind]` holds the entries of that kind sent `t` times, oldest first.
    private var buckets: [[Slot]] = []
    private var nextOrder: UInt32 = 0

    var count: Int { handles.count }
    var isEmpty: Bool { handles.isEmpty }

    private mutating func key(of subject: BroadcastSubject) -> Int32 {
        switch subject {
        case .myself:
            return Self.myselfKey
        case .member(let slot):
            return slot
        case .state(let stateKey):
            if let id = stateKeyIDs[stateKey] { return -2 - id }
            let id = Int32(stateKeys.count)
            stateKeys.append(stateKey)
            stateKeyIDs[stateKey] = id
            return -2 - id
        }
    }

    private func subject(of key: Int32) -> BroadcastSubject {
        if key >= 0 { return .member(key) }
        if key == Self.myselfKey { return .myself }
        return .state(stateKeys[Int(-2 - key)])
    }

    /// Queues news about `subject`, replacing what was queued about it. `accuser` names who suspects or declared
    /// dead a member, when that is the news.
    mutating func enqueue(_ subject: BroadcastSubject, accuser: String? = nil) {
        let key = key(of: subject)
        nextOrder &+= 1
        if nextOrder == 0 { nextOrder = 1 }
        let isState: Bool
        if case .state = subject { isState = true } else { isState = false }
        let entry = Entry(key: key, order: nextOrder, transmits: 0, isState: isState)
        let handle: Int32
        if let existing = handles[key] {
            handle = existing
        } else if let free = freeHandles.popLast() {
            handle = free
        } else {
            handle = Int32(storage.count)
            storage.append(entry)
        }
        handles[key] = handle
        accusers[key] = accuser
        storage[Int(handle)] = entry
        append(Slot(handle: handle, order: entry.order), toBucket: entry.bucket)
    }

    /// Forgets what was queued about `subject` (a member slot about to be reused).
    mutating func drop(_ subject: BroadcastSubject) {
        let key = key(of: subject)
        guard let handle = handles.removeValue(forKey: key) else { return }
        release(handle)
    }

    private mutating func release(_ handle: Int32) {
        accusers[storage[Int(handle)].key] = nil
        storage[Int(handle)].order = 0
        freeHandles.append(handle)
    }

    /// Takes updates whose encodings fit in `budget` bytes (at most `maxCount`), counting a transmission for each
    /// and dropping those that reached `transmitLimit`. `encode` renders a subject's news as it stands now (nil:
    /// the subject is gone, and its entry is dropped). Updates in `alreadySent` (handles from earlier calls) are
    /// skipped and the taken ones added to it, so several datagrams to one peer never repeat an update.
    mutating func take(
        budget: Int,
        maxCount: Int,
        transmitLimit: Int,
        alreadySent: inout Set<Int32>,
        encode: (BroadcastSubject, _ accuser: String?) -> [UInt8]?
    ) -> [[UInt8]] {
        guard !handles.isEmpty, budget > 0, maxCount > 0 else { return [] }
        var remaining = budget
        var taken: [[UInt8]] = []
        var sent: [Int32] = []
        // Past a few updates in a row that do not fit, the datagram is as good as full: stop rather than encode
        // the rest of a long queue.
        var misfits = 0
        scan: for bucket in buckets.indices {
            var index = buckets[bucket].count - 1
            // Slots taken or found stale at the bucket's tail are popped at once, so the next scan does not wade
            // through them; the rest wait for compaction.
            var atTail = true
            while index >= 0 {
                let slot = buckets[bucket][index]
                index -= 1
                let entry = storage[Int(slot.handle)]
                guard entry.order == slot.order, entry.bucket == bucket else {
                    if atTail { buckets[bucket].removeLast() }
                    continue
                }
                guard !alreadySent.contains(slot.handle) else {
                    atTail = false
                    continue
                }
                guard let encoded = encode(subject(of: entry.key), accusers[entry.key]) else {
                    if atTail { buckets[bucket].removeLast() }
                    handles[entry.key] = nil
                    release(slot.handle)
                    continue
                }
                guard encoded.count <= remaining else {
                    atTail = false
                    misfits += 1
                    if misfits == Self.maxMisfits { break scan }
                    continue
                }
                if atTail { buckets[bucket].removeLast() }
                alreadySent.insert(slot.handle)
                remaining -= encoded.count
                taken.append(encoded)
                sent.append(slot.handle)
                if taken.count == maxCount || remaining < WireFormat.messageHeaderSize + 8 { break scan }
            }
            if buckets[bucket].isEmpty { buckets[bucket] = [] }
        }
        for handle in sent {
            var entry = storage[Int(handle)]
            entry.transmits += 1
            if Int(entry.transmits) >= transmitLimit * entry.limitScale || entry.transmits == .max {
                handles[entry.key] = nil
                release(handle)
            } else {
                storage[Int(handle)] = entry
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
            // A new array, not an in-place removal: a bucket that once held a whole cluster's news gives back its
            // capacity.
            buckets[bucket] = buckets[bucket].filter { slot in
                let entry = storage[Int(slot.handle)]
                return entry.order == slot.order && entry.bucket == bucket
            }
        }
        while let last = buckets.last, last.isEmpty { buckets.removeLast() }
        if handles.isEmpty {
            storage = []
            freeHandles = []
        }
    }
}
