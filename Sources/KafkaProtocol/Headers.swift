/// Request header v1/v2: v2 (flexible versions) only adds a tagged-field section; the client id stays a
/// classic nullable string in both.
public struct RequestHeader: Equatable, Sendable {
    /// Raw, so a request for an unknown API still yields its header.
    public var apiKey: Int16
    public var apiVersion: Int16
    public var correlationId: Int32
    public var clientId: String?

    public init(apiKey: Int16, apiVersion: Int16, correlationId: Int32, clientId: String?) {
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.correlationId = correlationId
        self.clientId = clientId
    }

    public init(apiKey: ApiKey, apiVersion: Int16, correlationId: Int32, clientId: String?) {
        self.init(apiKey: apiKey.rawValue, apiVersion: apiVersion, correlationId: correlationId, clientId: clientId)
    }

    /// The API, when this codec knows it.
    public var knownApiKey: ApiKey? { ApiKey(rawValue: apiKey) }

    /// Reads the common part (key, version, correlation id, client id); the caller reads the tagged fields of
    /// header v2 once it knows the request is flexible.
    static func decodeCommonPart(_ reader: inout KafkaReader) throws(KafkaDecodeError) -> RequestHeader {
        let apiKey = try reader.int16()
        let apiVersion = try reader.int16()
        let correlationId = try reader.int32()
        let clientId = try reader.nullableString(compact: false)
        return RequestHeader(apiKey: apiKey, apiVersion: apiVersion, correlationId: correlationId, clientId: clientId)
    }

    func encode(into writer: inout KafkaWriter, flexible: Bool) {
        writer.int16(apiKey)
        writer.int16(apiVersion)
        writer.int32(correlationId)
        writer.nullableString(clientId, compact: false)
        if flexible { writer.emptyTaggedFields() }
    }
}
