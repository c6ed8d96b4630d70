import Gossip
import Primitives
import SimulationEngine

/// The simulated network: latency, loss and duplication, and which directed links currently work.
///
/// Partitions are per-node bitmasks (two nodes can talk when their masks share a bit): groups get one bit each,
/// isolated nodes none, bridge nodes all. One-way blocks and cut links are sets of directed pairs.
struct NetworkModel {
    var settings: NetworkSettings
    var rng: SeededRandom
    let n: Int
    private(set) var masks: [UInt64]
    private var oneWay: Set<UInt64> = []
    private var cuts: Set<UInt64> = []
    private let salt: UInt64
    /// Last time a network-wide setting changed (a disruption for every node).
    var lastGlobalChange: Int64 = .min
    private var baseNs: Int64 = 0
    private var jitterNs: Double = 0
    private var spreadNs: Double = 0

    init(nodes: Int, settings: NetworkSettings, rng: SeededRandom) {
        n = nodes
        self.settings = settings
        self.rng = rng
        masks = [UInt64](repeating: .max, count: nodes)
        salt = self.rng.next()
        recompute()
    }

    private mutating func recompute() {
        baseNs = Int64((settings.latencyMs * 1e6).rounded())
        jitterNs = settings.jitterMs * 1e6
        spreadNs = settings.latencySpreadMs * 1e6
    }

    @inline(__always)
    static func key(_ from: Int, _ to: Int) -> UInt64 { UInt64(from) << 32 | UInt64(to) }

    /// Whether a packet from `a` reaches `b` right now.
    @inline(__always)
    func canSend(_ a: Int, _ b: Int) -> Bool {
        guard masks[a] & masks[b] != 0 else { return false }
        if oneWay.isEmpty && cuts.isEmpty { return true }
        let k = Self.key(a, b)
        return !oneWay.contains(k) && !cuts.contains(k)
    }

    /// One-way latency for a packet from `a` to `b`, virtual ns (at least 1).
    @inline(__always)
    mutating func latency(_ a: Int, _ b: Int) -> Int64 {
        var ns = baseNs
        if spreadNs > 0 {
            let h = mix64(salt ^ Self.key(min(a, b), max(a, b)))
            ns += Int64(Double(h >> 11) * 0x1.0p-53 * spreadNs)
        }
        if jitterNs > 0 { ns += Int64(rng.unitDouble() * jitterNs) }
        return max(1, ns)
    }

    /// Applies a network fault; returns the nodes whose connectivity it touched.
    mutating func apply(_ action: FaultAction) -> [Int] {
        let before = masks
        var touched: [Int] = []
        switch action {
        case .partition(let groups):
            setGroups(groups, via: [])
        case .bridge(let groups, let via):
            setGroups(groups, via: via)
        case .isolate(let list):
            for i in list { masks[i] = 0 }
        case .healPartitions:
            masks = [UInt64](repeating: .max, count: n)
        case .heal:
            masks = [UInt64](repeating: .max, count: n)
            for k in oneWay.union(cuts).sorted() {
                touched.append(Int(k >> 32))
                touched.append(Int(k & 0xFFFF_FFFF))
            }
            oneWay.removeAll()
            cuts.removeAll()
        case .oneWay(let from, let to):
            for a in from {
                for b in to where a != b { oneWay.insert(Self.key(a, b)) }
            }
            touched = from + to
        case .unblock(let from, let to):
            for a in from {
                for b in to { oneWay.remove(Self.key(a, b)) }
            }
            touched = from + to
        case .cut(let a, let b):
            cuts.insert(Self.key(a, b))
            cuts.insert(Self.key(b, a))
            touched = [a, b]
        case .restore(let a, let b):
            cuts.remove(Self.key(a, b))
            cuts.remove(Self.key(b, a))
            touched = [a, b]
        case .network(let loss, let duplicate, let latency, let jitter):
            if let loss { settings.loss = loss }
            if let duplicate { settings.duplicate = duplicate }
            if let latency { settings.latencyMs = latency }
            if let jitter { settings.jitterMs = jitter }
            recompute()
        default:
            break
        }
        for i in 0..<n where masks[i] != before[i] { touched.append(i) }
        return touched
    }

    private mutating func setGroups(_ groups: [[Int]], via: [Int]) {
        let rest = UInt64(1) << UInt64(groups.count)
        masks = [UInt64](repeating: rest, count: n)
        for (g, group) in groups.enumerated() {
            for i in group { masks[i] = UInt64(1) << UInt64(g) }
        }
        for i in via { masks[i] = .max }
    }
}
