import KafkaProtocol
import Primitives
import Testing

@Suite struct MalformedInputTests {
    @Test(arguments: ApiKey.allCases)
    func everyTruncatedRequestIsATypedError(key: ApiKey) throws {
        for version in key.supportedVersions {
            for seed: UInt64 in 1...4 {
                let frame = KafkaCodec.encodeRequest(
                    randomRequest(key, version: version, seed: seed),
                    version: version,
                    correlationId: 1,
                    clientId: "c"
                )
                let body = Array(frame[4...])
                for cut in 0..<body.count {
                    #expect(throws: KafkaDecodeError.self) { try KafkaCodec.decodeRequest(frame: body[..<cut]) }
                }
            }
        }
    }

    @Test(arguments: ApiKey.allCases)
    func everyTruncatedResponseIsATypedError(key: ApiKey) throws {
        for version in key.supportedVersions {
            for seed: UInt64 in 1...4 {
                let parts = KafkaCodec.encodeResponse(
                    randomResponse(key, version: version, seed: seed),
                    version: version,
                    correlationId: 1
                )
                let body = Array(try #require(parts.flattened())[4...])
                for cut in 0..<body.count {
                    #expect(throws: KafkaDecodeError.self) {
                        try KafkaCodec.decodeResponse(apiKey: key, version: version, frame: body[..<cut])
                    }
                }
            }
        }
    }

    /// Random bytes, and valid frames with random bytes changed, decode or fail with a typed error; never trap.
    @Test func randomAndMutatedInputNeverTraps() {
        var rng = SeededRandom(seed: 99)
        for _ in 0..<3000 {
            let garbage = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            _ = try? KafkaCodec.decodeRequest(frame: garbage)
            for key in ApiKey.allCases {
                _ = try? KafkaCodec.decodeResponse(
                    apiKey: key,
                    version: key.supportedVersions.upperBound,
                    frame: garbage
                )
            }
        }
        for key in ApiKey.allCases {
            for version in key.supportedVersions {
                for seed: UInt64 in 1...10 {
                    let request = KafkaCodec.encodeRequest(
                        randomRequest(key, version: version, seed: seed),
                        version: version,
                        correlationId: 1,
                        clientId: nil
                    )
                    var body = Array(request[4...])
                    let response = KafkaCodec.encodeResponse(
                        randomResponse(key, version: version, seed: seed),
                        version: version,
                        correlationId: 1
                    ).flattened()!
                    var responseBody = Array(response[4...])
                    for _ in 0..<3 {
                        body[Int.random(in: 0..<body.count, using: &rng)] = .random(in: 0...255, using: &rng)
                        responseBody[Int.random(in: 0..<responseBody.count, using: &rng)] =
                            .random(in: 0...255, using: &rng)
                    }
                    _ = try? KafkaCodec.decodeRequest(frame: body)
                    _ = try? KafkaCodec.decodeResponse(apiKey: key, version: version, frame: responseBody)
                }
            }
        }
    }

