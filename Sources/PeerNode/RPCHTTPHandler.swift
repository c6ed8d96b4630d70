import Gossip
import NIOCore
import NIOHTTP1
import Primitives

/// Collects one HTTP request (body bounded, whole request bounded in time), checks it against the access policy,
/// asks the router, writes the answer and closes the connection.
final class RPCHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Largest request body accepted; keyring requests are tiny.
    static let maxBodySize = 64 * 1024

    private let router: RPCRouter
    private let policy: RPCAccessPolicy
    private let requestTimeout: TimeAmount
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var bodyTooLarge = false
    private var responding = false
    /// Closes the connection if the request is not complete in time, however steadily its bytes trickle in.
    private var requestDeadline: Scheduled<Void>?

    init(router: RPCRouter, policy: RPCAccessPolicy, requestTimeout: TimeAmount) {
        self.router = router
        self.policy = policy
        self.requestTimeout = requestTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        requestDeadline = context.eventLoop.scheduleTask(in: requestTimeout) {
            loopBoundContext.value.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        requestDeadline?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let requestHead):
            head = requestHead
            body.removeAll()
            bodyTooLarge = false
        case .body(let buffer):
            if body.count + buffer.readableBytes > Self.maxBodySize {
                bodyTooLarge = true
            } else {
                body.append(contentsOf: buffer.readableBytesView)
            }
        case .end:
            guard let head, !responding else { return }
            responding = true
            requestDeadline?.cancel()
            if bodyTooLarge {
                respond(context: context, .error(.payloadTooLarge, "request body exceeds \(Self.maxBodySize) bytes"))
                return
            }
            let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
            let path = parts.first.map(String.init) ?? head.uri
            let query = parts.count > 1 ? Self.parseQuery(parts[1]) : [:]
            let remote = context.channel.remoteAddress.flatMap(PeerAddress.init).map(\.description) ?? "unknown"
            if let refusal = policy.refusal(for: head, path: path) {
                router.shell.logger.notice(
                    "RPC request refused",
                    metadata: [
                        "remote": "\(remote)", "method": "\(head.method)", "path": "\(path)",
                        "status": "\(refusal.status.code)",
                    ]
                )
                respond(context: context, refusal)
                return
            }
            let request = RPCRequest(method: head.method, path: path, query: query, body: body, remote: remote)
            let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
            router.route(request).assumeIsolated().whenComplete { [self] result in
                let response: RPCResponse
                switch result {
                case .success(let routed): response = routed
                case .failure(let error): response = .error(.internalServerError, "\(error)")
                }
                respond(context: loopBoundContext.value, response)
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // The idle timeout: a client that never finishes its request is dropped.
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !responding, error is HTTPParserError {
            responding = true
            respond(context: context, .error(.badRequest, "malformed HTTP request"))
        } else {
            context.close(promise: nil)
        }
    }

    private func respond(context: ChannelHandlerContext, _ response: RPCResponse) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: "\(response.body.count)")
        headers.add(name: "Connection", value: "close")
        let responseHead = HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: response.body.count)
        buffer.writeBytes(response.body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let loopBoundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            loopBoundContext.value.close(promise: nil)
        }
    }
}

extension RPCHTTPHandler {
    /// `a=1&b=two` into a dictionary; malformed pairs are skipped.
    static func parseQuery(_ query: Substring) -> [String: String] {
        var result: [String: String] = [:]
        for pair in query.split(separator: "&") {
            let keyValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = keyValue.first?.removingPercentEncoding, !key.isEmpty else { continue }
            result[key] = keyValue.count > 1 ? (String(keyValue[1]).removingPercentEncoding ?? "") : ""
        }
        return result
    }
}
