/// A Kafka error code. A struct rather than an enum so codes this project does not name still round-trip.
public struct KafkaError: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// Kafka's name for the code (e.g. "NOT_LEADER_OR_FOLLOWER"), or "UNKNOWN_ERROR_CODE_<n>".
    public var name: String { Self.names[rawValue] ?? "UNKNOWN_ERROR_CODE_\(rawValue)" }
    public var description: String { "\(name) (\(rawValue))" }

    public static let unknownServerError = KafkaError(rawValue: -1)
    public static let noError = KafkaError(rawValue: 0)
    public static let offsetOutOfRange = KafkaError(rawValue: 1)
    public static let corruptMessage = KafkaError(rawValue: 2)
    public static let unknownTopicOrPartition = KafkaError(rawValue: 3)
    public static let invalidFetchSize = KafkaError(rawValue: 4)
    public static let leaderNotAvailable = KafkaError(rawValue: 5)
    public static let notLeaderOrFollower = KafkaError(rawValue: 6)
    public static let requestTimedOut = KafkaError(rawValue: 7)
    public static let brokerNotAvailable = KafkaError(rawValue: 8)
    public static let replicaNotAvailable = KafkaError(rawValue: 9)
    public static let messageTooLarge = KafkaError(rawValue: 10)
    public static let networkException = KafkaError(rawValue: 13)
    public static let coordinatorLoadInProgress = KafkaError(rawValue: 14)
    public static let coordinatorNotAvailable = KafkaError(rawValue: 15)
    public static let notCoordinator = KafkaError(rawValue: 16)
    public static let invalidTopicException = KafkaError(rawValue: 17)
    public static let recordListTooLarge = KafkaError(rawValue: 18)
    public static let notEnoughReplicas = KafkaError(rawValue: 19)
    public static let notEnoughReplicasAfterAppend = KafkaError(rawValue: 20)
    public static let invalidRequiredAcks = KafkaError(rawValue: 21)
    public static let topicAuthorizationFailed = KafkaError(rawValue: 29)
    public static let clusterAuthorizationFailed = KafkaError(rawValue: 31)
    public static let invalidTimestamp = KafkaError(rawValue: 32)
    public static let unsupportedVersion = KafkaError(rawValue: 35)
    public static let topicAlreadyExists = KafkaError(rawValue: 36)
    public static let invalidPartitions = KafkaError(rawValue: 37)
    public static let invalidReplicationFactor = KafkaError(rawValue: 38)
    public static let invalidReplicaAssignment = KafkaError(rawValue: 39)
    public static let invalidConfig = KafkaError(rawValue: 40)
    public static let notController = KafkaError(rawValue: 41)
    public static let invalidRequest = KafkaError(rawValue: 42)
    public static let unsupportedForMessageFormat = KafkaError(rawValue: 43)
    public static let policyViolation = KafkaError(rawValue: 44)
    public static let outOfOrderSequenceNumber = KafkaError(rawValue: 45)
    public static let duplicateSequenceNumber = KafkaError(rawValue: 46)
    public static let invalidProducerEpoch = KafkaError(rawValue: 47)
    public static let invalidTxnState = KafkaError(rawValue: 48)
    public static let invalidProducerIdMapping = KafkaError(rawValue: 49)
    public static let invalidTransactionTimeout = KafkaError(rawValue: 50)
    public static let concurrentTransactions = KafkaError(rawValue: 51)
    public static let kafkaStorageError = KafkaError(rawValue: 56)
    public static let unknownProducerId = KafkaError(rawValue: 59)
    public static let fetchSessionIdNotFound = KafkaError(rawValue: 70)
    public static let invalidFetchSessionEpoch = KafkaError(rawValue: 71)
    public static let topicDeletionDisabled = KafkaError(rawValue: 73)
    public static let fencedLeaderEpoch = KafkaError(rawValue: 74)
    public static let unknownLeaderEpoch = KafkaError(rawValue: 75)
    public static let unsupportedCompressionType = KafkaError(rawValue: 76)
    public static let offsetNotAvailable = KafkaError(rawValue: 78)
    public static let invalidRecord = KafkaError(rawValue: 87)
    public static let throttlingQuotaExceeded = KafkaError(rawValue: 89)
    public static let producerFenced = KafkaError(rawValue: 90)

    private static let names: [Int16: String] = [
        -1: "UNKNOWN_SERVER_ERROR",
        0: "NONE",
        1: "OFFSET_OUT_OF_RANGE",
        2: "CORRUPT_MESSAGE",
        3: "UNKNOWN_TOPIC_OR_PARTITION",
        4: "INVALID_FETCH_SIZE",
        5: "LEADER_NOT_AVAILABLE",
        6: "NOT_LEADER_OR_FOLLOWER",
        7: "REQUEST_TIMED_OUT",
        8: "BROKER_NOT_AVAILABLE",
        9: "REPLICA_NOT_AVAILABLE",
        10: "MESSAGE_TOO_LARGE",
        13: "NETWORK_EXCEPTION",
        14: "COORDINATOR_LOAD_IN_PROGRESS",
        15: "COORDINATOR_NOT_AVAILABLE",
        16: "NOT_COORDINATOR",
        17: "INVALID_TOPIC_EXCEPTION",
        18: "RECORD_LIST_TOO_LARGE",
        19: "NOT_ENOUGH_REPLICAS",
        20: "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
        21: "INVALID_REQUIRED_ACKS",
        29: "TOPIC_AUTHORIZATION_FAILED",
        31: "CLUSTER_AUTHORIZATION_FAILED",
        32: "INVALID_TIMESTAMP",
        35: "UNSUPPORTED_VERSION",
        36: "TOPIC_ALREADY_EXISTS",
        37: "INVALID_PARTITIONS",
        38: "INVALID_REPLICATION_FACTOR",
        39: "INVALID_REPLICA_ASSIGNMENT",
        40: "INVALID_CONFIG",
        41: "NOT_CONTROLLER",
        42: "INVALID_REQUEST",
        43: "UNSUPPORTED_FOR_MESSAGE_FORMAT",
        44: "POLICY_VIOLATION",
        45: "OUT_OF_ORDER_SEQUENCE_NUMBER",
        46: "DUPLICATE_SEQUENCE_NUMBER",
        47: "INVALID_PRODUCER_EPOCH",
        48: "INVALID_TXN_STATE",
        49: "INVALID_PRODUCER_ID_MAPPING",
        50: "INVALID_TRANSACTION_TIMEOUT",
        51: "CONCURRENT_TRANSACTIONS",
        56: "KAFKA_STORAGE_ERROR",
        59: "UNKNOWN_PRODUCER_ID",
        70: "FETCH_SESSION_ID_NOT_FOUND",
        71: "INVALID_FETCH_SESSION_EPOCH",
        73: "TOPIC_DELETION_DISABLED",
        74: "FENCED_LEADER_EPOCH",
        75: "UNKNOWN_LEADER_EPOCH",
        76: "UNSUPPORTED_COMPRESSION_TYPE",
        78: "OFFSET_NOT_AVAILABLE",
        87: "INVALID_RECORD",
        89: "THROTTLING_QUOTA_EXCEEDED",
        90: "PRODUCER_FENCED",
    ]
}
