import Gossip
import Primitives
import Sealing
import SimulationEngine

/// Push-pull streams: a reliable stream with a handshake (three one-way latencies plus 10 ns per byte), sealed and
/// framed. It fails after `connectTimeout` when the link is cut or partitioned in either direction, and is refused
/// (after a round trip) when the peer is down.
extension Transport {
    static let connectTimeout: Int64 = 1_000_000_000

    /// 100 MB/s per stream.
    static func transferTime(_ bytes: Int) -> Int64 { Int64(bytes) * 10 }

    /// Host `i` opens a stream to `destination` and sends `payload` once connected.
    mutating func openStream(
        _ payload: [UInt8],
        from i: Int,
        to destination: PeerAddress,
        hosts: inout [Host],
        queue: inout EventQueue<SimEvent>,
        now: Int64
    ) {
        let generation = hosts[i].generation
        guard let target = index(of: destination) else {
            queue.push(
                .streamFailed(to: Int32(i), generation: generation, peer: Int32(i)),
                at: now + Self.connectTimeout
            )
            return
        }
        let j = Int(target)
        let sealed = seal(payload, from: i, hosts: &hosts, now: now)
        traffic.streamsOpened += 1
        traffic.streamBytes += sealed.count + Framing.headerCount
        if !network.canSend(i, j) || !network.canSend(j, i) {
            failStream(
                initiator: i,
                generation: generation,
                peer: j,
                after: Self.connectTimeout,
                queue: &queue,
                now: now
            )
        } else if !hosts[j].up {
            let delay = 2 * network.latency(i, j)
            failStream(initiator: i, generation: generation, peer: j, after: delay, queue: &queue, now: now)
        } else {
            // Handshake, then the data.
            let at = now + 2 * network.latency(i, j) + network.latency(i, j) + Self.transferTime(sealed.count)
            queue.push(.streamRequest(to: target, from: Int32(i), generation: generation, bytes: sealed), at: at)
        }
    }

    /// A stream request reached running host `i` from `initiator`: the plaintext to hand to its process, or nil when
    /// the stream failed (links cut either way, or sealing rejected it; the initiator hears of it).
    mutating func acceptStream(
        _ bytes: [UInt8],
        from initiator: Int,
        generation: UInt32,
        at i: Int,
        hosts: inout [Host],
        queue: inout EventQueue<SimEvent>,
        now: Int64
    ) -> [UInt8]? {
        record(kind: 2, from: initiator, to: i, bytes: bytes, hosts: hosts, now: now)
        guard network.canSend(initiator, i), network.canSend(i, initiator) else {
            failStream(
                initiator: initiator,
                generation: generation,
                peer: i,
                after: Self.connectTimeout,
                queue: &queue,
                now: now
            )
            return nil
        }
        guard let plaintext = open(bytes, at: i, hosts: &hosts, now: now) else {
            let delay = network.latency(i, initiator)
            failStream(initiator: initiator, generation: generation, peer: i, after: delay, queue: &queue, now: now)
            return nil
        }
        return plaintext
    }

    /// Host `i` could not make sense of a stream request: the initiator's stream fails after one latency.
    mutating func rejectStream(
        from initiator: Int,
        generation: UInt32,
        at i: Int,
        queue: inout EventQueue<SimEvent>,
        now: Int64
    ) {
        traffic.decodeErrors += 1
        let delay = network.latency(i, initiator)
        failStream(initiator: initiator, generation: generation, peer: i, after: delay, queue: &queue, now: now)
    }

    /// Host `i` answers `initiator`'s stream with `reply`.
    mutating func sendReply(
        _ reply: [UInt8],
        from i: Int,
        to initiator: Int,
        generation: UInt32,
        hosts: inout [Host],
        queue: inout EventQueue<SimEvent>,
        now: Int64
    ) {
        let sealed = seal(reply, from: i, hosts: &hosts, now: now)
        traffic.streamBytes += sealed.count + Framing.headerCount
        let at = now + network.latency(i, initiator) + Self.transferTime(sealed.count)
        queue.push(.streamReply(to: Int32(initiator), generation: generation, from: Int32(i), bytes: sealed), at: at)
    }

    /// A reply reached initiator `i` (in the life that opened the stream) from `peer`: the plaintext, or nil when the
    /// stream failed.
    mutating func acceptReply(
        _ bytes: [UInt8],
        from peer: Int,
        generation: UInt32,
        at i: Int,
        hosts: inout [Host],
        queue: inout EventQueue<SimEvent>,
        now: Int64
    ) -> [UInt8]? {
        record(kind: 3, from: peer, to: i, bytes: bytes, hosts: hosts, now: now)
        guard network.canSend(peer, i), network.canSend(i, peer) else {
            failStream(
                initiator: i,
                generation: generation,
                peer: peer,
                after: Self.connectTimeout,
                queue: &queue,
                now: now
            )
            return nil
        }
        guard let plaintext = open(bytes, at: i, hosts: &hosts, now: now) else {
            failStream(initiator: i, generation: generation, peer: peer, after: 0, queue: &queue, now: now)
            return nil
        }
        return plaintext
    }

    /// The initiator learns (after `delay`) that its stream to `peer` failed.
    mutating func failStream(
        initiator: Int,
        generation: UInt32,
        peer: Int,
        after delay: Int64,
        queue: inout EventQueue<SimEvent>,
        now: Int64
    ) {
        queue.push(
            .streamFailed(to: Int32(initiator), generation: generation, peer: Int32(peer)),
            at: now + max(0, delay)
        )
    }
}