    @Test func hugeCountsAndLengthsFailBeforeAllocating() {
        let header: [UInt8] = [0, 3, 0, 1, 0, 0, 0, 5, 0xff, 0xff]  // Metadata v1, correlation 5, null client id
        let metadata = RequestHeader(apiKey: .metadata, apiVersion: 1, correlationId: 5, clientId: nil)
        #expect(throws: KafkaDecodeError.malformedRequest(metadata, .invalidLength(Int(Int32.max)))) {
            try KafkaCodec.decodeRequest(frame: header + [0x7f, 0xff, 0xff, 0xff, 0, 1])
        }
        #expect(throws: KafkaDecodeError.malformedRequest(metadata, .invalidLength(32767))) {
            try KafkaCodec.decodeRequest(frame: header + [0, 0, 0, 1, 0x7f, 0xff, 0x61])
        }
        #expect(throws: KafkaDecodeError.malformedRequest(metadata, .invalidLength(-2))) {
            try KafkaCodec.decodeRequest(frame: header + [0xff, 0xff, 0xff, 0xfe])
        }
        // A null topic name where the schema has no null.
        #expect(throws: KafkaDecodeError.malformedRequest(metadata, .unexpectedNull)) {
            try KafkaCodec.decodeRequest(frame: header + [0, 0, 0, 1, 0xff, 0xff])
        }
        // Produce records claiming 2 GiB.
        var produce = KafkaCodec.encodeRequest(
            .produce(
                ProduceRequest(
                    acks: 1,
                    topicData: [.init(name: "t", partitionData: [.init(index: 0, records: .bytes([1]))])]
                )
            ),
            version: 3,
            correlationId: 1,
            clientId: nil
        )
        produce.removeLast(5)
        produce += [0x7f, 0xff, 0xff, 0xff, 1]
        let produceHeader = RequestHeader(apiKey: .produce, apiVersion: 3, correlationId: 1, clientId: nil)
        #expect(throws: KafkaDecodeError.malformedRequest(produceHeader, .invalidLength(Int(Int32.max)))) {
            try KafkaCodec.decodeRequest(frame: produce[4...])
        }
    }

    @Test func unknownApiKeyAndUnsupportedVersionKeepTheHeader() {
        let unknown: [UInt8] = [0, 99, 0, 0, 0, 0, 0, 4, 0, 1, 0x78, 1, 2, 3]
        #expect(
            throws: KafkaDecodeError.unknownApiKey(
                RequestHeader(apiKey: 99, apiVersion: 0, correlationId: 4, clientId: "x")
            )
        ) {
            try KafkaCodec.decodeRequest(frame: unknown)
        }
        let tooNewFetch: [UInt8] = [0, 1, 0, 99, 0, 0, 0, 4, 0xff, 0xff, 0]
        #expect(
            throws: KafkaDecodeError.unsupportedVersion(
                RequestHeader(apiKey: .fetch, apiVersion: 99, correlationId: 4, clientId: nil)
            )
        ) {
            try KafkaCodec.decodeRequest(frame: tooNewFetch)
        }
    }

    /// librdkafka and kafka-python open with ApiVersions v3/v4; a broker that does not know the version answers
    /// UNSUPPORTED_VERSION in a v0 body with its ranges, and the client reads it whatever version it asked.
    @Test func apiVersionsAtAnUnsupportedVersionIsAnsweredInV0() throws {
        let v4Request: [UInt8] = [
            0, 18, 0, 4, 0, 0, 0, 11, 0, 3, 0x6b, 0x70, 0x79, 0,  // header v2, client id "kpy"
            4, 0x6b, 0x70, 0x79, 4, 0x33, 0x2e, 0x30, 0,  // body (compact strings), not parsed
        ]
        let header: RequestHeader
        do {
            _ = try KafkaCodec.decodeRequest(frame: v4Request)
            Issue.record("v4 must not decode")
            return
        } catch .unsupportedVersion(let h) {
            header = h
        } catch {
            Issue.record("unexpected \(error)")
            return
        }
        #expect(header == RequestHeader(apiKey: .apiVersions, apiVersion: 4, correlationId: 11, clientId: "kpy"))

        let parts = KafkaCodec.unsupportedApiVersionsResponse(correlationId: header.correlationId)
        let frame = try #require(parts.flattened())
        let apiCount = ApiKey.allCases.count
        #expect(frame.count == 4 + 4 + 2 + 4 + 6 * apiCount)
        #expect(Array(frame[4..<14]) == [0, 0, 0, 11, 0, 35, 0, 0, 0, UInt8(apiCount)])

        for askedVersion: Int16 in [0, 1, 2, 3] {
            let decoded = try KafkaCodec.decodeResponse(apiKey: .apiVersions, version: askedVersion, frame: frame[4...])
            guard case .apiVersions(let response) = decoded.response else {
                Issue.record("not an ApiVersions response")
                continue
            }
            #expect(response.errorCode == .unsupportedVersion)
            #expect(response.apiKeys == ApiKey.supportedApiVersions)
        }
    }
}
