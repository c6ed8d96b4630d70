import Gossip
import Primitives

/// Which creation of a topic name a definition and its partitions belong to, so that a topic deleted and created
/// again under the same name is never mixed up with its predecessor (Kafka gives every topic an ID for this).
///
/// A re-created topic's incarnation is the cluster-state version its definition was created at. The controller
/// that re-creates a name knows its tombstone, so the new incarnation ranks above every earlier one. Topics created
/// while no deletion of the name was known (every topic from before deletion existed among them) are `.original`,
/// which ranks lowest and needs no bytes on the wire.
public struct TopicIncarnation: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var epoch: UInt64
    public var sequence: UInt64

    public init(epoch: UInt64, sequence: UInt64) {
        self.epoch = epoch
        self.sequence = sequence
    }

    public static let original = TopicIncarnation(epoch: 0, sequence: 0)

    public static func < (lhs: TopicIncarnation, rhs: TopicIncarnation) -> Bool {
        (lhs.epoch, lhs.sequence) < (rhs.epoch, rhs.sequence)
    }

    public var description: String { self == .original ? "original" : "\(epoch).\(sequence)" }
}

/// A topic as created: its partition count, replication factor and configs, or its tombstone once deleted.
///
/// Cluster state never forgets a key, so a deletion is a newer version of the definition marked deleted; nodes that
/// hear it drop the topic and hide its partitions, and a node that was away hears it with its next push-pull.
public struct TopicDefinition: Hashable, Sendable {
    public var name: String
    public var partitionCount: Int
    public var replicationFactor: Int
    /// The controller epoch that wrote this version of the definition.
    public var controllerEpoch: UInt64
    /// Orders the versions one controller epoch writes for this name (creation, deletion, creation again).
    public var sequence: UInt64
    public var incarnation: TopicIncarnation
    /// Kafka topic configs by name (`retention.ms`, `cleanup.policy`, ...): stored and spread, not interpreted.
    public var configs: [String: String]
    /// A tombstone: this incarnation of the topic was deleted.
    public var isDeleted: Bool

    public init(
        name: String,
        partitionCount: Int,
        replicationFactor: Int,
        controllerEpoch: UInt64,
        sequence: UInt64 = 0,
        incarnation: TopicIncarnation = .original,
        configs: [String: String] = [:],
        isDeleted: Bool = false
    ) {
        self.name = name
        self.partitionCount = partitionCount
        self.replicationFactor = replicationFactor
        self.controllerEpoch = controllerEpoch
        self.sequence = sequence
        self.incarnation = incarnation
        self.configs = configs
        self.isDeleted = isDeleted
    }

    /// The cluster-state version of this definition.
    public var version: StateVersion { StateVersion(major: controllerEpoch, minor: sequence) }

    /// Whether `state` is a partition of this definition: of a live topic, the same incarnation and in range; of a
    /// tombstone, only a later incarnation (whose definition has not arrived yet) can be.
    public func owns(_ state: PartitionState) -> Bool {
        if isDeleted { return state.topicIncarnation > incarnation }
        return state.topicIncarnation == incarnation && state.id.partition < partitionCount
    }

    /// The most configs a topic may carry; the whole definition must also fit in one cluster-state value.
    public static let maxConfigs = 64
    /// Config names are read as names on the wire, which allows 255 bytes.
    public static let maxConfigNameBytes = 255

    /// Why `configs` cannot be stored for a topic called `name`, or nil when they can.
    public static func configProblem(name: String, configs: [String: String]) -> String? {
        guard !configs.isEmpty else { return nil }
        if configs.count > maxConfigs { return "a topic may have at most \(maxConfigs) configs, not \(configs.count)" }
        for (key, value) in configs {
            if key.isEmpty || key.utf8.count > maxConfigNameBytes {
                return "config names must be 1 to \(maxConfigNameBytes) bytes long"
            }
            if value.utf8.count > WireFormat.maxStateValueBytes {
                return "config \(key) is longer than \(WireFormat.maxStateValueBytes) bytes"
            }
        }
        let probe = TopicDefinition(
            name: name,
            partitionCount: 1,
            replicationFactor: 1,
            controllerEpoch: 1,
            sequence: 1,
            incarnation: .original,
            configs: configs
        )
        let size = probe.encoded().count
        guard size <= WireFormat.maxStateValueBytes else {
            return
                "the configs of topic \(name) take \(size) bytes encoded; at most \(WireFormat.maxStateValueBytes) fit"
        }
        return nil
    }

    private enum Format {
        /// Name, partitions, replication factor, controller epoch.
        static let plain: UInt8 = 1
        // 2 was never written for topics; builds before this one parse it with the format-1 layout, so it is skipped.
        /// Format 1, then sequence, flags, incarnation and configs.
        static let extended: UInt8 = 3
    }

    private static let deletedFlag: UInt8 = 1

    /// A topic without configs, deletion or re-creation keeps format 1, so older nodes and data dirs read it.
    private var needsExtendedFormat: Bool {
        sequence != 0 || incarnation != .original || !configs.isEmpty || isDeleted
    }

    func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.write(needsExtendedFormat ? Format.extended : Format.plain)
        w.write(name)
        w.write(UInt32(clamping: partitionCount))
        w.write(UInt16(clamping: replicationFactor))
        w.write(controllerEpoch)
        guard needsExtendedFormat else { return w.bytes }
        w.write(sequence)
        w.write(isDeleted ? Self.deletedFlag : 0)
        w.write(incarnation.epoch)
        w.write(incarnation.sequence)
        w.write(UInt16(clamping: configs.count))
        for (key, value) in configs.sorted(by: { $0.key < $1.key }) {
            w.write(key)
            w.write(value)
        }
        return w.bytes
    }

    init(decoding bytes: [UInt8]) throws(DecodeError) {
        var r = ByteReader(bytes)
        let format = try r.readUInt8()
        guard format == Format.plain || format == Format.extended else { throw .unknownVersion(format) }
        let name = try r.readName()
        let partitionCount = Int(try r.readUInt32())
        let replicationFactor = Int(try r.readUInt16())
        let controllerEpoch = try r.readUInt64()
        guard format == Format.extended else {
            self.init(
                name: name,
                partitionCount: partitionCount,
                replicationFactor: replicationFactor,
                controllerEpoch: controllerEpoch
            )
            try r.expectEnd()
            return
        }
        let sequence = try r.readUInt64()
        let flags = try r.readUInt8()
        guard flags & ~Self.deletedFlag == 0 else { throw .invalidValue("topic flags") }
        let incarnation = TopicIncarnation(epoch: try r.readUInt64(), sequence: try r.readUInt64())
        let configCount = Int(try r.readUInt16())
        guard configCount <= Self.maxConfigs else { throw .oversized("topic config count") }
        var configs: [String: String] = [:]
        for _ in 0..<configCount {
            let key = try r.readName()
            guard configs[key] == nil else { throw .invalidValue("duplicate topic config") }
            configs[key] = try r.readString()
        }
        self.init(
            name: name,
            partitionCount: partitionCount,
            replicationFactor: replicationFactor,
            controllerEpoch: controllerEpoch,
            sequence: sequence,
            incarnation: incarnation,
            configs: configs,
            isDeleted: flags & Self.deletedFlag != 0
        )
        try r.expectEnd()
    }
}
