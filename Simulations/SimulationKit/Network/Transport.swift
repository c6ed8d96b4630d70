import Gossip
import Primitives
import Sealing
import SimulationEngine

/// The wire between simulated hosts: each host's sealer (sealing on send and opening on receive, at the host's own
/// clock), datagrams over the `NetworkModel` (partitions, loss, duplication, latency), push-pull streams
/// (`PushPullStreams.swift`), the traffic figures, and the trace hash over every delivery.
///
/// It schedules deliveries on the driver's queue and hands opened plaintext back; what a process does with it is the
/// driver's business.
struct Transport {
    var network: NetworkModel
    /// Every delivery folds in here; the run's identity.
    private(set) var trace = TraceHash()
    var traffic = TrafficFigures()
    private let keyring: Keyring
    /// Per host: its current life's sealer and nonce generator.
    private var sealers: [Sealer]
    private var sealRngs: [SeededRandom]
    private let addressIndex: [PeerAddress: Int32]
    private let maxDatagramSize: Int
    let traceWriter: TraceWriter?

    /// Draws one word from `clockRng` for a throwaway seal, as the simulator always has (it keeps the per-host clock
    /// draws where they were).
    init(
        network: NetworkModel,
        keyring: Keyring,
        addresses: [PeerAddress],
        maxDatagramSize: Int,
        traceWriter: TraceWriter?,
        clockRng: inout SeededRandom
    ) {
        self.network = network
        self.keyring = keyring
        var placeholder = Sealer(keyring: keyring, senderID: 0)
        _ = placeholder.seal([], nowMillis: 0, using: &clockRng)
        sealers = [Sealer](repeating: placeholder, count: addresses.count)
        sealRngs = [SeededRandom](repeating: SeededRandom(seed: 0), count: addresses.count)
        var index: [PeerAddress: Int32] = [:]
        for (i, address) in addresses.enumerated() { index[address] = Int32(i) }
        addressIndex = index
        self.maxDatagramSize = maxDatagramSize
        self.traceWriter = traceWriter
    }

    /// Host `i` booted: a new sender id and nonce generator, a fresh replay guard.
    mutating func attach(_ i: Int, senderID: UInt64, sealRng: SeededRandom) {
        sealRngs[i] = sealRng
        sealers[i] = Sealer(keyring: keyring, senderID: senderID)
    }

    // MARK: - Datagrams

    /// Host `i` sends a datagram: sealed for its recipient, counted, then dropped by the network or scheduled for
    /// delivery (maybe twice). Returns a `datagram-size` violation message when the sealed datagram is too large.
    mutating func send(
        _ datagram: [UInt8],
        from i: Int,
        to destination: PeerAddress,
        hosts: inout [Host],
        queue: inout EventQueue<SimEvent>,
        now: Int64
    ) -> String? {
        let millis = hosts[i].localMillis(now)
        let recipient = destination.description
        let sealed = sealers[i].seal(datagram, to: recipient, nowMillis: millis, using: &sealRngs[i])
        var violation: String?
        traffic.datagramsSent += 1
        if WireFormat.kind(of: datagram) == WireFormat.controlKind { traffic.controlDatagrams += 1 }
        traffic.datagramBytes += sealed.count
        if sealed.count > traffic.largestDatagram {
            traffic.largestDatagram = sealed.count
            if sealed.count > maxDatagramSize {
                violation =
                    "\(hosts[i].name) sent a \(sealed.count)-byte datagram, above the \(maxDatagramSize)-byte maximum"
            }
        }
        guard let target = addressIndex[destination] else {
            traffic.droppedByPartition += 1
            return violation
        }
        let j = Int(target)
        guard network.canSend(i, j) else {
            traffic.droppedByPartition += 1
            traceWriter?.line(now, "drop-partition datagram \(hosts[i].name)->\(hosts[j].name) \(sealed.count)B")
            return violation
        }
        if network.rng.chance(network.settings.loss) {
            traffic.droppedByLoss += 1
            traceWriter?.line(now, "drop-loss datagram \(hosts[i].name)->\(hosts[j].name) \(sealed.count)B")
            return violation
        }
        queue.push(.datagram(to: target, from: Int32(i), bytes: sealed), at: now + network.latency(i, j))
        if network.rng.chance(network.settings.duplicate) {
            traffic.duplicated += 1
            queue.push(.datagram(to: target, from: Int32(i), bytes: sealed), at: now + network.latency(i, j))
        }
        return violation
    }

    /// A datagram reached running host `i`: recorded, then opened at its clock; nil when sealing rejects it.
    mutating func receiveDatagram(_ bytes: [UInt8], from: Int, at i: Int, hosts: inout [Host], now: Int64) -> [UInt8]? {
        traffic.datagramsDelivered += 1
        record(kind: 1, from: from, to: i, bytes: bytes, hosts: hosts, now: now)
        return open(bytes, at: i, recipient: hosts[i].address.description, hosts: &hosts, now: now)
    }

    /// Something arrived for a host that is not running: a datagram is lost, a stream is refused.
    mutating func targetDown(_ event: SimEvent, hosts: [Host], queue: inout EventQueue<SimEvent>, now: Int64) {
        switch event {
        case .datagram(let to, let from, let bytes):
            traffic.droppedNodeDown += 1
            traceWriter?.line(
                now,
                "drop-down datagram \(hosts[Int(from)].name)->\(hosts[Int(to)].name) \(bytes.count)B"
            )
        case .streamRequest(let to, let from, let generation, _):
            // Connection refused.
            let back = network.latency(Int(to), Int(from))
            queue.push(.streamFailed(to: from, generation: generation, peer: to), at: now + 2 * back)
        default:
            break
        }
    }

    // MARK: - Sealing and the trace

    mutating func seal(_ payload: [UInt8], from i: Int, hosts: inout [Host], now: Int64) -> [UInt8] {
        sealers[i].seal(payload, nowMillis: hosts[i].localMillis(now), using: &sealRngs[i])
    }

    /// Opens what host `i` received with its own clock; a rejection is counted and gives nil. A datagram names its
    /// `recipient` (the address it was sent to); streams have none.
    mutating func open(
        _ bytes: [UInt8],
        at i: Int,
        recipient: String? = nil,
        hosts: inout [Host],
        now: Int64
    ) -> [UInt8]? {
        do {
            if let recipient {
                return try sealers[i].open(bytes, at: [recipient], nowMillis: hosts[i].localMillis(now))
            }
            return try sealers[i].open(bytes, nowMillis: hosts[i].localMillis(now))
        } catch {
            traffic.rejectedBySealing[error.label, default: 0] += 1
            return nil
        }
    }

    /// Folds a delivery into the trace hash (and the trace file). Kinds: 1 datagram, 2 push-pull, 3 its reply.
    mutating func record(kind: UInt8, from: Int, to: Int, bytes: [UInt8], hosts: [Host], now: Int64) {
        trace.mix(UInt64(bitPattern: now))
        trace.mix(byte: kind)
        trace.mix(UInt64(from) << 32 | UInt64(to))
        trace.mix(bytes: bytes)
        if traceWriter != nil {
            let what = kind == 1 ? "datagram" : kind == 2 ? "push-pull" : "push-pull-reply"
            traceWriter?.line(now, "deliver \(what) \(hosts[from].name)->\(hosts[to].name) \(bytes.count)B")
        }
    }

    func index(of address: PeerAddress) -> Int32? { addressIndex[address] }
}
