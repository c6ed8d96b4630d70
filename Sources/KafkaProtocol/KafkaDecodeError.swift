/// Why bytes could not be decoded. Every malformed input ends in one of these, never in a trap.
public enum KafkaDecodeError: Error, Equatable, Sendable {
    /// The input ended inside a field.
    case truncated
    /// A length or element count is negative (other than −1 for null) or larger than the bytes that remain,
    /// detected before anything is allocated for it.
    case invalidLength(Int)
    /// A null where the field's version does not allow one.
    case unexpectedNull
    /// An unsigned varint runs past the width of its type.
    case malformedVarint
    /// A request for an API this codec does not know; the header is what the broker needs to answer or close.
    case unknownApiKey(RequestHeader)
    /// A request at a version outside the supported range. For ApiVersions the broker answers with
    /// UNSUPPORTED_VERSION in a v0 body (KIP-511); for other APIs Kafka closes the connection.
    case unsupportedVersion(RequestHeader)
    /// A request whose header was read but whose body is malformed (the inner error says how); the header lets
    /// the broker log who sent what before it closes the connection.
    indirect case malformedRequest(RequestHeader, KafkaDecodeError)
    /// A response for an API or version this codec cannot read (client side).
    case unsupportedResponse(apiKey: Int16, version: Int16)
}
