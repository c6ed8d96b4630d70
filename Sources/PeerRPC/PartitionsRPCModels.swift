import Gossip
import Partitions
import Primitives

/// `GET /v1/controller`: `{"controller":"n3","epoch":7,"leaseRemainingMs":1800}`, controller null when none.
public struct ControllerResponse: Codable, Sendable, Equatable {
    public var controller: String?
    public var epoch: UInt64
    public var leaseRemainingMs: Int64?

    public init(_ view: ControllerView) {
        controller = view.controller
        epoch = view.epoch
        leaseRemainingMs = view.leaseRemaining.map { $0.nanoseconds / 1_000_000 }
    }

    private enum CodingKeys: String, CodingKey {
        case controller, epoch, leaseRemainingMs
    }

    // Explicit nulls: "no controller" is an answer, not a missing field.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(controller, forKey: .controller)
        try container.encode(epoch, forKey: .epoch)
        try container.encode(leaseRemainingMs, forKey: .leaseRemainingMs)
    }
}

/// `GET /v1/partitions[?topic=T]`.
public struct PartitionsResponse: Codable, Sendable {
    public var partitions: [PartitionView]

    public init(partitions: [PartitionView]) {
        self.partitions = partitions
    }
}

/// One partition as the RPC shows it; `leader` is null when the partition is offline.
public struct PartitionView: Codable, Sendable, Equatable {
    public var topic: String
    public var partition: Int
    public var leader: String?
    /// The leader epoch's counter, and the controller term it started under (epochs order by term first).
    public var leaderEpoch: UInt64
    public var leaderEpochTerm: UInt64
    public var replicas: [String]
    public var isr: [String]
    public var controllerEpoch: UInt64
    /// The answering node's own log of the partition, when it holds one (it leads or follows it).
    public var log: LocalLogView?

    public init(_ state: PartitionState, log: LocalLogView? = nil) {
        self.log = log
        topic = state.id.topic
        partition = state.id.partition
        leader = state.leader
        leaderEpoch = state.leaderEpoch.number
        leaderEpochTerm = state.leaderEpoch.term
        replicas = state.replicas
        isr = state.isr
        controllerEpoch = state.controllerEpoch
    }

    /// The leader epoch as the partitions core orders it.
    public var fullLeaderEpoch: LeaderEpoch { LeaderEpoch(term: leaderEpochTerm, number: leaderEpoch) }

    public var isOffline: Bool { leader == nil }
    public var isUnderReplicated: Bool { isr.count < replicas.count }

    private enum CodingKeys: String, CodingKey {
        case topic, partition, leader, leaderEpoch, leaderEpochTerm, replicas, isr, controllerEpoch, log
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(topic, forKey: .topic)
        try container.encode(partition, forKey: .partition)
        try container.encode(leader, forKey: .leader)
        try container.encode(leaderEpoch, forKey: .leaderEpoch)
        try container.encode(leaderEpochTerm, forKey: .leaderEpochTerm)
        try container.encode(replicas, forKey: .replicas)
        try container.encode(isr, forKey: .isr)
        try container.encode(controllerEpoch, forKey: .controllerEpoch)
        try container.encode(log, forKey: .log)
    }
}

/// A node's local log of one partition: where it starts and ends, what consumers may read, its size.
public struct LocalLogView: Codable, Sendable, Equatable {
    public var logStartOffset: Int64
    public var logEndOffset: Int64
    public var highWatermark: Int64
    public var sizeBytes: Int64

    public init(logStartOffset: Int64, logEndOffset: Int64, highWatermark: Int64, sizeBytes: Int64) {
        self.logStartOffset = logStartOffset
        self.logEndOffset = logEndOffset
        self.highWatermark = highWatermark
        self.sizeBytes = sizeBytes
    }
}

/// `GET /v1/topics` and `GET /v1/topics/NAME`.
public struct TopicsResponse: Codable, Sendable {
    public var topics: [TopicView]

    public init(topics: [TopicView]) {
        self.topics = topics
    }
}

public struct TopicView: Codable, Sendable, Equatable {
    public var name: String
    public var partitions: Int
    public var replicationFactor: Int
    /// Present when one topic is described.
    public var partitionStates: [PartitionView]?

    public init(_ definition: TopicDefinition, partitionStates: [PartitionView]? = nil) {
        name = definition.name
        partitions = definition.partitionCount
        replicationFactor = definition.replicationFactor
        self.partitionStates = partitionStates
    }
}

/// Body of `POST /v1/topics`.
public struct CreateTopicRequest: Codable, Sendable {
    public var name: String
    public var partitions: Int
    public var replicationFactor: Int

    public init(name: String, partitions: Int, replicationFactor: Int) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
    }
}

/// Answer of a controller request that succeeded.
public struct RequestDoneResponse: Codable, Sendable {
    public var ok: Bool
    public var detail: String

    public init(detail: String) {
        ok = true
        self.detail = detail
    }
}
