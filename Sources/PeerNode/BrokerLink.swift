import Gossip
import NIOCore
import NIOPosix
import Primitives
import Sealing

/// Bounds and pacing of a broker link's connection.
struct BrokerLinkOptions: Sendable {
    var connectTimeout: Duration = .seconds(2)
    /// From connecting to the server's hello.
    var handshakeTimeout: Duration = .seconds(5)
    /// How long one request may wait for its reply (a long-polling Fetch waits up to its max wait on the leader).
    var requestTimeout: Duration = .seconds(30)
    /// Wait before reconnecting after a failure; doubles with each failure in a row, up to `maxBackoff`.
    var initialBackoff: Duration = .milliseconds(100)
    var maxBackoff: Duration = .seconds(5)
    /// Largest reply frame accepted (Kafka's default `socket.request.max.bytes`).
    var maxResponseSize: Int = 100 << 20

    init() {}
}

/// A persistent, sealed connection to one peer broker, carrying Kafka request frames to it and its response
/// frames back (followers fetch from their leader over it). Many requests may be in flight; replies come back in
/// order and are matched by correlation id.
///
/// The connection is opened on the first request, and again after a failure, no sooner than a backoff that doubles
/// with each failure in a row. A failed connect or handshake fails the requests waiting for it; a lost connection
/// fails the requests in flight on it. Callers retry.
///
/// Safe to call from anywhere; its state lives on `eventLoop`.
final class BrokerLink: Sendable {
    /// The peer's member name, which its hello must prove.
    let peerName: String
    /// The peer's gossip address, where its TCP listener accepts links.
    let address: PeerAddress
    let eventLoop: any EventLoop

    private let localName: String
    /// The current keyring, or nil once the local agent is stopping.
    private let keyring: @Sendable () -> Keyring?
    private let options: BrokerLinkOptions
    private let state: NIOLoopBoundBox<State>

    private struct Request {
        var frame: [UInt8]
        var correlationId: Int32
        var promise: EventLoopPromise<[UInt8]>
    }

    private struct Connection {
        var channel: any Channel
        var responses: BrokerLinkResponseHandler
    }

    private struct State {
        var connection: Connection?
        var connecting = false
        var queued: [Request] = []
        var failures = 0
        var retryAt = NIODeadline.uptimeNanoseconds(0)
        var retry: Scheduled<Void>?
        var stopped = false
        var random = SystemRandomNumberGenerator()
    }

    init(
        to peerName: String,
        at address: PeerAddress,
        from localName: String,
        keyring: @escaping @Sendable () -> Keyring?,
        on eventLoop: any EventLoop,
        options: BrokerLinkOptions = BrokerLinkOptions()
    ) {
        self.peerName = peerName
        self.address = address
        self.localName = localName
        self.keyring = keyring
        self.eventLoop = eventLoop
        self.options = options
        state = .makeBoxSendingValue(State(), as: State.self, eventLoop: eventLoop)
    }

    /// Sends a Kafka request frame, size prefix included (as `KafkaCodec.encodeRequest` makes it), and returns the
    /// response frame without its size prefix (as `KafkaCodec.decodeResponse` reads it). Every request must be one
    /// the broker answers (not a Produce with acks=0).
    func send(_ requestFrame: [UInt8]) -> EventLoopFuture<[UInt8]> {
        let promise = eventLoop.makePromise(of: [UInt8].self)
        guard let correlationId = Self.correlationId(of: requestFrame) else {
            promise.fail(BrokerLinkError.malformedRequest)
            return promise.futureResult
        }
        let request = Request(frame: requestFrame, correlationId: correlationId, promise: promise)
        if eventLoop.inEventLoop {
            enqueue(request)
        } else {
            eventLoop.execute { self.enqueue(request) }
        }
        return promise.futureResult
    }

    func send(_ requestFrame: [UInt8]) async throws -> [UInt8] {
        try await send(requestFrame).get()
    }

    /// Closes the connection and fails every waiting request with `.stopped`; later requests fail at once.
    func close() {
        if eventLoop.inEventLoop {
            stop()
        } else {
            eventLoop.execute { self.stop() }
        }
    }

    /// Whether a handshaken connection is open now (for tests and views).
    func isConnected() -> EventLoopFuture<Bool> {
        eventLoop.submit { self.state.value.connection != nil }
    }

