import KafkaProtocol
import Testing

/// Bodies encoded by another implementation (kafka-python's hand-written schemas, in `KafkaPythonVectors.swift`)
/// must decode here and encode back to the same bytes: a field missing, extra, of another type or in another
/// version than theirs leaves bytes over, runs short, or changes the bytes.
@Suite struct IndependentEncodingTests {
    private func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16) ?? 0)
            index = next
        }
        return out
    }

    @Test func kafkaPythonBodiesDecodeAndEncodeBackIdentically() throws {
        var checked = Set<String>()
        for vector in kafkaPythonVectors {
            let api = try #require(ApiKey.allCases.first { "\($0)" == vector.api })
            let body = bytes(vector.body)
            let label = "\(vector.api) v\(vector.version) \(vector.isRequest ? "request" : "response")"
            do {
                if vector.isRequest {
                    let flexible = api.isFlexible(vector.version)
                    let header: [UInt8] =
                        [0, UInt8(api.rawValue), 0, UInt8(vector.version), 0, 0, 0, 9, 0, 1, 0x63]
                        + (flexible ? [0] : [])
                    let (_, request) = try KafkaCodec.decodeRequest(frame: header + body)
                    let encoded = KafkaCodec.encodeRequest(
                        request,
                        version: vector.version,
                        correlationId: 9,
                        clientId: "c"
                    )
                    #expect(Array(encoded.dropFirst(4 + header.count)) == body, "\(label)")
                } else {
                    // Response header v1 (flexible) adds an empty tagged-field section.
                    let header: [UInt8] =
                        [0, 0, 0, 9] + (api.responseHeaderVersion(vector.version) == 1 ? [0] : [])
                    let decoded = try KafkaCodec.decodeResponse(
                        apiKey: api,
                        version: vector.version,
                        frame: header + body
                    )
                    let encoded = KafkaCodec.encodeResponse(decoded.response, version: vector.version, correlationId: 9)
                    #expect(try #require(encoded.flattened()).dropFirst(4 + header.count) == body[...], "\(label)")
                }
            } catch {
                Issue.record("\(label): \(error)")
            }
            checked.insert(label)
        }
        // Every supported version of every API is covered, except those kafka-python's old schemas lack.
        let missing = ApiKey.allCases.flatMap { api in
            api.supportedVersions.flatMap { v in
                ["request", "response"].map { "\(api) v\(v) \($0)" }.filter { !checked.contains($0) }
            }
        }
        #expect(
            missing.sorted() == [
                "createTopics v4 request", "createTopics v4 response", "describeConfigs v3 request",
                "describeConfigs v3 response",
            ]
        )
    }
}
