import Primitives

/// Every other member a node knows, in any status: SWIM's membership table, in compact rows addressed by slot.
///
/// Each node holds a row per member, so a cluster of N holds N² rows in all; in the simulator they share one
/// process, and at 10,000 nodes the rows are most of its memory. A row therefore keeps only plain fields: the
/// metadata is an index into a pool of distinct values, since members mostly carry the same few role sets. Rows
/// sit in an array, so the order of slots (assigned in the order members were learned, and reused after reaping)
/// rather than hash order drives random picks, and a seeded run replays exactly.
struct MemberTable: Sendable {
    private struct Row: Sendable {
        var name: String
        var host: String
        var incarnation: UInt64
        var statusChangedAt: Int64
        var port: UInt16
        /// A `MemberStatus` raw value, or `Row.free` for a slot waiting to be reused.
        var status: UInt8
        var metadataID: UInt32

        static let free: UInt8 = .max
    }

    private var rows: [Row] = []
    /// An open-addressing (linear probing) index from name to slot: 4 bytes a bucket where a `[String: Int32]`
    /// takes 20. `Self.empty` marks an empty bucket; there are at least twice as many buckets as members.
    private var index: [Int32] = []
    private var freeSlots: [Int32] = []
    private var metadataPool: [NodeMetadata] = []
    /// Each pool value as the wire encodes it: an alive message is rendered every time it is sent.
    private var metadataBytes: [[UInt8]] = []
    private var metadataIDs: [NodeMetadata: UInt32] = [:]
    /// Members held, in any status.
    private(set) var count = 0
    /// Alive and suspect members.
    private(set) var activeCount = 0

    /// One past the highest slot in use: slots are `0..<slotLimit`, some of them free.
    var slotLimit: Int { rows.count }

    func slot(of name: String) -> Int32? {
        guard !index.isEmpty else { return nil }
        let mask = index.count - 1
        var bucket = name.hashValue & mask
        while index[bucket] != Self.empty {
            let slot = index[bucket]
            if rows[Int(slot)].name == name { return slot }
            bucket = (bucket + 1) & mask
        }
        return nil
    }

    private static let empty: Int32 = -1

    /// Makes room for `additional` more members at once (a push-pull's worth), so the rows are not regrown by
    /// doubling, which leaves up to half of them unused.
    mutating func reserve(additional: Int) {
        let needed = count + additional
        let appended = max(0, additional - freeSlots.count)
        if rows.count + appended > rows.capacity { rows.reserveCapacity(rows.count + appended) }
        if needed * 2 > index.count { rebuildIndex(minimumMembers: needed) }
    }

    private mutating func rebuildIndex(minimumMembers: Int) {
        var buckets = 8
        while buckets < 2 * minimumMembers { buckets *= 2 }
        index = [Int32](repeating: Self.empty, count: buckets)
        for slot in rows.indices where rows[slot].status != Row.free {
            insertIntoIndex(Int32(slot))
        }
    }

    private mutating func insertIntoIndex(_ slot: Int32) {
        let mask = index.count - 1
        var bucket = rows[Int(slot)].name.hashValue & mask
        while index[bucket] != Self.empty { bucket = (bucket + 1) & mask }
        index[bucket] = slot
    }

