/// ApiVersions request (key 18). v3+ is flexible and names the client software.
public struct ApiVersionsRequest: KafkaMessage {
    public static let apiKey = ApiKey.apiVersions

    public var clientSoftwareName: String = ""
    public var clientSoftwareVersion: String = ""

    public init() {}

    public init(
        clientSoftwareName: String = "",
        clientSoftwareVersion: String = ""
    ) {
        self.clientSoftwareName = clientSoftwareName
        self.clientSoftwareVersion = clientSoftwareVersion
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.string(&clientSoftwareName, .since(3))
        try m.string(&clientSoftwareVersion, .since(3))
    }
}

/// ApiVersions response (key 18). Its header is always v0 (KIP-511); the tagged feature
/// fields of v3+ are skipped when read and not written.
public struct ApiVersionsResponse: KafkaMessage {
    public static let apiKey = ApiKey.apiVersions

    public var errorCode: KafkaError = .noError
    public var apiKeys: [ApiVersion] = []
    public var throttleTimeMs: Int32 = 0

    public init() {}

    public init(
        errorCode: KafkaError = .noError,
        apiKeys: [ApiVersion] = [],
        throttleTimeMs: Int32 = 0
    ) {
        self.errorCode = errorCode
        self.apiKeys = apiKeys
        self.throttleTimeMs = throttleTimeMs
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.errorCode(&errorCode, .all)
        try m.array(&apiKeys, .all)
        try m.int32(&throttleTimeMs, .since(1))
    }

    /// One API the broker supports, with its version range.
    public struct ApiVersion: KafkaStruct {
        public var apiKey: Int16 = 0
        public var minVersion: Int16 = 0
        public var maxVersion: Int16 = 0

        public init() {}

        public init(
            apiKey: Int16 = 0,
            minVersion: Int16 = 0,
            maxVersion: Int16 = 0
        ) {
            self.apiKey = apiKey
            self.minVersion = minVersion
            self.maxVersion = maxVersion
        }

        public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
            try m.int16(&apiKey, .all)
            try m.int16(&minVersion, .all)
            try m.int16(&maxVersion, .all)
        }
    }
}
