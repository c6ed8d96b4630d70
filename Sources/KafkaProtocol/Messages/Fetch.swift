/// Fetch request (key 1). v7+ carries fetch-session fields (session id 0 declines a session).
public struct FetchRequest: KafkaMessage {
    public static let apiKey = ApiKey.fetch

    public var replicaId: Int32 = -1
    public var maxWaitMs: Int32 = 0
    public var minBytes: Int32 = 0
    public var maxBytes: Int32 = Int32.max
    public var isolationLevel: Int8 = 0
    public var sessionId: Int32 = 0
    public var sessionEpoch: Int32 = -1
    public var topics: [Topic] = []
    public var forgottenTopicsData: [ForgottenTopic] = []
    public var rackId: String = ""

    public init() {}

    public init(
        replicaId: Int32 = -1,
        maxWaitMs: Int32 = 0,
        minBytes: Int32 = 0,
        maxBytes: Int32 = Int32.max,
        isolationLevel: Int8 = 0,
        sessionId: Int32 = 0,
        sessionEpoch: Int32 = -1,
        topics: [Topic] = [],
        forgottenTopicsData: [ForgottenTopic] = [],
        rackId: String = ""
    ) {
        self.replicaId = replicaId
        self.maxWaitMs = maxWaitMs
        self.minBytes = minBytes
        self.maxBytes = maxBytes
        self.isolationLevel = isolationLevel
        self.sessionId = sessionId
        self.sessionEpoch = sessionEpoch
        self.topics = topics
        self.forgottenTopicsData = forgottenTopicsData
        self.rackId = rackId
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.int32(&replicaId, .range(0, 14))
        try m.int32(&maxWaitMs, .all)
        try m.int32(&minBytes, .all)
        try m.int32(&maxBytes, .since(3))
        try m.int8(&isolationLevel, .since(4))
        try m.int32(&sessionId, .since(7))
        try m.int32(&sessionEpoch, .since(7))
        try m.array(&topics, .all)
        try m.array(&forgottenTopicsData, .since(7))
        try m.string(&rackId, .since(11))
    }

    /// The partitions to read in one topic.
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
            try m.string(&topic, .range(0, 12))
            try m.array(&partitions, .all)
        }

        /// Where to read in one partition.
        public struct Partition: KafkaStruct {
            public var partition: Int32 = 0
            public var currentLeaderEpoch: Int32 = -1
            public var fetchOffset: Int64 = 0
            public var lastFetchedEpoch: Int32 = -1
            public var logStartOffset: Int64 = -1
            public var partitionMaxBytes: Int32 = 0

            public init() {}

            public init(
                partition: Int32 = 0,
                currentLeaderEpoch: Int32 = -1,
                fetchOffset: Int64 = 0,
                lastFetchedEpoch: Int32 = -1,
                logStartOffset: Int64 = -1,
                partitionMaxBytes: Int32 = 0
            ) {
                self.partition = partition
                self.currentLeaderEpoch = currentLeaderEpoch
                self.fetchOffset = fetchOffset
                self.lastFetchedEpoch = lastFetchedEpoch
                self.logStartOffset = logStartOffset
                self.partitionMaxBytes = partitionMaxBytes
            }

            public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                try m.int32(&partition, .all)
                try m.int32(&currentLeaderEpoch, .since(9))
                try m.int64(&fetchOffset, .all)
                try m.int32(&lastFetchedEpoch, .since(12))
                try m.int64(&logStartOffset, .since(5))
                try m.int32(&partitionMaxBytes, .all)
            }
        }
    }

    /// Partitions to drop from an incremental fetch session.
    public struct ForgottenTopic: KafkaStruct {
        public var topic: String = ""
        public var partitions: [Int32] = []

        public init() {}

        public init(
            topic: String = "",
            partitions: [Int32] = []
        ) {
            self.topic = topic
            self.partitions = partitions
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.string(&topic, .range(7, 12))
            try m.int32Array(&partitions, .since(7))
        }
    }
}

/// Fetch response (key 1).
public struct FetchResponse: KafkaMessage {
    public static let apiKey = ApiKey.fetch

    public var throttleTimeMs: Int32 = 0
    public var errorCode: KafkaError = .noError
    public var sessionId: Int32 = 0
    public var responses: [Topic] = []

    public init() {}

    public init(
        throttleTimeMs: Int32 = 0,
        errorCode: KafkaError = .noError,
        sessionId: Int32 = 0,
        responses: [Topic] = []
    ) {
        self.throttleTimeMs = throttleTimeMs
        self.errorCode = errorCode
        self.sessionId = sessionId
        self.responses = responses
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.int32(&throttleTimeMs, .since(1))
        try m.errorCode(&errorCode, .since(7))
        try m.int32(&sessionId, .since(7))
        try m.array(&responses, .all)
    }

    /// The data of one topic.
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
            try m.string(&topic, .range(0, 12))
            try m.array(&partitions, .all)
        }

        /// One partition's data. `records` may be `.external` when the broker sends file regions.
        public struct Partition: KafkaStruct {
            public var partitionIndex: Int32 = 0
            public var errorCode: KafkaError = .noError
            public var highWatermark: Int64 = 0
            public var lastStableOffset: Int64 = -1
            public var logStartOffset: Int64 = -1
            public var abortedTransactions: [AbortedTransaction]? = nil
            public var preferredReadReplica: Int32 = -1
            public var records: RecordsPayload? = nil

            public init() {}

            public init(
                partitionIndex: Int32 = 0,
                errorCode: KafkaError = .noError,
                highWatermark: Int64 = 0,
                lastStableOffset: Int64 = -1,
                logStartOffset: Int64 = -1,
                abortedTransactions: [AbortedTransaction]? = nil,
                preferredReadReplica: Int32 = -1,
                records: RecordsPayload? = nil
            ) {
                self.partitionIndex = partitionIndex
                self.errorCode = errorCode
                self.highWatermark = highWatermark
                self.lastStableOffset = lastStableOffset
                self.logStartOffset = logStartOffset
                self.abortedTransactions = abortedTransactions
                self.preferredReadReplica = preferredReadReplica
                self.records = records
            }

            public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                try m.int32(&partitionIndex, .all)
                try m.errorCode(&errorCode, .all)
                try m.int64(&highWatermark, .all)
                try m.int64(&lastStableOffset, .since(4))
                try m.int64(&logStartOffset, .since(5))
                try m.nullableArray(&abortedTransactions, .since(4), nullable: .since(4))
                try m.int32(&preferredReadReplica, .since(11))
                try m.records(&records, .all)
            }

            /// A transaction aborted in the returned range (read_committed).
            public struct AbortedTransaction: KafkaStruct {
                public var producerId: Int64 = 0
                public var firstOffset: Int64 = 0

                public init() {}

                public init(
                    producerId: Int64 = 0,
                    firstOffset: Int64 = 0
                ) {
                    self.producerId = producerId
                    self.firstOffset = firstOffset
                }

                public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                    try m.int64(&producerId, .since(4))
                    try m.int64(&firstOffset, .since(4))
                }
            }
        }
    }
}
