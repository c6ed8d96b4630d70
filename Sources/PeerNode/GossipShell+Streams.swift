import Gossip
import NIOCore
import Primitives

/// The shell's side of TCP streams: every stream opens with a sealed hello, and every inbound stream dropped
/// unanswered is counted, in the metrics and in `peer info`.
extension GossipShell: StreamServerDelegate {
    /// Seals a hello and `message` and exchanges them with `peer` for one reply frame.
    func exchangeStream(_ message: StreamMessage, with peer: PeerAddress) -> EventLoopFuture<[UInt8]> {
        let hello = seal(StreamMessage(type: .hello, body: []))
        let request = seal(message)
        return StreamExchange.exchange(
            request,
            hello: hello,
            with: peer,
            on: eventLoop,
            limits: configuration.streamLimits
        )
    }

    func acceptsStreamHello(_ sealedHello: [UInt8]) -> Bool {
        guard !isStopped, let hello = openStreamMessage(sealedHello) else { return false }
        return hello.type == .hello && hello.body.isEmpty
    }

    func streamRejected(_ reason: StreamRejection) {
        metrics.streamRejected(reason)
        logger.debug("dropped inbound stream", metadata: ["reason": "\(reason.rawValue)"])
    }
}
