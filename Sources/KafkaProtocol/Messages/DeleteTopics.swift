/// DeleteTopics request (key 20).
public struct DeleteTopicsRequest: KafkaMessage {
    public static let apiKey = ApiKey.deleteTopics

    public var topicNames: [String] = []
    public var timeoutMs: Int32 = 0

    public init() {}

    public init(
        topicNames: [String] = [],
        timeoutMs: Int32 = 0
    ) {
        self.topicNames = topicNames
        self.timeoutMs = timeoutMs
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.stringArray(&topicNames, .range(0, 5))
        try m.int32(&timeoutMs, .all)
    }
}

/// DeleteTopics response (key 20).
public struct DeleteTopicsResponse: KafkaMessage {
    public static let apiKey = ApiKey.deleteTopics

    public var throttleTimeMs: Int32 = 0
    public var responses: [Topic] = []

    public init() {}

    public init(
        throttleTimeMs: Int32 = 0,
        responses: [Topic] = []
    ) {
        self.throttleTimeMs = throttleTimeMs
        self.responses = responses
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.int32(&throttleTimeMs, .since(1))
        try m.array(&responses, .all)
    }

    /// The outcome for one topic.
    public struct Topic: KafkaStruct {
        public var name: String = ""
        public var errorCode: KafkaError = .noError

        public init() {}

        public init(
            name: String = "",
            errorCode: KafkaError = .noError
        ) {
            self.name = name
            self.errorCode = errorCode
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.string(&name, .all)
            try m.errorCode(&errorCode, .all)
        }
    }
}
