import Gossip
import Primitives

/// Identifies one partition of a topic.
public struct PartitionID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int

    public init(topic: String, partition: Int) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (lhs: PartitionID, rhs: PartitionID) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    public var description: String { "\(topic)-\(partition)" }
}

/// Who leads a partition, who is in sync, and under which epochs: Kafka's partition state, spread by gossip.
public struct PartitionState: Hashable, Sendable {
    public var id: PartitionID
    /// Ordered; the first is the preferred leader.
    public var replicas: [String]
    /// Nil when the partition is offline (no in-sync replica alive).
    public var leader: String?
    /// New on every leader change, and on a controller's first change to the partition in its term.
    public var leaderEpoch: LeaderEpoch
    public var isr: [String]
    /// The controller epoch that made this version; an older controller can never overwrite it.
    public var controllerEpoch: UInt64
    /// Bumped on every change to this partition.
    public var partitionEpoch: UInt64
    /// Which creation of the topic this partition belongs to (see `TopicIncarnation`).
    public var topicIncarnation: TopicIncarnation

    public init(
        id: PartitionID,
        replicas: [String],
        leader: String?,
        leaderEpoch: LeaderEpoch,
        isr: [String],
        controllerEpoch: UInt64,
        partitionEpoch: UInt64,
        topicIncarnation: TopicIncarnation = .original
    ) {
        self.id = id
        self.replicas = replicas
        self.leader = leader
        self.leaderEpoch = leaderEpoch
        self.isr = isr
        self.controllerEpoch = controllerEpoch
        self.partitionEpoch = partitionEpoch
        self.topicIncarnation = topicIncarnation
    }

    public var version: StateVersion { StateVersion(major: controllerEpoch, minor: partitionEpoch) }
    public var isOffline: Bool { leader == nil }
    public var isUnderReplicated: Bool { isr.count < replicas.count }
    public var preferredLeader: String? { replicas.first }

    var stateKey: String { StateKeys.partition(id) }

    func encoded() -> [UInt8] {
        var w = ByteWriter()
        // Format 3 adds the topic incarnation; a partition of an original topic keeps format 2.
        let hasIncarnation = topicIncarnation != .original
        w.write(UInt8(hasIncarnation ? 3 : 2))
        w.write(id.topic)
        w.write(UInt32(id.partition))
        w.write(UInt16(replicas.count))
        for replica in replicas { w.write(replica) }
        w.write(leader ?? "")
        w.write(leaderEpoch.term)
        w.write(leaderEpoch.number)
        w.write(UInt16(isr.count))
        for member in isr { w.write(member) }
        w.write(controllerEpoch)
        w.write(partitionEpoch)
        if hasIncarnation {
            w.write(topicIncarnation.epoch)
            w.write(topicIncarnation.sequence)
        }
        return w.bytes
    }

    init(decoding bytes: [UInt8]) throws(DecodeError) {
        var r = ByteReader(bytes)
        let format = try r.readUInt8()
        // Format 1 (before leader epochs had terms) is still read from older data dirs: its epochs rank lowest.
        guard (1...3).contains(format) else { throw .unknownVersion(format) }
        let topic = try r.readName()
        let partition = Int(try r.readUInt32())
        let replicaCount = Int(try r.readUInt16())
        var replicas: [String] = []
        for _ in 0..<replicaCount { replicas.append(try r.readName()) }
        let leader = try r.readString()
        let leaderEpoch =
            format == 1
            ? LeaderEpoch(term: 0, number: try r.readUInt64())
            : LeaderEpoch(term: try r.readUInt64(), number: try r.readUInt64())
        let isrCount = Int(try r.readUInt16())
        var isr: [String] = []
        for _ in 0..<isrCount { isr.append(try r.readName()) }
        let controllerEpoch = try r.readUInt64()
        let partitionEpoch = try r.readUInt64()
        let topicIncarnation =
            format == 3 ? TopicIncarnation(epoch: try r.readUInt64(), sequence: try r.readUInt64()) : .original
        // Format 3 is only written for a later incarnation, so every value has one encoding.
        if format == 3 && topicIncarnation == .original { throw .invalidValue("topic incarnation") }
        self.init(
            id: PartitionID(topic: topic, partition: partition),
            replicas: replicas,
            leader: leader.isEmpty ? nil : leader,
            leaderEpoch: leaderEpoch,
            isr: isr,
            controllerEpoch: controllerEpoch,
            partitionEpoch: partitionEpoch,
            topicIncarnation: topicIncarnation
        )
        try r.expectEnd()
    }
}

/// The controller's announcement of itself, renewed with its lease.
public struct ControllerAnnouncement: Hashable, Sendable {
    public var controller: String
    public var epoch: UInt64
    /// How long the lease had left when announced.
    public var leaseRemaining: Duration

    public init(controller: String, epoch: UInt64, leaseRemaining: Duration) {
        self.controller = controller
        self.epoch = epoch
        self.leaseRemaining = leaseRemaining
    }

    func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.write(UInt8(1))
        w.write(controller)
        w.write(epoch)
        w.write(UInt64(max(0, leaseRemaining.nanoseconds / 1_000_000)))
        return w.bytes
    }

    init(decoding bytes: [UInt8]) throws(DecodeError) {
        var r = ByteReader(bytes)
        let format = try r.readUInt8()
        // Only format 1 was ever written for announcements (format 2 is the partition state's).
        guard format == 1 else { throw .unknownVersion(format) }
        self.init(
            controller: try r.readName(),
            epoch: try r.readUInt64(),
            leaseRemaining: .milliseconds(Int64(clamping: try r.readUInt64()))
        )
        try r.expectEnd()
    }
}
