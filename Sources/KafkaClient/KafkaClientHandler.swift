import KafkaProtocol
import NIOCore

/// A request on its way to the broker, with where its answer goes.
struct OutboundKafkaRequest: Sendable {
    var request: KafkaRequest
    var version: Int16
    /// False for Produce with acks = 0: the broker sends nothing back; the promise completes once written.
    var expectsResponse: Bool
    var timeout: TimeAmount
    var promise: EventLoopPromise<KafkaResponse?>
}

/// Pipelines requests on one connection: assigns correlation ids, matches responses to them, fails what is
/// pending when the connection ends. A timed-out request closes the connection, as Kafka's clients do, since a
/// late answer would otherwise be read as the answer to a later request.
final class KafkaClientHandler: ChannelDuplexHandler {
    typealias InboundIn = [UInt8]
    typealias OutboundIn = OutboundKafkaRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var apiKey: ApiKey
        var version: Int16
        var promise: EventLoopPromise<KafkaResponse?>
        var timeout: Scheduled<Void>?
    }

    private let clientId: String
    private let address: String
    private var nextCorrelationId: Int32 = 1
    private var pending: [Int32: Pending] = [:]
    private var closedError: KafkaClientError?

    init(clientId: String, address: String) {
        self.clientId = clientId
        self.address = address
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let outbound = unwrapOutboundIn(data)
        if let closedError {
            outbound.promise.fail(closedError)
            promise?.fail(closedError)
            return
        }
        let correlationId = nextCorrelationId
        nextCorrelationId = correlationId == .max ? 1 : correlationId + 1
        let bytes = KafkaCodec.encodeRequest(
            outbound.request,
            version: outbound.version,
            correlationId: correlationId,
            clientId: clientId
        )
        var buffer = context.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        let written = context.eventLoop.makePromise(of: Void.self)
        if outbound.expectsResponse {
            let apiKey = outbound.request.apiKey
            let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: outbound.timeout) { [self] in
                timedOut(context: context, correlationId: correlationId)
            }
            pending[correlationId] = Pending(
                apiKey: apiKey,
                version: outbound.version,
                promise: outbound.promise,
                timeout: timeout
            )
            written.futureResult.assumeIsolated().whenFailure { [self] error in
                guard let entry = pending.removeValue(forKey: correlationId) else { return }
                entry.timeout?.cancel()
                entry.promise.fail(KafkaClientError.connectionClosed(address: address))
            }
        } else {
            written.futureResult.assumeIsolated().whenComplete { [address] result in
                switch result {
                case .success: outbound.promise.succeed(nil)
                case .failure: outbound.promise.fail(KafkaClientError.connectionClosed(address: address))
                }
            }
        }
        written.futureResult.cascade(to: promise)
        context.write(wrapOutboundOut(buffer), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let correlationId = try? KafkaCodec.correlationId(ofResponse: frame[...])
        guard let correlationId, let entry = pending.removeValue(forKey: correlationId) else {
            fail(context: context, with: .unexpectedResponse(address: address, correlationId: correlationId))
            return
        }
        entry.timeout?.cancel()
        do {
            let decoded = try KafkaCodec.decodeResponse(apiKey: entry.apiKey, version: entry.version, frame: frame)
            entry.promise.succeed(decoded.response)
        } catch {
            entry.promise.fail(
                KafkaClientError.malformedResponse(address: address, api: entry.apiKey, reason: "\(error)")
            )
            fail(context: context, with: .connectionClosed(address: address))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed(address: address))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        fail(context: context, with: (error as? KafkaClientError) ?? .connectionClosed(address: address))
    }

    private func timedOut(context: ChannelHandlerContext, correlationId: Int32) {
        guard let entry = pending.removeValue(forKey: correlationId) else { return }
        entry.promise.fail(KafkaClientError.timedOut(address: address, api: entry.apiKey))
        fail(context: context, with: .connectionClosed(address: address))
    }

    private func fail(context: ChannelHandlerContext, with error: KafkaClientError) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: KafkaClientError) {
        if closedError == nil { closedError = error }
        let entries = pending
        pending = [:]
        for entry in entries.values {
            entry.timeout?.cancel()
            entry.promise.fail(error)
        }
    }
}
