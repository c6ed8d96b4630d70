/// Why a controller request did not succeed.
public enum RequestFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// No controller is known right now; an election may be under way.
    case noController
    /// The node asked is not (or no longer) the controller.
    case notController(String)
    /// The controller did not answer in time.
    case timedOut
    /// This node is shutting down.
    case shuttingDown
    /// The controller refused the request as invalid or conflicting; `reason` says which, so a caller can map it
    /// (to a Kafka error code, say) without reading the message.
    case rejected(String, reason: RejectionReason = .invalidRequest)

    public var description: String {
        switch self {
        case .noController: "no controller is elected right now; try again shortly"
        case .notController(let name): "\(name) is not the controller"
        case .timedOut: "no answer from the controller in time"
        case .shuttingDown: "the agent is shutting down"
        case .rejected(let message, _): message
        }
    }

    /// True when the request never reached an acting controller, so trying again later may succeed.
    public var isUnavailable: Bool {
        if case .rejected = self { return false }
        return true
    }

    /// Why the controller refused the request; nil when it was not refused (see `isUnavailable`).
    public var rejectionReason: RejectionReason? {
        if case .rejected(_, let reason) = self { return reason }
        return nil
    }
}

/// The kind of a controller's refusal. Raw values travel in control messages.
public enum RejectionReason: UInt8, Hashable, Sendable, CaseIterable {
    /// Any other invalid or conflicting request.
    case invalidRequest = 0
    /// Creating a topic that exists (and is not deleted).
    case topicAlreadyExists = 1
    /// Deleting a topic that does not exist or is already deleted.
    case unknownTopic = 2
    /// The topic name breaks Kafka's naming rules.
    case invalidTopicName = 3
    /// The partition count is out of range.
    case invalidPartitions = 4
    /// The replication factor is below 1 or above the available brokers.
    case invalidReplicationFactor = 5
    /// The topic configs are too many or too large to store.
    case invalidConfig = 6
    /// AlterPartition from a node that is not the partition's leader at the leader epoch it claims.
    case fencedLeaderEpoch = 7
    /// AlterPartition based on an older partition epoch than the controller's (Kafka's INVALID_UPDATE_VERSION).
    case invalidUpdateVersion = 8
    /// AlterPartition adding a replica that is not alive or is shutting down.
    case ineligibleReplica = 9
    /// AlterPartition for a partition the controller does not know.
    case unknownPartition = 10
}
