import Primitives

/// The order of values for one cluster-state key: a newer version always wins, everywhere.
///
/// Partition states use (controller epoch, partition epoch), so a change made under an older controller epoch can
/// never overwrite one made under a newer epoch (fencing).
public struct StateVersion: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var major: UInt64
    public var minor: UInt64

    public init(major: UInt64, minor: UInt64) {
        self.major = major
        self.minor = minor
    }

    public static let zero = StateVersion(major: 0, minor: 0)

    public static func < (lhs: StateVersion, rhs: StateVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    public var description: String { "\(major).\(minor)" }
}

/// One versioned value of the replicated cluster state that gossip carries for higher layers (partition states,
/// topic definitions, controller announcements). Gossip does not interpret the value.
public struct StateEntry: Hashable, Sendable {
    public var key: String
    public var version: StateVersion
    public var value: [UInt8]

    public init(key: String, version: StateVersion, value: [UInt8]) {
        self.key = key
        self.version = version
        self.value = value
    }
}

/// A last-writer-wins map of `StateEntry`s ordered by version: merging is commutative, associative and
/// idempotent, so gossip and push-pull in any order converge every node to the same map.
public struct ClusterState: Hashable, Sendable {
    public private(set) var entries: [String: StateEntry] = [:]

    public init() {}

    /// Keeps `entry` when it is newer than what we hold; true when it was kept.
    @discardableResult
    public mutating func merge(_ entry: StateEntry) -> Bool {
        if let existing = entries[entry.key], existing.version >= entry.version { return false }
        entries[entry.key] = entry
        return true
    }

    public subscript(key: String) -> StateEntry? { entries[key] }

    /// Entries sorted by key, for deterministic iteration.
    public var sortedEntries: [StateEntry] { entries.values.sorted { $0.key < $1.key } }

    /// A compact snapshot for a node's data directory, so topic metadata survives restarts.
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.write(WireFormat.version)
        w.write(UInt32(entries.count))
        for entry in sortedEntries { w.write(entry) }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(DecodeError) {
        var r = ByteReader(bytes)
        let version = try r.readUInt8()
        guard version == WireFormat.version else { throw .unknownVersion(version) }
        let count = Int(try r.readUInt32())
        guard count <= WireFormat.maxStateEntries else { throw .oversized("state entry count") }
        for _ in 0..<count { merge(try r.readStateEntry()) }
        try r.expectEnd()
    }
}
