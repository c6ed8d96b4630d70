/// Reads the fields a message's `map` lists, for one version, into a default-constructed message.
struct FieldDecoder: KafkaFieldMapper {
    typealias Failure = KafkaDecodeError
    let version: Int16
    let isFlexible: Bool
    var reader: KafkaReader

    mutating func int8(_ value: inout Int8, _ versions: Versions) throws(KafkaDecodeError) {
        if versions.contains(version) { value = try reader.int8() }
    }
    mutating func int16(_ value: inout Int16, _ versions: Versions) throws(KafkaDecodeError) {
        if versions.contains(version) { value = try reader.int16() }
    }
    mutating func int32(_ value: inout Int32, _ versions: Versions) throws(KafkaDecodeError) {
        if versions.contains(version) { value = try reader.int32() }
    }
    mutating func int64(_ value: inout Int64, _ versions: Versions) throws(KafkaDecodeError) {
        if versions.contains(version) { value = try reader.int64() }
    }
    mutating func bool(_ value: inout Bool, _ versions: Versions) throws(KafkaDecodeError) {
        if versions.contains(version) { value = try reader.bool() }
    }

    mutating func nullableString(
        _ value: inout String?,
        _ versions: Versions,
        nullable: Versions
    ) throws(KafkaDecodeError) {
        guard versions.contains(version) else { return }
        value = try reader.nullableString(compact: isFlexible)
        if value == nil, !nullable.contains(version) { throw .unexpectedNull }
    }

    mutating func records(_ value: inout RecordsPayload?, _ versions: Versions) throws(KafkaDecodeError) {
        guard versions.contains(version) else { return }
        value = try reader.nullableBytes(compact: isFlexible).map { .bytes($0) }
    }

    mutating func int32Array(_ value: inout [Int32], _ versions: Versions) throws(KafkaDecodeError) {
        guard versions.contains(version) else { return }
        guard let count = try reader.length(compact: isFlexible, wide: true, minElementSize: 4) else {
            throw .unexpectedNull
        }
        var array: [Int32] = []
        array.reserveCapacity(count)
        for _ in 0..<count { array.append(try reader.int32()) }
        value = array
    }

    mutating func nullableStringArray(
        _ value: inout [String]?,
        _ versions: Versions,
        nullable: Versions
    ) throws(KafkaDecodeError) {
        guard versions.contains(version) else { return }
        guard let count = try reader.length(compact: isFlexible, wide: true) else {
            if !nullable.contains(version) { throw .unexpectedNull }
            value = nil
            return
        }
        var array: [String] = []
        array.reserveCapacity(count)
        for _ in 0..<count {
            guard let element = try reader.nullableString(compact: isFlexible) else { throw .unexpectedNull }
            array.append(element)
        }
        value = array
    }

    mutating func nullableArray<Element: KafkaStruct>(
        _ value: inout [Element]?,
        _ versions: Versions,
        nullable: Versions
    ) throws(KafkaDecodeError) {
        guard versions.contains(version) else { return }
        guard let count = try reader.length(compact: isFlexible, wide: true) else {
            if !nullable.contains(version) { throw .unexpectedNull }
            value = nil
            return
        }
        var array: [Element] = []
        array.reserveCapacity(count)
        for _ in 0..<count {
            var element = Element()
            try element.map(&self)
            if isFlexible { try reader.skipTaggedFields() }
            array.append(element)
        }
        value = array
    }

    /// A whole message body, with its trailing tagged fields in flexible versions.
    mutating func message<Message: KafkaStruct>(_: Message.Type) throws(KafkaDecodeError) -> Message {
        var message = Message()
        try message.map(&self)
        if isFlexible { try reader.skipTaggedFields() }
        return message
    }
}
