import Foundation
import Gossip
import NIOCore
import NIOHTTP1
import NIOPosix
import Primitives

/// A minimal HTTP/1.1 client for the agent's RPC endpoint, used by the CLI. One connection per request, with a
/// connect timeout and an overall timeout, and a bounded response size.
public struct RPCClient: Sendable {
    public let address: PeerAddress
    public var connectTimeout: Duration = .seconds(2)
    /// Keyring operations wait for every member (each bounded by the agent), so this is generous.
    public var requestTimeout: Duration = .seconds(20)
    public static let maxResponseSize = 16 << 20
    /// The agent's RPC token, sent as `Authorization: Bearer`; changes and the keyring need it.
    public var token: String?

    public init(address: PeerAddress, token: String? = nil) {
        self.address = address
        self.token = token
    }

    /// Sends a request and returns the status and body of a complete response.
    public func request(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> RPCReply {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let response = eventLoop.makePromise(of: RPCReply.self)
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(TimeAmount(connectTimeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(RPCResponseCollector(response: response))
                    }
                }
                .connect(host: address.host, port: Int(address.port))
                .get()
        } catch {
            response.fail(error)
            throw RPCClientError.unreachable(address: address, reason: describeNetworkError(error))
        }
        let timeout = eventLoop.scheduleTask(in: TimeAmount(requestTimeout)) {
            response.fail(RPCClientError.timedOut(address: address))
        }
        defer {
            timeout.cancel()
            channel.close(promise: nil)
        }

        var headers = HTTPHeaders()
        headers.add(name: "Host", value: address.description)
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Content-Length", value: "\(body?.count ?? 0)")
        if body != nil || method == .POST { headers.add(name: "Content-Type", value: "application/json") }
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body {
            channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
        }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)

        do {
            return try await response.futureResult.get()
        } catch let error as RPCClientError {
            throw error
        } catch {
            throw RPCClientError.badResponse(address: address, reason: describeNetworkError(error))
        }
    }

    /// Sends a request and decodes a 2xx JSON body as `T`; an error body becomes `RPCClientError.agent`.
    public func call<T: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        body: (some Encodable)? = Optional<KeyRequest>.none,
        as type: T.Type
    ) async throws -> T {
        let encodedBody = try body.map { [UInt8](try JSONEncoder().encode($0)) }
        let reply = try await request(method, path, body: encodedBody)
        try reply.checkSuccess(from: address)
        do {
            return try JSONDecoder().decode(T.self, from: Data(reply.body))
        } catch {
            throw RPCClientError.badResponse(address: address, reason: "unexpected response body")
        }
    }
}

/// A complete HTTP response from the agent.
public struct RPCReply: Sendable {
    public var status: Int
    public var body: [UInt8]

    /// Throws the agent's error message unless the status is 2xx.
    public func checkSuccess(from address: PeerAddress) throws {
        guard !(200..<300).contains(status) else { return }
        let message =
            (try? JSONDecoder().decode(ErrorResponse.self, from: Data(body)))?.error ?? "HTTP status \(status)"
        throw RPCClientError.agent(address: address, message: message)
    }
}

/// Why an RPC call failed; descriptions are one line, ready for stderr.
public enum RPCClientError: Error, CustomStringConvertible {
    case unreachable(address: PeerAddress, reason: String)
    case timedOut(address: PeerAddress)
    case badResponse(address: PeerAddress, reason: String)
    case agent(address: PeerAddress, message: String)

    public var description: String {
        switch self {
        case .unreachable(let address, let reason):
            "cannot reach agent RPC at \(address): \(reason)"
        case .timedOut(let address):
            "agent RPC at \(address) did not answer in time"
        case .badResponse(let address, let reason):
            "bad response from agent RPC at \(address): \(reason)"
        case .agent(_, let message):
            "agent: \(message)"
        }
    }
}

/// Gathers the status and body of one HTTP response.
private final class RPCResponseCollector: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let response: EventLoopPromise<RPCReply>
    private var status: Int?
    private var body: [UInt8] = []

    init(response: EventLoopPromise<RPCReply>) {
        self.response = response
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
        case .body(let buffer):
            guard body.count + buffer.readableBytes <= RPCClient.maxResponseSize else {
                response.fail(RPCResponseTooLarge())
                context.close(promise: nil)
                return
            }
            body.append(contentsOf: buffer.readableBytesView)
        case .end:
            if let status {
                response.succeed(RPCReply(status: status, body: body))
            }
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        response.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        response.fail(error)
        context.close(promise: nil)
    }
}

private struct RPCResponseTooLarge: Error, CustomStringConvertible {
    var description: String { "response larger than \(RPCClient.maxResponseSize) bytes" }
}
