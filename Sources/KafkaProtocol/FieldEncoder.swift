/// Writes the fields a message's `map` lists, for one version.
struct FieldEncoder: KafkaFieldMapper {
    typealias Failure = Never
    let version: Int16
    let isFlexible: Bool
    var writer: KafkaWriter

    mutating func int8(_ value: inout Int8, _ versions: Versions) {
        if versions.contains(version) { writer.int8(value) }
    }
    mutating func int16(_ value: inout Int16, _ versions: Versions) {
        if versions.contains(version) { writer.int16(value) }
    }
    mutating func int32(_ value: inout Int32, _ versions: Versions) {
        if versions.contains(version) { writer.int32(value) }
    }
    mutating func int64(_ value: inout Int64, _ versions: Versions) {
        if versions.contains(version) { writer.int64(value) }
    }
    mutating func bool(_ value: inout Bool, _ versions: Versions) {
        if versions.contains(version) { writer.bool(value) }
    }

    /// A null in a version that has no null is written as the empty string.
    mutating func nullableString(_ value: inout String?, _ versions: Versions, nullable: Versions) {
        guard versions.contains(version) else { return }
        writer.nullableString(value ?? (nullable.contains(version) ? nil : ""), compact: isFlexible)
    }

    mutating func records(_ value: inout RecordsPayload?, _ versions: Versions) {
        guard versions.contains(version) else { return }
        switch value {
        case nil:
            writer.length(nil, compact: isFlexible, wide: true)
        case .bytes(let bytes):
            writer.length(bytes.count, compact: isFlexible, wide: true)
            writer.rawBytes(bytes)
        case .external(let token, let length):
            writer.length(length, compact: isFlexible, wide: true)
            writer.external(token: token, length: length)
        }
    }

    mutating func int32Array(_ value: inout [Int32], _ versions: Versions) {
        guard versions.contains(version) else { return }
        writer.length(value.count, compact: isFlexible, wide: true)
        for element in value { writer.int32(element) }
    }

    mutating func nullableStringArray(_ value: inout [String]?, _ versions: Versions, nullable: Versions) {
        guard versions.contains(version) else { return }
        let array = value ?? (nullable.contains(version) ? nil : [])
        writer.length(array?.count, compact: isFlexible, wide: true)
        for element in array ?? [] { writer.nullableString(element, compact: isFlexible) }
    }

    mutating func nullableArray<Element: KafkaStruct>(
        _ value: inout [Element]?,
        _ versions: Versions,
        nullable: Versions
    ) {
        guard versions.contains(version) else { return }
        let array = value ?? (nullable.contains(version) ? nil : [])
        writer.length(array?.count, compact: isFlexible, wide: true)
        for var element in array ?? [] {
            element.map(&self)
            if isFlexible { writer.emptyTaggedFields() }
        }
    }

    /// A whole message body, with its trailing tagged fields in flexible versions.
    mutating func message<Message: KafkaStruct>(_ message: Message) {
        var copy = message
        copy.map(&self)
        if isFlexible { writer.emptyTaggedFields() }
    }
}
