import Gossip
import Primitives

/// What a voter keeps durably: the lease epochs it granted and the partition states controllers asked it to store.
///
/// A voter acknowledges a grant or a store only after the shell has written this record to its data dir and
/// fsync'd it (`PartitionsDirective.persist`, answered by `voterRecordPersisted`). So a voter that restarts still
/// refuses the epochs it granted, and the committed partition states a new controller gathers survive crashes.
public struct VoterRecord: Hashable, Sendable {
    /// The candidate this voter last granted a lease to, and under which epoch.
    public var grantedTo: String?
    public var grantedEpoch: UInt64
    /// The highest controller epoch granted or seen (the floor every new grant must exceed).
    public var highestEpoch: UInt64
    public var highestEpochOwner: String?
    /// The controller epoch of the store batches this voter follows, and how far (in that controller's proposal
    /// positions) it has stored every batch without a gap.
    public var storeEpoch: UInt64
    public var storedThrough: UInt64
    /// The newest version of each partition state a controller asked this voter to store.
    public var states: [PartitionID: PartitionState]

    public init(
        grantedTo: String? = nil,
        grantedEpoch: UInt64 = 0,
        highestEpoch: UInt64 = 0,
        highestEpochOwner: String? = nil,
        storeEpoch: UInt64 = 0,
        storedThrough: UInt64 = 0,
        states: [PartitionID: PartitionState] = [:]
    ) {
        self.grantedTo = grantedTo
        self.grantedEpoch = grantedEpoch
        self.highestEpoch = highestEpoch
        self.highestEpochOwner = highestEpochOwner
        self.storeEpoch = storeEpoch
        self.storedThrough = storedThrough
        self.states = states
    }

    /// Keeps `state` when it is newer than the stored version of its partition; returns whether it was kept.
    @discardableResult
    mutating func store(_ state: PartitionState) -> Bool {
        if let stored = states[state.id], stored.version >= state.version { return false }
        states[state.id] = state
        return true
    }

    static let format: UInt8 = 1

    /// The record as bytes for the data dir (format 1). The shell adds its own checksum.
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.write(Self.format)
        w.write(grantedTo ?? "")
        w.write(grantedEpoch)
        w.write(highestEpoch)
        w.write(highestEpochOwner ?? "")
        w.write(storeEpoch)
        w.write(storedThrough)
        w.write(UInt32(clamping: states.count))
        for id in states.keys.sorted() {
            let bytes = states[id]!.encoded()
            w.write(UInt32(clamping: bytes.count))
            w.bytes.append(contentsOf: bytes)
        }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(DecodeError) {
        var r = ByteReader(bytes)
        let format = try r.readUInt8()
        guard format == Self.format else { throw .unknownVersion(format) }
        let grantedTo = try r.readString()
        grantedEpoch = try r.readUInt64()
        highestEpoch = try r.readUInt64()
        let owner = try r.readString()
        storeEpoch = try r.readUInt64()
        storedThrough = try r.readUInt64()
        self.grantedTo = grantedTo.isEmpty ? nil : grantedTo
        highestEpochOwner = owner.isEmpty ? nil : owner
        let count = Int(try r.readUInt32())
        // Every state takes more than 16 bytes, so a count beyond that is a lie, refused before any allocation.
        guard count <= r.remaining / 16 else { throw .oversized("voter record states") }
        states = [:]
        for _ in 0..<count {
            let length = Int(try r.readUInt32())
            var sub = try r.subReader(length)
            let state = try PartitionState(decoding: try sub.readBytes(length))
            guard states[state.id] == nil else { throw .invalidValue("duplicate partition in voter record") }
            states[state.id] = state
        }
        try r.expectEnd()
    }
}
