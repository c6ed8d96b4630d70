import KafkaProtocol
import NIOCore
import NIOPosix

/// One TCP connection to one broker, with the API versions agreed on it. Any number of requests may be in flight
/// at once; responses are matched by correlation id.
public final class KafkaConnection: Sendable {
    public let address: String
    /// For each API both sides speak, the highest version both support.
    public let versions: [ApiKey: Int16]
    private let channel: any Channel
    private let requestTimeout: TimeAmount

    private init(address: String, channel: any Channel, versions: [ApiKey: Int16], requestTimeout: TimeAmount) {
        self.address = address
        self.channel = channel
        self.versions = versions
        self.requestTimeout = requestTimeout
    }

    /// Connects and negotiates versions with ApiVersions (v3 first; a broker that does not know v3 answers
    /// UNSUPPORTED_VERSION with its ranges, which is all this needs).
    public static func connect(
        host: String,
        port: Int,
        clientId: String = "peer",
        connectTimeout: Duration = .seconds(5),
        requestTimeout: Duration = .seconds(30),
        maxFrameSize: Int = 128 << 20,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> KafkaConnection {
        let address = "\(host):\(port)"
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(TimeAmount(connectTimeout))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                // Reads grow up to 1 MiB while they come back full, so a large fetch takes few read calls.
                .channelOption(
                    .recvAllocator,
                    value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 1 << 20)
                )
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(KafkaFrameAssembler(maxFrameSize: maxFrameSize))
                        try channel.pipeline.syncOperations.addHandler(
                            KafkaClientHandler(clientId: clientId, address: address)
                        )
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            throw KafkaClientError.unreachable(address: address, reason: "\(error)")
        }
        let timeout = TimeAmount(requestTimeout)
        do {
            let request = ApiVersionsRequest(clientSoftwareName: "peer", clientSoftwareVersion: "0.1")
            let response = try await Self.write(
                on: channel,
                address: address,
                .apiVersions(request),
                version: 3,
                expectsResponse: true,
                timeout: timeout
            ).get()
            guard case .apiVersions(let apiVersions) = response else {
                throw KafkaClientError.malformedResponse(address: address, api: .apiVersions, reason: "wrong type")
            }
            guard apiVersions.errorCode == .noError || apiVersions.errorCode == .unsupportedVersion else {
                throw KafkaClientError.broker(apiVersions.errorCode, context: "ApiVersions from \(address)")
            }
            return KafkaConnection(
                address: address,
                channel: channel,
                versions: negotiate(apiVersions.apiKeys),
                requestTimeout: timeout
            )
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// The highest version of each API that both this codec and the broker support.
    static func negotiate(_ advertised: [ApiVersionsResponse.ApiVersion]) -> [ApiKey: Int16] {
        var agreed: [ApiKey: Int16] = [:]
        for entry in advertised {
            guard let api = ApiKey(rawValue: entry.apiKey) else { continue }
            let ours = api.supportedVersions
            let high = min(ours.upperBound, entry.maxVersion)
            if high >= max(ours.lowerBound, entry.minVersion) { agreed[api] = high }
        }
        return agreed
    }

    /// The version to use for `api`, or an error when the broker supports none this client speaks.
    public func version(of api: ApiKey) throws -> Int16 {
        guard let version = versions[api] else { throw KafkaClientError.unsupportedApi(address: address, api: api) }
        return version
    }

    /// Sends a request at the agreed version (or `version`) and waits for its response.
    public func send(
        _ request: KafkaRequest,
        version: Int16? = nil,
        timeout: Duration? = nil
    ) async throws
        -> KafkaResponse
    {
        try await start(request, version: version, timeout: timeout).response()
    }

    /// Writes a request now, before returning, so requests started one after another go out in that order
    /// (several batches to one partition stay ordered while in flight); await the handle for the response.
    public func start(
        _ request: KafkaRequest,
        version: Int16? = nil,
        timeout: Duration? = nil
    ) throws
        -> PendingResponse
    {
        let chosen = try version ?? self.version(of: request.apiKey)
        let future = Self.write(
            on: channel,
            address: address,
            request,
            version: chosen,
            expectsResponse: true,
            timeout: timeout.map(TimeAmount.init) ?? requestTimeout
        )
        return PendingResponse(future: future, address: address, apiKey: request.apiKey)
    }

    /// Sends a request that gets no response (Produce with acks = 0); returns once it is written.
    public func sendWithoutResponse(_ request: KafkaRequest, version: Int16? = nil) async throws {
        let chosen = try version ?? self.version(of: request.apiKey)
        _ = try await Self.write(
            on: channel,
            address: address,
            request,
            version: chosen,
            expectsResponse: false,
            timeout: requestTimeout
        ).get()
    }

    /// A request in flight.
    public struct PendingResponse: Sendable {
        fileprivate let future: EventLoopFuture<KafkaResponse?>
        fileprivate let address: String
        fileprivate let apiKey: ApiKey

        public func response() async throws -> KafkaResponse {
            guard let response = try await future.get(), response.apiKey == apiKey else {
                throw KafkaClientError.malformedResponse(address: address, api: apiKey, reason: "no response")
            }
            return response
        }
    }

    public var isActive: Bool { channel.isActive }

    public func close() async {
        try? await channel.close()
    }

    private static func write(
        on channel: any Channel,
        address: String,
        _ request: KafkaRequest,
        version: Int16,
        expectsResponse: Bool,
        timeout: TimeAmount
    ) -> EventLoopFuture<KafkaResponse?> {
        let promise = channel.eventLoop.makePromise(of: KafkaResponse?.self)
        let outbound = OutboundKafkaRequest(
            request: request,
            version: version,
            expectsResponse: expectsResponse,
            timeout: timeout,
            promise: promise
        )
        // A write that never reaches the handler (closed channel) must still complete the promise; completing
        // it a second time is a no-op in NIO.
        channel.writeAndFlush(outbound).whenFailure { _ in
            promise.fail(KafkaClientError.connectionClosed(address: address))
        }
        return promise.futureResult
    }
}
