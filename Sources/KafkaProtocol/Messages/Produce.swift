/// Produce request (key 0). Records are opaque record-batch bytes to the codec.
public struct ProduceRequest: KafkaMessage {
    public static let apiKey = ApiKey.produce

    public var transactionalId: String? = nil
    public var acks: Int16 = 0
    public var timeoutMs: Int32 = 0
    public var topicData: [Topic] = []

    public init() {}

    public init(
        transactionalId: String? = nil,
        acks: Int16 = 0,
        timeoutMs: Int32 = 0,
        topicData: [Topic] = []
    ) {
        self.transactionalId = transactionalId
        self.acks = acks
        self.timeoutMs = timeoutMs
        self.topicData = topicData
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.nullableString(&transactionalId, .since(3), nullable: .since(3))
        try m.int16(&acks, .all)
        try m.int32(&timeoutMs, .all)
        try m.array(&topicData, .all)
    }

    /// The partitions written in one topic.
    public struct Topic: KafkaStruct {
        public var name: String = ""
        public var partitionData: [Partition] = []

        public init() {}

        public init(
            name: String = "",
            partitionData: [Partition] = []
        ) {
            self.name = name
            self.partitionData = partitionData
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.string(&name, .all)
            try m.array(&partitionData, .all)
        }

        /// One partition's record batches.
        public struct Partition: KafkaStruct {
            public var index: Int32 = 0
            public var records: RecordsPayload? = nil

            public init() {}

            public init(
                index: Int32 = 0,
                records: RecordsPayload? = nil
            ) {
                self.index = index
                self.records = records
            }

            public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                try m.int32(&index, .all)
                try m.records(&records, .all)
            }
        }
    }
}

/// Produce response (key 0). Not sent for acks = 0.
public struct ProduceResponse: KafkaMessage {
    public static let apiKey = ApiKey.produce

    public var responses: [Topic] = []
    public var throttleTimeMs: Int32 = 0

    public init() {}

    public init(
        responses: [Topic] = [],
        throttleTimeMs: Int32 = 0
    ) {
        self.responses = responses
        self.throttleTimeMs = throttleTimeMs
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.array(&responses, .all)
        try m.int32(&throttleTimeMs, .since(1))
    }

    /// The outcomes in one topic.
    public struct Topic: KafkaStruct {
        public var name: String = ""
        public var partitionResponses: [Partition] = []

        public init() {}

        public init(
            name: String = "",
            partitionResponses: [Partition] = []
        ) {
            self.name = name
            self.partitionResponses = partitionResponses
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.string(&name, .all)
            try m.array(&partitionResponses, .all)
        }

        /// The outcome for one partition.
        public struct Partition: KafkaStruct {
            public var index: Int32 = 0
            public var errorCode: KafkaError = .noError
            public var baseOffset: Int64 = 0
            public var logAppendTimeMs: Int64 = -1
            public var logStartOffset: Int64 = -1
            public var recordErrors: [RecordError] = []
            public var errorMessage: String? = nil

            public init() {}

            public init(
                index: Int32 = 0,
                errorCode: KafkaError = .noError,
                baseOffset: Int64 = 0,
                logAppendTimeMs: Int64 = -1,
                logStartOffset: Int64 = -1,
                recordErrors: [RecordError] = [],
                errorMessage: String? = nil
            ) {
                self.index = index
                self.errorCode = errorCode
                self.baseOffset = baseOffset
                self.logAppendTimeMs = logAppendTimeMs
                self.logStartOffset = logStartOffset
                self.recordErrors = recordErrors
                self.errorMessage = errorMessage
            }

            public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                try m.int32(&index, .all)
                try m.errorCode(&errorCode, .all)
                try m.int64(&baseOffset, .all)
                try m.int64(&logAppendTimeMs, .since(2))
                try m.int64(&logStartOffset, .since(5))
                try m.array(&recordErrors, .since(8))
                try m.nullableString(&errorMessage, .since(8), nullable: .since(8))
            }

            /// A record that made its batch fail.
            public struct RecordError: KafkaStruct {
                public var batchIndex: Int32 = 0
                public var batchIndexErrorMessage: String? = nil

                public init() {}

                public init(
                    batchIndex: Int32 = 0,
                    batchIndexErrorMessage: String? = nil
                ) {
                    self.batchIndex = batchIndex
                    self.batchIndexErrorMessage = batchIndexErrorMessage
                }

                public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                    try m.int32(&batchIndex, .since(8))
                    try m.nullableString(&batchIndexErrorMessage, .since(8), nullable: .since(8))
                }
            }
        }
    }
}
