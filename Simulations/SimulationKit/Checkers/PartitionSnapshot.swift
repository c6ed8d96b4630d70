import Gossip
import Partitions

/// What a node's partition table held for one partition, compactly (leader as a node index, -1 for none; the ISR as
/// a digest, so that a change of the ISR alone is a change too).
public struct PartitionSnapshot: Sendable, Equatable {
    public var leader: Int32
    public var leaderEpoch: LeaderEpoch
    public var controllerEpoch: UInt64
    public var partitionEpoch: UInt64
    public var isrDigest: UInt64

    public init(
        leader: Int32,
        leaderEpoch: LeaderEpoch,
        controllerEpoch: UInt64,
        partitionEpoch: UInt64,
        isrDigest: UInt64 = 0
    ) {
        self.leader = leader
        self.leaderEpoch = leaderEpoch
        self.controllerEpoch = controllerEpoch
        self.partitionEpoch = partitionEpoch
        self.isrDigest = isrDigest
    }

    public static let unseen = PartitionSnapshot(leader: -1, leaderEpoch: .none, controllerEpoch: 0, partitionEpoch: 0)
    public var isUnseen: Bool { controllerEpoch == 0 && partitionEpoch == 0 }
    public var version: StateVersion { StateVersion(major: controllerEpoch, minor: partitionEpoch) }

    /// FNV-1a over the ISR's names in order (never 0 for a non-empty ISR in practice).
    public static func digest(isr: [String]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for name in isr {
            for byte in name.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01B3
            }
            hash ^= 0xFF
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }
}
