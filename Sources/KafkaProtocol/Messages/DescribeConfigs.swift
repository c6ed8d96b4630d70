/// DescribeConfigs request (key 32).
public struct DescribeConfigsRequest: KafkaMessage {
    public static let apiKey = ApiKey.describeConfigs

    public var resources: [Resource] = []
    public var includeSynonyms: Bool = false
    public var includeDocumentation: Bool = false

    public init() {}

    public init(
        resources: [Resource] = [],
        includeSynonyms: Bool = false,
        includeDocumentation: Bool = false
    ) {
        self.resources = resources
        self.includeSynonyms = includeSynonyms
        self.includeDocumentation = includeDocumentation
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.array(&resources, .all)
        try m.bool(&includeSynonyms, .since(1))
        try m.bool(&includeDocumentation, .since(3))
    }

    /// A resource to describe (type 2 = topic, 4 = broker); nil keys means every config.
    public struct Resource: KafkaStruct {
        public var resourceType: Int8 = 0
        public var resourceName: String = ""
        public var configurationKeys: [String]? = nil

        public init() {}

        public init(
            resourceType: Int8 = 0,
            resourceName: String = "",
            configurationKeys: [String]? = nil
        ) {
            self.resourceType = resourceType
            self.resourceName = resourceName
            self.configurationKeys = configurationKeys
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.int8(&resourceType, .all)
            try m.string(&resourceName, .all)
            try m.nullableStringArray(&configurationKeys, .all, nullable: .all)
        }
    }
}

/// DescribeConfigs response (key 32).
public struct DescribeConfigsResponse: KafkaMessage {
    public static let apiKey = ApiKey.describeConfigs

    public var throttleTimeMs: Int32 = 0
    public var results: [Result] = []

    public init() {}

    public init(
        throttleTimeMs: Int32 = 0,
        results: [Result] = []
    ) {
        self.throttleTimeMs = throttleTimeMs
        self.results = results
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.int32(&throttleTimeMs, .all)
        try m.array(&results, .all)
    }

    /// The configs of one resource.
    public struct Result: KafkaStruct {
        public var errorCode: KafkaError = .noError
        public var errorMessage: String? = nil
        public var resourceType: Int8 = 0
        public var resourceName: String = ""
        public var configs: [Config] = []

        public init() {}

        public init(
            errorCode: KafkaError = .noError,
            errorMessage: String? = nil,
            resourceType: Int8 = 0,
            resourceName: String = "",
            configs: [Config] = []
        ) {
            self.errorCode = errorCode
            self.errorMessage = errorMessage
            self.resourceType = resourceType
            self.resourceName = resourceName
            self.configs = configs
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.errorCode(&errorCode, .all)
            try m.nullableString(&errorMessage, .all, nullable: .all)
            try m.int8(&resourceType, .all)
            try m.string(&resourceName, .all)
            try m.array(&configs, .all)
        }

        /// One config and its value.
        public struct Config: KafkaStruct {
            public var name: String = ""
            public var value: String? = nil
            public var readOnly: Bool = false
            public var isDefault: Bool = false
            public var configSource: Int8 = -1
            public var isSensitive: Bool = false
            public var synonyms: [Synonym] = []
            public var configType: Int8 = 0
            public var documentation: String? = nil

            public init() {}

            public init(
                name: String = "",
                value: String? = nil,
                readOnly: Bool = false,
                isDefault: Bool = false,
                configSource: Int8 = -1,
                isSensitive: Bool = false,
                synonyms: [Synonym] = [],
                configType: Int8 = 0,
                documentation: String? = nil
            ) {
                self.name = name
                self.value = value
                self.readOnly = readOnly
                self.isDefault = isDefault
                self.configSource = configSource
                self.isSensitive = isSensitive
                self.synonyms = synonyms
                self.configType = configType
                self.documentation = documentation
            }

            public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                try m.string(&name, .all)
                try m.nullableString(&value, .all, nullable: .all)
                try m.bool(&readOnly, .all)
                try m.bool(&isDefault, .only(0))
                try m.int8(&configSource, .since(1))
                try m.bool(&isSensitive, .all)
                try m.array(&synonyms, .since(1))
                try m.int8(&configType, .since(3))
                try m.nullableString(&documentation, .since(3), nullable: .all)
            }

            /// Where else a config's value could come from.
            public struct Synonym: KafkaStruct {
                public var name: String = ""
                public var value: String? = nil
                public var source: Int8 = 0

                public init() {}

                public init(
                    name: String = "",
                    value: String? = nil,
                    source: Int8 = 0
                ) {
                    self.name = name
                    self.value = value
                    self.source = source
                }

                public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
                    try m.string(&name, .since(1))
                    try m.nullableString(&value, .since(1), nullable: .all)
                    try m.int8(&source, .since(1))
                }
            }
        }
    }
}
