/// InitProducerId request (key 22): an idempotent (null transactional id) or transactional producer
/// asks for its producer id and epoch.
public struct InitProducerIdRequest: KafkaMessage {
    public static let apiKey = ApiKey.initProducerId

    public var transactionalId: String? = nil
    public var transactionTimeoutMs: Int32 = 0

    public init() {}

    public init(
        transactionalId: String? = nil,
        transactionTimeoutMs: Int32 = 0
    ) {
        self.transactionalId = transactionalId
        self.transactionTimeoutMs = transactionTimeoutMs
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.nullableString(&transactionalId, .all, nullable: .all)
        try m.int32(&transactionTimeoutMs, .all)
    }
}

/// InitProducerId response (key 22).
public struct InitProducerIdResponse: KafkaMessage {
    public static let apiKey = ApiKey.initProducerId

    public var throttleTimeMs: Int32 = 0
    public var errorCode: KafkaError = .noError
    public var producerId: Int64 = -1
    public var producerEpoch: Int16 = 0

    public init() {}

    public init(
        throttleTimeMs: Int32 = 0,
        errorCode: KafkaError = .noError,
        producerId: Int64 = -1,
        producerEpoch: Int16 = 0
    ) {
        self.throttleTimeMs = throttleTimeMs
        self.errorCode = errorCode
        self.producerId = producerId
        self.producerEpoch = producerEpoch
    }

    public mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure) {
        try m.int32(&throttleTimeMs, .all)
        try m.errorCode(&errorCode, .all)
        try m.int64(&producerId, .all)
        try m.int16(&producerEpoch, .all)
    }
}
