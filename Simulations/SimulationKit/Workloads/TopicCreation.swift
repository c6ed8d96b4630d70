import Gossip
import Partitions
import SimulationEngine

/// A topic the simulator creates through `ClusterNode.submit(.createTopic…)`.
public struct TopicSpec: Sendable, Equatable {
    public var name: String
    public var partitions: Int
    public var replicationFactor: Int
    /// Virtual seconds; nil: as soon as every node sees every other (join convergence), or 15 s after the last
    /// node started if that takes longer.
    public var at: Double?
    /// The node the request is submitted at (it forwards it to the controller); nil: the last node.
    public var node: Int?

    public init(name: String, partitions: Int, replicationFactor: Int, at: Double? = nil, node: Int? = nil) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.at = at
        self.node = node
    }
}

/// The topic-creation workload: each `TopicSpec` is submitted as `ControllerRequest.createTopic` at its node (or the
/// nearest running one below it) when its time comes, or at join convergence, and retried every second while no
/// controller answers (a new voter grants nothing for a lease and a drift bound after it starts, so the first
/// attempts fail by design). An attempt younger than 5 s may still be answered and is not repeated.
struct TopicCreation: Workload {
    let specs: [TopicSpec]
    private let n: Int
    /// Requests in flight: (node, generation, request id) → topic index.
    private var requests: [UInt64: Int] = [:]
    private var inFlightSince: [Int64?]
    private var created: [Bool]

    init(specs: [TopicSpec], nodes: Int) {
        self.specs = specs
        n = nodes
        inFlightSince = [Int64?](repeating: nil, count: specs.count)
        created = [Bool](repeating: false, count: specs.count)
    }

    func start(stagger: Double, queue: inout EventQueue<SimEvent>) {
        for (index, topic) in specs.enumerated() {
            // Without a time: at join convergence, or this fallback if convergence takes longer.
            queue.push(.createTopic(index: Int32(index)), at: VirtualTime.nanoseconds(topic.at ?? (stagger + 15)))
        }
    }

    func joinConverged(queue: inout EventQueue<SimEvent>, now: Int64) {
        for (index, topic) in specs.enumerated() where topic.at == nil {
            queue.push(.createTopic(index: Int32(index)), at: now)
        }
    }

    /// What to do when topic `t`'s event fires.
    enum Attempt {
        /// Created, or an attempt is still young.
        case wait
        /// No host can take it now: try again at this virtual time.
        case retry(at: Int64)
        /// Submit `request` at host `node`.
        case submit(node: Int, request: ControllerRequest)
    }

    func attempt(_ t: Int, hosts: [Host], now: Int64) -> Attempt {
        guard !created[t] else { return .wait }
        if let since = inFlightSince[t], now - since < 5_000_000_000 { return .wait }
        let spec = specs[t]
        let preferred = spec.node ?? (n - 1)
        let candidates = (0..<n).map { (preferred - $0 + n) % n }
        guard let i = candidates.first(where: { hosts[$0].up && !hosts[$0].paused && !hosts[$0].leaving }) else {
            return .retry(at: now + 1_000_000_000)
        }
        let request = ControllerRequest.createTopic(
            name: spec.name,
            partitions: spec.partitions,
            replicationFactor: spec.replicationFactor
        )
        return .submit(node: i, request: request)
    }

    /// Host `node` (in life `generation`) took request `id` for topic `t`; the next attempt is due at the returned
    /// virtual time unless an answer comes first.
    mutating func submitted(_ t: Int, node: Int, generation: UInt32, id: UInt64, now: Int64) -> Int64 {
        requests[Self.key(node, generation, id)] = t
        inFlightSince[t] = now
        return now + 5_000_000_001
    }

    /// Host `node` finished request `id`: the topic it was for, if it was this workload's, and when to retry
    /// (nil: created, or it already exists).
    mutating func completed(
        id: UInt64,
        error: String?,
        node: Int,
        generation: UInt32,
        now: Int64
    ) -> (topic: Int, retryAt: Int64?)? {
        guard let t = requests.removeValue(forKey: Self.key(node, generation, id)) else { return nil }
        inFlightSince[t] = nil
        if error == nil || error!.contains("already exists") {
            created[t] = true
            return (t, nil)
        }
        return (t, now + 1_000_000_000)
    }

    private static func key(_ node: Int, _ generation: UInt32, _ id: UInt64) -> UInt64 {
        UInt64(node) << 44 | UInt64(generation & 0xFFF) << 32 | (id & 0xFFFF_FFFF)
    }
}