    /// Removes `slot` from the index, shifting later entries of its probe run back so lookups still find them.
    private mutating func removeFromIndex(_ slot: Int32) {
        let mask = index.count - 1
        var hole = rows[Int(slot)].name.hashValue & mask
        while index[hole] != slot { hole = (hole + 1) & mask }
        var next = (hole + 1) & mask
        while index[next] != Self.empty {
            let home = rows[Int(index[next])].name.hashValue & mask
            // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
            let homeInRun = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next)
            if !homeInRun {
                index[hole] = index[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        index[hole] = Self.empty
    }

    /// The member in `slot`, or nil when the slot is free (or out of range).
    func member(atSlot slot: Int32) -> Member? {
        guard slot >= 0, Int(slot) < rows.count else { return nil }
        let row = rows[Int(slot)]
        guard row.status != Row.free, let status = MemberStatus(rawValue: row.status) else { return nil }
        return Member(
            name: row.name,
            address: PeerAddress(host: row.host, port: row.port),
            status: status,
            incarnation: row.incarnation,
            metadata: metadataPool[Int(row.metadataID)],
            statusChangedAt: Timestamp(nanoseconds: row.statusChangedAt)
        )
    }

    /// The metadata in `slot` when its member is alive or suspect.
    func activeMetadata(atSlot slot: Int32) -> NodeMetadata? {
        let row = rows[Int(slot)]
        guard MemberStatus(rawValue: row.status)?.isActive == true else { return nil }
        return metadataPool[Int(row.metadataID)]
    }

    /// The news about the member in `slot`, encoded for the wire: what its row says now. `accuser` is named on a
    /// suspicion or death. Nil when the slot is free.
    func encodedNews(atSlot slot: Int32, accuser: String) -> [UInt8]? {
        guard slot >= 0, Int(slot) < rows.count else { return nil }
        let row = rows[Int(slot)]
        guard let status = MemberStatus(rawValue: row.status) else { return nil }
        switch status {
        case .alive:
            return WireFormat.encodeAlive(
                name: row.name,
                incarnation: row.incarnation,
                host: row.host,
                port: row.port,
                encodedMetadata: metadataBytes[Int(row.metadataID)]
            )
        case .suspect:
            return WireFormat.encode(
                .suspect(Accusation(name: row.name, incarnation: row.incarnation, accuser: accuser))
            )
        case .dead:
            return WireFormat.encode(.dead(Accusation(name: row.name, incarnation: row.incarnation, accuser: accuser)))
        case .left:
            return WireFormat.encode(.left(name: row.name, incarnation: row.incarnation))
        }
    }

    /// The incarnation in `slot` without building the member.
    func incarnation(atSlot slot: Int32) -> UInt64 { rows[Int(slot)].incarnation }

    /// The status in `slot` without building the member, for scans over the whole table.
    func status(atSlot slot: Int) -> MemberStatus? {
        MemberStatus(rawValue: rows[slot].status)
    }

    func name(atSlot slot: Int) -> String { rows[slot].name }

    /// Reads, adds (a new name takes a slot), replaces or (with nil) removes the member called `name`.
    subscript(name: String) -> Member? {
        get { slot(of: name).flatMap(member(atSlot:)) }
        set {
            if let member = newValue {
                put(member)
            } else if let slot = slot(of: name) {
                free(slot)
            }
        }
    }

    /// Every member, in slot order.
    var members: [Member] {
        (0..<rows.count).compactMap { member(atSlot: Int32($0)) }
    }

    /// Adds or replaces `member`'s row and returns its slot.
    @discardableResult
    mutating func put(_ member: Member) -> Int32 {
        let row = Row(
            name: member.name,
            host: member.address.host,
            incarnation: member.incarnation,
            statusChangedAt: member.statusChangedAt.nanoseconds,
            port: member.address.port,
            status: member.status.rawValue,
            metadataID: metadataID(of: member.metadata)
        )
        if let slot = slot(of: member.name) {
            adjustActive(from: rows[Int(slot)].status, to: row.status)
            rows[Int(slot)] = row
            return slot
        }
        let slot: Int32
        if let reused = freeSlots.popLast() {
            slot = reused
            rows[Int(slot)] = row
        } else {
            slot = Int32(rows.count)
            rows.append(row)
        }
        count += 1
        if count * 2 > index.count {
            rebuildIndex(minimumMembers: count)
        } else {
            insertIntoIndex(slot)
        }
        adjustActive(from: Row.free, to: row.status)
        return slot
    }

    private mutating func free(_ slot: Int32) {
        removeFromIndex(slot)
        adjustActive(from: rows[Int(slot)].status, to: Row.free)
        rows[Int(slot)] = Row(
            name: "",
            host: "",
            incarnation: 0,
            statusChangedAt: 0,
            port: 0,
            status: Row.free,
            metadataID: 0
        )
        freeSlots.append(slot)
        count -= 1
    }

    private mutating func adjustActive(from old: UInt8, to new: UInt8) {
        let wasActive = MemberStatus(rawValue: old)?.isActive ?? false
        let isActive = MemberStatus(rawValue: new)?.isActive ?? false
        if wasActive != isActive { activeCount += isActive ? 1 : -1 }
    }

    /// The pool index of `metadata`, adding it when new. A pool grown past what rows still use (members changed
    /// their metadata many times) is rebuilt from the rows.
    private mutating func metadataID(of metadata: NodeMetadata) -> UInt32 {
        if let id = metadataIDs[metadata] { return id }
        if metadataPool.count >= 4096 && metadataPool.count > 2 * count { rebuildMetadataPool() }
        return addToPool(metadata)
    }

    private mutating func addToPool(_ metadata: NodeMetadata) -> UInt32 {
        let id = UInt32(metadataPool.count)
        metadataPool.append(metadata)
        var writer = ByteWriter()
        writer.write(metadata)
        metadataBytes.append(writer.bytes)
        metadataIDs[metadata] = id
        return id
    }

    private mutating func rebuildMetadataPool() {
        let old = metadataPool
        metadataPool = []
        metadataBytes = []
        metadataIDs = [:]
        for slot in rows.indices where rows[slot].status != Row.free {
            let metadata = old[Int(rows[slot].metadataID)]
            let id: UInt32
            if let existing = metadataIDs[metadata] {
                id = existing
            } else {
                id = addToPool(metadata)
            }
            rows[slot].metadataID = id
        }
    }
}
