import Gossip

/// The members gossip reports alive or suspect, with their metadata: what the controller needs to place replicas
/// and move leaders.
///
/// Every node keeps one, so a cluster holds N² entries in all (and the simulator holds them in one process): an
/// entry is a name and an index into a pool of the distinct metadata values, which are few.
struct LiveMembers: Sendable {
    private var metadataIDs: [String: UInt32] = [:]
    private var pool: [NodeMetadata] = []
    private var poolIDs: [NodeMetadata: UInt32] = [:]

    func contains(_ name: String) -> Bool { metadataIDs[name] != nil }

    func metadata(of name: String) -> NodeMetadata? {
        metadataIDs[name].map { pool[Int($0)] }
    }

    /// The live members' names, sorted.
    var sortedNames: [String] { metadataIDs.keys.sorted() }

    /// Records `member`'s news and returns whether it was live before.
    @discardableResult
    mutating func update(_ member: Member) -> Bool {
        guard member.status.isActive else { return metadataIDs.removeValue(forKey: member.name) != nil }
        return metadataIDs.updateValue(poolID(of: member.metadata), forKey: member.name) != nil
    }

    private mutating func poolID(of metadata: NodeMetadata) -> UInt32 {
        if let id = poolIDs[metadata] { return id }
        if pool.count >= 4096 && pool.count > 2 * metadataIDs.count { rebuildPool() }
        let id = UInt32(pool.count)
        pool.append(metadata)
        poolIDs[metadata] = id
        return id
    }

    /// Drops pool values no member uses any more (members that changed their metadata many times).
    private mutating func rebuildPool() {
        let old = pool
        pool = []
        poolIDs = [:]
        for (name, id) in metadataIDs {
            metadataIDs[name] = poolID(of: old[Int(id)])
        }
    }
}