    /// The correlation id of a size-prefixed request frame whose prefix matches its length.
    static func correlationId(of frame: [UInt8]) -> Int32? {
        guard frame.count >= 12 else { return nil }
        let size = frame[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard size == frame.count - 4 else { return nil }
        return Int32(bitPattern: frame[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    // MARK: On the loop

    private func enqueue(_ request: Request) {
        guard !state.value.stopped else {
            request.promise.fail(BrokerLinkError.stopped)
            return
        }
        if let connection = state.value.connection {
            dispatch(request, on: connection)
        } else {
            state.value.queued.append(request)
            connectIfDue()
        }
    }

    private func dispatch(_ request: Request, on connection: Connection) {
        guard connection.responses.expect(request.correlationId, promise: request.promise) else {
            request.promise.fail(BrokerLinkError.connectionLost("connection closed"))
            return
        }
        let channel = connection.channel
        let responses = NIOLoopBound(connection.responses, eventLoop: eventLoop)
        let timeout = eventLoop.scheduleTask(in: TimeAmount(options.requestTimeout)) {
            responses.value.failAll(.timedOut)
            channel.close(promise: nil)
        }
        request.promise.futureResult.whenComplete { _ in timeout.cancel() }
        let buffer = channel.allocator.buffer(bytes: request.frame)
        channel.writeAndFlush(IOData.byteBuffer(buffer)).whenFailure { _ in channel.close(promise: nil) }
    }

    private func connectIfDue() {
        let current = state.value
        guard !current.stopped, !current.connecting, current.connection == nil, !current.queued.isEmpty else { return }
        guard NIODeadline.now() >= current.retryAt else {
            if current.retry == nil {
                state.value.retry = eventLoop.scheduleTask(deadline: current.retryAt) {
                    self.state.value.retry = nil
                    self.connectIfDue()
                }
            }
            return
        }
        connect()
    }

    private func connect() {
        guard let keyring = keyring() else {
            stop()
            return
        }
        let hello: [UInt8]
        let pending: LinkClientPending
        do {
            (hello, pending) = try LinkHandshake.start(
                from: localName,
                to: peerName,
                keyring: keyring,
                using: &state.value.random
            )
        } catch {
            connectionFailed(BrokerLinkError.handshakeFailed("\(error)"))
            return
        }
        state.value.connecting = true
        let ready = eventLoop.makePromise(of: NIOLoopBound<BrokerLinkResponseHandler>.self)
        let maxResponseSize = options.maxResponseSize
        let connected = ClientBootstrap(group: eventLoop)
            .connectTimeout(TimeAmount(options.connectTimeout))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        BrokerLinkHandshakeHandler(
                            hello: hello,
                            pending: pending,
                            maxResponseSize: maxResponseSize,
                            ready: ready
                        )
                    )
                }
            }
            .connect(host: address.host, port: Int(address.port))
        let timeout = eventLoop.scheduleTask(in: TimeAmount(options.handshakeTimeout)) {
            ready.fail(BrokerLinkError.handshakeFailed("timed out"))
        }
        connected.whenFailure { error in ready.fail(BrokerLinkError.handshakeFailed("\(error)")) }
        ready.futureResult.and(connected).whenComplete { result in
            timeout.cancel()
            self.state.value.connecting = false
            switch result {
            case .success(let (responses, channel)):
                self.connected(Connection(channel: channel, responses: responses.value))
            case .failure(let error):
                connected.whenSuccess { $0.close(promise: nil) }
                self.connectionFailed(error as? BrokerLinkError ?? .handshakeFailed("\(error)"))
            }
        }
    }

    private func connected(_ connection: Connection) {
        guard !state.value.stopped else {
            connection.channel.close(promise: nil)
            return
        }
        state.value.connection = connection
        state.value.failures = 0
        let channel = connection.channel
        channel.closeFuture.whenComplete { _ in
            guard let current = self.state.value.connection, current.channel === channel else { return }
            self.state.value.connection = nil
            self.backOff()
            self.connectIfDue()
        }
        let queued = state.value.queued
        state.value.queued = []
        for request in queued { dispatch(request, on: connection) }
    }

    private func connectionFailed(_ error: BrokerLinkError) {
        backOff()
        let queued = state.value.queued
        state.value.queued = []
        for request in queued { request.promise.fail(error) }
    }

    private func backOff() {
        state.value.failures += 1
        let doublings = min(state.value.failures - 1, 20)
        let delay = min(options.initialBackoff * (1 << doublings), options.maxBackoff)
        state.value.retryAt = NIODeadline.now() + TimeAmount(delay)
    }

    private func stop() {
        guard !state.value.stopped else { return }
        state.value.stopped = true
        state.value.retry?.cancel()
        state.value.retry = nil
        let queued = state.value.queued
        state.value.queued = []
        for request in queued { request.promise.fail(BrokerLinkError.stopped) }
        if let connection = state.value.connection {
            state.value.connection = nil
            connection.responses.failAll(.stopped)
            connection.channel.close(promise: nil)
        }
    }
}
