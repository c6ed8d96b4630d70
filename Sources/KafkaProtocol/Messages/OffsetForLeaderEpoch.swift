/// OffsetForLeaderEpoch request (key 23): where a leader epoch ends in the leader's log. Followers ask it to find
/// where to truncate (KIP-101/279); consumers ask it to detect truncation after a leader change (KIP-320, v2+).
/// v2 adds the fencing epoch, v3 the asking replica's id, v4 is flexible.
public struct OffsetForLeaderEpochRequest: KafkaMessage {
    public static let apiKey = ApiKey.offsetForLeaderEpoch

    /// Kafka's id for a consumer that may read from followers ("debug"); the default when v0-v2 omit the field.
    public static let debugReplicaId: Int32 = -2

    /// The asking broker's id, -1 for a consumer, -2 (the default) for a debug consumer.
    public var replicaId: Int32 = OffsetForLeaderEpochRequest.debugReplicaId
    public var topics: [Topic] = []

    public init() {}

    public init(
        replicaId: Int32 = OffsetForLeaderEpochRequest.debugReplicaId,
        topics: [Topic] = []
    ) {
        self.replicaId = replicaId
        self.topics = topics
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.int32(&replicaId, .since(3))
        try m.array(&topics, .all)
    }

    /// The partitions to look up in one topic.
    public struct Topic: KafkaStruct {
        public var topic: String = ""
        public var partitions: [Partition] = []

        public init() {}

        public init(
            topic: String = "",
            partitions: [Partition] = []
        ) {
            self.topic = topic
            self.partitions = partitions
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.string(&topic, .all)
            try m.array(&partitions, .all)
        }

        /// The epoch whose end is wanted, and (v2+) the leader epoch the asker believes current, for fencing.
        public struct Partition: KafkaStruct {
            public var partition: Int32 = 0
            public var currentLeaderEpoch: Int32 = -1
            public var leaderEpoch: Int32 = 0

            public init() {}

            public init(
                partition: Int32 = 0,
                currentLeaderEpoch: Int32 = -1,
                leaderEpoch: Int32 = 0
            ) {
                self.partition = partition
                self.currentLeaderEpoch = currentLeaderEpoch
                self.leaderEpoch = leaderEpoch
            }

            public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                try m.int32(&partition, .all)
                try m.int32(&currentLeaderEpoch, .since(2))
                try m.int32(&leaderEpoch, .all)
            }
        }
    }
}

/// OffsetForLeaderEpoch response (key 23). v1 adds the epoch found, v2 the throttle time; v3 is v2 again.
public struct OffsetForLeaderEpochResponse: KafkaMessage {
    public static let apiKey = ApiKey.offsetForLeaderEpoch

    public var throttleTimeMs: Int32 = 0
    public var topics: [Topic] = []

    public init() {}

    public init(
        throttleTimeMs: Int32 = 0,
        topics: [Topic] = []
    ) {
        self.throttleTimeMs = throttleTimeMs
        self.topics = topics
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.int32(&throttleTimeMs, .since(2))
        try m.array(&topics, .all)
    }

    /// The answers for one topic.
    public struct Topic: KafkaStruct {
        public var topic: String = ""
        public var partitions: [Partition] = []

        public init() {}

        public init(
            topic: String = "",
            partitions: [Partition] = []
        ) {
            self.topic = topic
            self.partitions = partitions
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.string(&topic, .all)
            try m.array(&partitions, .all)
        }

        /// The largest epoch at or below the one asked for and the offset where it ends; (-1, -1) when unknown.
        /// The error code comes before the partition index here, unlike most responses.
        public struct Partition: KafkaStruct {
            public var errorCode: KafkaError = .noError
            public var partition: Int32 = 0
            public var leaderEpoch: Int32 = -1
            public var endOffset: Int64 = -1

            public init() {}

            public init(
                errorCode: KafkaError = .noError,
                partition: Int32 = 0,
                leaderEpoch: Int32 = -1,
                endOffset: Int64 = -1
            ) {
                self.errorCode = errorCode
                self.partition = partition
                self.leaderEpoch = leaderEpoch
                self.endOffset = endOffset
            }

            public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                try m.errorCode(&errorCode, .all)
                try m.int32(&partition, .all)
                try m.int32(&leaderEpoch, .since(1))
                try m.int64(&endOffset, .all)
            }
        }
    }
}
