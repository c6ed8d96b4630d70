/// The codec's entry points. Frames passed in exclude the 4-byte size prefix (the shell's framing strips it);
/// frames produced include it.
public enum KafkaCodec {
    // MARK: Broker side

    /// Decodes a request. An unknown API key or a version outside `ApiKey.supportedVersions` throws
    /// `.unknownApiKey(header)` / `.unsupportedVersion(header)` with the parsed header, so the broker can answer
    /// ApiVersions with UNSUPPORTED_VERSION (`unsupportedApiVersionsResponse`) and close the connection for others.
    /// A malformed body throws `.malformedRequest(header, reason)`; a frame too short for a header, `.truncated`.
    public static func decodeRequest(
        frame: ArraySlice<UInt8>
    ) throws(KafkaDecodeError) -> (header: RequestHeader, request: KafkaRequest) {
        var reader = KafkaReader(frame)
        let header = try RequestHeader.decodeCommonPart(&reader)
        guard let apiKey = header.knownApiKey else { throw .unknownApiKey(header) }
        guard apiKey.supportedVersions.contains(header.apiVersion) else { throw .unsupportedVersion(header) }
        let flexible = apiKey.isFlexible(header.apiVersion)
        do {
            if flexible { try reader.skipTaggedFields() }
            var decoder = FieldDecoder(version: header.apiVersion, isFlexible: flexible, reader: reader)
            return (header, try KafkaRequest.decode(apiKey, from: &decoder))
        } catch {
            throw .malformedRequest(header, error)
        }
    }

    public static func decodeRequest(
        frame: [UInt8]
    ) throws(KafkaDecodeError) -> (header: RequestHeader, request: KafkaRequest) {
        try decodeRequest(frame: frame[...])
    }

    /// Encodes a response to the request with `header`, at the request's version, size prefix included.
    public static func encodeResponse(_ response: KafkaResponse, header: RequestHeader) -> [EncodedPart] {
        encodeResponse(response, version: header.apiVersion, correlationId: header.correlationId)
    }

    public static func encodeResponse(_ response: KafkaResponse, version: Int16, correlationId: Int32) -> [EncodedPart]
    {
        let apiKey = response.apiKey
        let flexible = apiKey.isFlexible(version)
        let capacity = 512 + response.inlineRecordsByteCount
        var encoder = FieldEncoder(
            version: version,
            isFlexible: flexible,
            writer: KafkaWriter(reservingCapacity: capacity)
        )
        encoder.writer.int32(correlationId)
        if apiKey.responseHeaderVersion(version) >= 1 { encoder.writer.emptyTaggedFields() }
        response.encode(into: &encoder)
        return encoder.writer.finish()
    }

    /// The answer to an ApiVersions request at a version the broker does not support: UNSUPPORTED_VERSION with the
    /// broker's ranges in a v0 body, so the client can retry at a version both sides know (KIP-511).
    public static func unsupportedApiVersionsResponse(
        correlationId: Int32,
        apiKeys: [ApiVersionsResponse.ApiVersion] = ApiKey.supportedApiVersions
    ) -> [EncodedPart] {
        encodeResponse(
            .apiVersions(ApiVersionsResponse(errorCode: .unsupportedVersion, apiKeys: apiKeys)),
            version: 0,
            correlationId: correlationId
        )
    }

    // MARK: Client side

    /// Encodes a request, size prefix included. `.external` records (broker-side only) are written as zeros.
    public static func encodeRequest(
        _ request: KafkaRequest,
        version: Int16,
        correlationId: Int32,
        clientId: String?
    ) -> [UInt8] {
        let apiKey = request.apiKey
        let flexible = apiKey.isFlexible(version)
        let capacity = 512 + request.inlineRecordsByteCount
        var encoder = FieldEncoder(
            version: version,
            isFlexible: flexible,
            writer: KafkaWriter(reservingCapacity: capacity)
        )
        let header = RequestHeader(
            apiKey: apiKey,
            apiVersion: version,
            correlationId: correlationId,
            clientId: clientId
        )
        header.encode(into: &encoder.writer, flexible: flexible)
        request.encode(into: &encoder)
        let parts = encoder.writer.finish()
        if parts.count == 1, case .bytes(let bytes) = parts[0] { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(parts.byteCount)
        for part in parts {
            switch part {
            case .bytes(let bytes): out.append(contentsOf: bytes)
            case .external(_, let length): out.append(contentsOf: repeatElement(0, count: length))
            }
        }
        return out
    }

    /// The correlation id of a response frame, read before the client knows which request it answers.
    public static func correlationId(ofResponse frame: ArraySlice<UInt8>) throws(KafkaDecodeError) -> Int32 {
        var reader = KafkaReader(frame)
        return try reader.int32()
    }

    /// Decodes a response to a request of `apiKey` at `version`. An ApiVersions response carrying
    /// UNSUPPORTED_VERSION is read as v0, which is how brokers send it.
    public static func decodeResponse(
        apiKey: ApiKey,
        version: Int16,
        frame: ArraySlice<UInt8>
    ) throws(KafkaDecodeError) -> (correlationId: Int32, response: KafkaResponse) {
        var reader = KafkaReader(frame)
        let correlationId = try reader.int32()
        var bodyVersion = version
        if apiKey == .apiVersions {
            var peek = reader
            if version > 0, (try? peek.int16()) == KafkaError.unsupportedVersion.rawValue { bodyVersion = 0 }
        } else if apiKey.responseHeaderVersion(version) >= 1 {
            try reader.skipTaggedFields()
        }
        guard apiKey.supportedVersions.contains(bodyVersion) else {
            throw .unsupportedResponse(apiKey: apiKey.rawValue, version: version)
        }
        var decoder = FieldDecoder(version: bodyVersion, isFlexible: apiKey.isFlexible(bodyVersion), reader: reader)
        return (correlationId, try KafkaResponse.decode(apiKey, from: &decoder))
    }

    public static func decodeResponse(
        apiKey: ApiKey,
        version: Int16,
        frame: [UInt8]
    ) throws(KafkaDecodeError) -> (correlationId: Int32, response: KafkaResponse) {
        try decodeResponse(apiKey: apiKey, version: version, frame: frame[...])
    }
}
