/// One description of a message's fields serves both directions: a message's `map` lists its fields in wire order
/// with the versions they exist in, and the mapper either writes each value (encoding) or reads it (decoding).
/// Fields outside their versions are skipped: they keep their default when decoding and are not written.
/// Each struct's tagged-field section (flexible versions) is handled by the mapper, not listed by the struct.
public protocol KafkaFieldMapper {
    associatedtype Failure: Error
    /// The version being encoded or decoded.
    var version: Int16 { get }
    /// Whether this version of the message is flexible (compact lengths, tagged fields).
    var isFlexible: Bool { get }

    mutating func int8(_ value: inout Int8, _ versions: Versions) throws(Failure)
    mutating func int16(_ value: inout Int16, _ versions: Versions) throws(Failure)
    mutating func int32(_ value: inout Int32, _ versions: Versions) throws(Failure)
    mutating func int64(_ value: inout Int64, _ versions: Versions) throws(Failure)
    mutating func bool(_ value: inout Bool, _ versions: Versions) throws(Failure)
    /// A string that may be null in `nullable` versions (Kafka's "nullableVersions").
    mutating func nullableString(_ value: inout String?, _ versions: Versions, nullable: Versions) throws(Failure)
    /// A `records` field (always nullable in Kafka's schemas).
    mutating func records(_ value: inout RecordsPayload?, _ versions: Versions) throws(Failure)
    mutating func int32Array(_ value: inout [Int32], _ versions: Versions) throws(Failure)
    mutating func nullableStringArray(
        _ value: inout [String]?,
        _ versions: Versions,
        nullable: Versions
    ) throws(Failure)
    mutating func nullableArray<Element: KafkaStruct>(
        _ value: inout [Element]?,
        _ versions: Versions,
        nullable: Versions
    ) throws(Failure)
}

extension KafkaFieldMapper {
    /// A non-nullable string.
    public mutating func string(_ value: inout String, _ versions: Versions) throws(Failure) {
        var optional: String? = value
        try nullableString(&optional, versions, nullable: .none)
        value = optional ?? ""
    }

    public mutating func stringArray(_ value: inout [String], _ versions: Versions) throws(Failure) {
        var optional: [String]? = value
        try nullableStringArray(&optional, versions, nullable: .none)
        value = optional ?? []
    }

    /// A non-nullable array of structs.
    public mutating func array<Element: KafkaStruct>(_ value: inout [Element], _ versions: Versions) throws(Failure) {
        var optional: [Element]? = value
        value = []  // keep the elements uniquely referenced while the mapper works on them
        try nullableArray(&optional, versions, nullable: .none)
        value = optional ?? []
    }

    /// An error code, typed.
    public mutating func errorCode(_ value: inout KafkaError, _ versions: Versions) throws(Failure) {
        var raw = value.rawValue
        try int16(&raw, versions)
        value = KafkaError(rawValue: raw)
    }
}

/// A struct of a message (or the message itself): default-constructible, and described once by `map`.
public protocol KafkaStruct: Equatable, Sendable {
    init()
    mutating func map<Mapper: KafkaFieldMapper>(_ m: inout Mapper) throws(Mapper.Failure)
}

/// A request or response body.
public protocol KafkaMessage: KafkaStruct {
    static var apiKey: ApiKey { get }
}
