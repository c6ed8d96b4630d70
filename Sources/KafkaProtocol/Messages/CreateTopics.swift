/// CreateTopics request (key 19).
public struct CreateTopicsRequest: KafkaMessage {
    public static let apiKey = ApiKey.createTopics

    public var topics: [Topic] = []
    public var timeoutMs: Int32 = 60000
    public var validateOnly: Bool = false

    public init() {}

    public init(
        topics: [Topic] = [],
        timeoutMs: Int32 = 60000,
        validateOnly: Bool = false
    ) {
        self.topics = topics
        self.timeoutMs = timeoutMs
        self.validateOnly = validateOnly
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.array(&topics, .all)
        try m.int32(&timeoutMs, .all)
        try m.bool(&validateOnly, .since(1))
    }

    /// A topic to create (−1 partitions or replication factor: the broker default).
    public struct Topic: KafkaStruct {
        public var name: String = ""
        public var numPartitions: Int32 = 0
        public var replicationFactor: Int16 = 0
        public var assignments: [Assignment] = []
        public var configs: [Config] = []

        public init() {}

        public init(
            name: String = "",
            numPartitions: Int32 = 0,
            replicationFactor: Int16 = 0,
            assignments: [Assignment] = [],
            configs: [Config] = []
        ) {
            self.name = name
            self.numPartitions = numPartitions
            self.replicationFactor = replicationFactor
            self.assignments = assignments
            self.configs = configs
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.string(&name, .all)
            try m.int32(&numPartitions, .all)
            try m.int16(&replicationFactor, .all)
            try m.array(&assignments, .all)
            try m.array(&configs, .all)
        }

        /// Explicit replicas for one partition.
        public struct Assignment: KafkaStruct {
            public var partitionIndex: Int32 = 0
            public var brokerIds: [Int32] = []

            public init() {}

            public init(
                partitionIndex: Int32 = 0,
                brokerIds: [Int32] = []
            ) {
                self.partitionIndex = partitionIndex
                self.brokerIds = brokerIds
            }

            public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                try m.int32(&partitionIndex, .all)
                try m.int32Array(&brokerIds, .all)
            }
        }

        /// A topic config to set.
        public struct Config: KafkaStruct {
            public var name: String = ""
            public var value: String? = nil

            public init() {}

            public init(
                name: String = "",
                value: String? = nil
            ) {
                self.name = name
                self.value = value
            }

            public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                try m.string(&name, .all)
                try m.nullableString(&value, .all, nullable: .all)
            }
        }
    }
}

/// CreateTopics response (key 19).
public struct CreateTopicsResponse: KafkaMessage {
    public static let apiKey = ApiKey.createTopics

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

    /// The outcome for one topic.
    public struct Topic: KafkaStruct {
        public var name: String = ""
        public var errorCode: KafkaError = .noError
        public var errorMessage: String? = nil

        public init() {}

        public init(
            name: String = "",
            errorCode: KafkaError = .noError,
            errorMessage: String? = nil
        ) {
            self.name = name
            self.errorCode = errorCode
            self.errorMessage = errorMessage
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.string(&name, .all)
            try m.errorCode(&errorCode, .all)
            try m.nullableString(&errorMessage, .since(1), nullable: .all)
        }
    }
}
