/// ListOffsets request (key 2), v1+ (v0's MaxNumOffsets is not described).
public struct ListOffsetsRequest: KafkaMessage {
    public static let apiKey = ApiKey.listOffsets

    public var replicaId: Int32 = -1
    public var isolationLevel: Int8 = 0
    public var topics: [Topic] = []

    public init() {}

    public init(
        replicaId: Int32 = -1,
        isolationLevel: Int8 = 0,
        topics: [Topic] = []
    ) {
        self.replicaId = replicaId
        self.isolationLevel = isolationLevel
        self.topics = topics
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.int32(&replicaId, .all)
        try m.int8(&isolationLevel, .since(2))
        try m.array(&topics, .all)
    }

    /// The partitions to look up in one topic.
    public struct Topic: KafkaStruct {
        public var name: String = ""
        public var partitions: [Partition] = []

        public init() {}

        public init(
            name: String = "",
            partitions: [Partition] = []
        ) {
            self.name = name
            self.partitions = partitions
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.string(&name, .all)
            try m.array(&partitions, .all)
        }

        /// A partition and the timestamp to look up (−1 latest, −2 earliest).
        public struct Partition: KafkaStruct {
            public var partitionIndex: Int32 = 0
            public var currentLeaderEpoch: Int32 = -1
            public var timestamp: Int64 = 0

            public init() {}

            public init(
                partitionIndex: Int32 = 0,
                currentLeaderEpoch: Int32 = -1,
                timestamp: Int64 = 0
            ) {
                self.partitionIndex = partitionIndex
                self.currentLeaderEpoch = currentLeaderEpoch
                self.timestamp = timestamp
            }

            public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                try m.int32(&partitionIndex, .all)
                try m.int32(&currentLeaderEpoch, .since(4))
                try m.int64(&timestamp, .all)
            }
        }
    }
}

/// ListOffsets response (key 2), v1+ (v0's OldStyleOffsets is not described).
public struct ListOffsetsResponse: KafkaMessage {
    public static let apiKey = ApiKey.listOffsets

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

    /// The offsets found in one topic.
    public struct Topic: KafkaStruct {
        public var name: String = ""
        public var partitions: [Partition] = []

        public init() {}

        public init(
            name: String = "",
            partitions: [Partition] = []
        ) {
            self.name = name
            self.partitions = partitions
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.string(&name, .all)
            try m.array(&partitions, .all)
        }

        /// The offset found for one partition.
        public struct Partition: KafkaStruct {
            public var partitionIndex: Int32 = 0
            public var errorCode: KafkaError = .noError
            public var timestamp: Int64 = -1
            public var offset: Int64 = -1
            public var leaderEpoch: Int32 = -1

            public init() {}

            public init(
                partitionIndex: Int32 = 0,
                errorCode: KafkaError = .noError,
                timestamp: Int64 = -1,
                offset: Int64 = -1,
                leaderEpoch: Int32 = -1
            ) {
                self.partitionIndex = partitionIndex
                self.errorCode = errorCode
                self.timestamp = timestamp
                self.offset = offset
                self.leaderEpoch = leaderEpoch
            }

            public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                try m.int32(&partitionIndex, .all)
                try m.errorCode(&errorCode, .all)
                try m.int64(&timestamp, .since(1))
                try m.int64(&offset, .since(1))
                try m.int32(&leaderEpoch, .since(4))
            }
        }
    }
}
