/// Metadata request (key 3). `topics` nil (v1+) means every topic; in v0 an empty list does.
public struct MetadataRequest: KafkaMessage {
    public static let apiKey = ApiKey.metadata

    public var topics: [Topic]? = nil
    public var allowAutoTopicCreation: Bool = true
    public var includeClusterAuthorizedOperations: Bool = false
    public var includeTopicAuthorizedOperations: Bool = false

    public init() {}

    public init(
        topics: [Topic]? = nil,
        allowAutoTopicCreation: Bool = true,
        includeClusterAuthorizedOperations: Bool = false,
        includeTopicAuthorizedOperations: Bool = false
    ) {
        self.topics = topics
        self.allowAutoTopicCreation = allowAutoTopicCreation
        self.includeClusterAuthorizedOperations = includeClusterAuthorizedOperations
        self.includeTopicAuthorizedOperations = includeTopicAuthorizedOperations
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.nullableArray(&topics, .all, nullable: .since(1))
        try m.bool(&allowAutoTopicCreation, .since(4))
        try m.bool(&includeClusterAuthorizedOperations, .range(8, 10))
        try m.bool(&includeTopicAuthorizedOperations, .since(8))
    }

    /// A topic to describe.
    public struct Topic: KafkaStruct {
        public var name: String = ""

        public init() {}

        public init(
            name: String = ""
        ) {
            self.name = name
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.string(&name, .all)
        }
    }
}

/// Metadata response (key 3).
public struct MetadataResponse: KafkaMessage {
    public static let apiKey = ApiKey.metadata

    public var throttleTimeMs: Int32 = 0
    public var brokers: [Broker] = []
    public var clusterId: String? = nil
    public var controllerId: Int32 = -1
    public var topics: [Topic] = []
    public var clusterAuthorizedOperations: Int32 = Int32.min

    public init() {}

    public init(
        throttleTimeMs: Int32 = 0,
        brokers: [Broker] = [],
        clusterId: String? = nil,
        controllerId: Int32 = -1,
        topics: [Topic] = [],
        clusterAuthorizedOperations: Int32 = Int32.min
    ) {
        self.throttleTimeMs = throttleTimeMs
        self.brokers = brokers
        self.clusterId = clusterId
        self.controllerId = controllerId
        self.topics = topics
        self.clusterAuthorizedOperations = clusterAuthorizedOperations
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.int32(&throttleTimeMs, .since(3))
        try m.array(&brokers, .all)
        try m.nullableString(&clusterId, .since(2), nullable: .since(2))
        try m.int32(&controllerId, .since(1))
        try m.array(&topics, .all)
        try m.int32(&clusterAuthorizedOperations, .range(8, 10))
    }

    /// A broker of the cluster.
    public struct Broker: KafkaStruct {
        public var nodeId: Int32 = 0
        public var host: String = ""
        public var port: Int32 = 0
        public var rack: String? = nil

        public init() {}

        public init(
            nodeId: Int32 = 0,
            host: String = "",
            port: Int32 = 0,
            rack: String? = nil
        ) {
            self.nodeId = nodeId
            self.host = host
            self.port = port
            self.rack = rack
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.int32(&nodeId, .all)
            try m.string(&host, .all)
            try m.int32(&port, .all)
            try m.nullableString(&rack, .since(1), nullable: .since(1))
        }
    }

    /// A topic and its partitions.
    public struct Topic: KafkaStruct {
        public var errorCode: KafkaError = .noError
        public var name: String = ""
        public var isInternal: Bool = false
        public var partitions: [Partition] = []
        public var topicAuthorizedOperations: Int32 = Int32.min

        public init() {}

        public init(
            errorCode: KafkaError = .noError,
            name: String = "",
            isInternal: Bool = false,
            partitions: [Partition] = [],
            topicAuthorizedOperations: Int32 = Int32.min
        ) {
            self.errorCode = errorCode
            self.name = name
            self.isInternal = isInternal
            self.partitions = partitions
            self.topicAuthorizedOperations = topicAuthorizedOperations
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.errorCode(&errorCode, .all)
            try m.string(&name, .all)
            try m.bool(&isInternal, .since(1))
            try m.array(&partitions, .all)
            try m.int32(&topicAuthorizedOperations, .since(8))
        }

        /// A partition with its leader, replicas and in-sync replicas.
        public struct Partition: KafkaStruct {
            public var errorCode: KafkaError = .noError
            public var partitionIndex: Int32 = 0
            public var leaderId: Int32 = 0
            public var leaderEpoch: Int32 = -1
            public var replicaNodes: [Int32] = []
            public var isrNodes: [Int32] = []
            public var offlineReplicas: [Int32] = []

            public init() {}

            public init(
                errorCode: KafkaError = .noError,
                partitionIndex: Int32 = 0,
                leaderId: Int32 = 0,
                leaderEpoch: Int32 = -1,
                replicaNodes: [Int32] = [],
                isrNodes: [Int32] = [],
                offlineReplicas: [Int32] = []
            ) {
                self.errorCode = errorCode
                self.partitionIndex = partitionIndex
                self.leaderId = leaderId
                self.leaderEpoch = leaderEpoch
                self.replicaNodes = replicaNodes
                self.isrNodes = isrNodes
                self.offlineReplicas = offlineReplicas
            }

            public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                try m.errorCode(&errorCode, .all)
                try m.int32(&partitionIndex, .all)
                try m.int32(&leaderId, .all)
                try m.int32(&leaderEpoch, .since(7))
                try m.int32Array(&replicaNodes, .all)
                try m.int32Array(&isrNodes, .all)
                try m.int32Array(&offlineReplicas, .since(5))
            }
        }
    }
}
