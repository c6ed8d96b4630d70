/// One header of a record: a UTF-8 key (never null) and a value that may be null.
public struct RecordHeader: Sendable, Equatable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

/// A record decoded from an uncompressed batch, with its absolute offset and timestamp.
public struct Record: Sendable, Equatable {
    public var offset: Int64
    public var timestamp: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader]
    /// The record's own attributes byte (unused by Kafka so far, kept as read).
    public var attributes: Int8

    public init(
        offset: Int64,
        timestamp: Int64,
        key: [UInt8]?,
        value: [UInt8]?,
        headers: [RecordHeader] = [],
        attributes: Int8 = 0
    ) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
        self.attributes = attributes
    }
}
