import Foundation
import Gossip
import Partitions
import Sealing

/// How to run one simulation.
public struct SimulationOptions: Sendable {
    public var nodes: Int
    /// Virtual seconds.
    public var duration: Double
    public var seed: UInt64
    /// `lan`, `local` or `wan`.
    public var profile: String
    public var scenario: Scenario
    /// Nodes 1..<N start at random moments in (0, stagger]; nil: N × 2 ms, at most 2 s.
    public var stagger: Double?
    /// Where to write the full event log, if anywhere.
    public var traceURL: URL?
    /// How to replay this run from the command line (for violation messages).
    public var replayCommand: String?
    /// Makes extra checkers (besides the built-in ones) for a run of the given node count.
    public var extraCheckers: @Sendable (Int) -> [any InvariantChecker]
    /// Called now and then with the fraction of virtual time done.
    public var progress: (@Sendable (Double) -> Void)?
    /// Topics created during the run through `ClusterNode.submit(.createTopic…)`.
    public var topics: [TopicSpec]
    /// Deliberately changes every node's configuration, to show that the checkers catch a broken protocol; the
    /// settle bound and the false-positive grace still come from the profile.
    public var misconfigure: (@Sendable (inout GossipConfiguration, inout PartitionsConfiguration) -> Void)?

    public init(
        nodes: Int,
        duration: Double,
        seed: UInt64,
        profile: String = "lan",
        scenario: Scenario,
        stagger: Double? = nil,
        traceURL: URL? = nil,
        replayCommand: String? = nil,
        extraCheckers: @escaping @Sendable (Int) -> [any InvariantChecker] = { _ in [] },
        progress: (@Sendable (Double) -> Void)? = nil,
        topics: [TopicSpec]? = nil,
        misconfigure: (@Sendable (inout GossipConfiguration, inout PartitionsConfiguration) -> Void)? = nil
    ) {
        self.nodes = nodes
        self.duration = duration
        self.seed = seed
        self.profile = profile
        self.scenario = scenario
        self.stagger = stagger
        self.traceURL = traceURL
        self.replayCommand = replayCommand
        self.extraCheckers = extraCheckers
        self.progress = progress
        self.topics = topics ?? Self.defaultTopics(nodes: nodes, partitions: Self.defaultPartitions)
        self.misconfigure = misconfigure
    }

    /// Partitions of the default topic `t`.
    public static let defaultPartitions = 12

    /// One topic `t` with `partitions` partitions and replication factor 3 (or N if smaller), created after join
    /// convergence at the last node; none for 0 partitions.
    public static func defaultTopics(nodes: Int, partitions: Int) -> [TopicSpec] {
        partitions > 0 ? [TopicSpec(name: "t", partitions: partitions, replicationFactor: min(3, nodes))] : []
    }

    /// Controller voters: the first 3 nodes, or the first 5 from 50 nodes on.
    public static func voterCount(nodes: Int) -> Int { min(nodes, nodes >= 50 ? 5 : 3) }

    /// Node `i`'s name in a run of `nodes`: `n` and the zero-padded index.
    public static func nodeName(_ i: Int, nodes: Int) -> String {
        let width = max(2, String(max(0, nodes - 1)).count)
        let digits = String(i)
        return "n" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// The partitions configuration every simulated node gets (default timings).
    public static func partitionsConfiguration(nodes: Int) -> PartitionsConfiguration {
        PartitionsConfiguration(voters: (0..<voterCount(nodes: nodes)).map { nodeName($0, nodes: nodes) })
    }

    /// The gossip configuration for a profile, with the sealing overhead accounted for.
    public static func configuration(profile: String) -> GossipConfiguration? {
        guard var config = GossipConfiguration.profile(named: profile) else { return nil }
        config.sealingOverhead = Sealer.overhead
        return config
    }

    /// The longest suspicion timeout for a cluster of `nodes` (Lifeguard's maximum), seconds.
    public static func maxSuspicion(_ config: GossipConfiguration, nodes: Int) -> Double {
        config.probeInterval.seconds * config.suspicionMultiplier * max(1, log10(Double(max(nodes, 1))))
            * Double(config.suspicionMaxMultiplier)
    }

    /// How long after the last fault the views must have converged: a full suspicion, three reconnect rounds and
    /// ten probe intervals.
    public static func settleBound(profile: String, nodes: Int) -> Double {
        guard let config = configuration(profile: profile) else { return 120 }
        return maxSuspicion(config, nodes: nodes) + 3 * config.reconnectInterval.seconds
            + 10 * config.probeInterval.seconds
    }
}

enum SimEvent {
    case boot(node: Int32)
    case timer(node: Int32, generation: UInt32, timer: NodeTimer)
    case datagram(to: Int32, from: Int32, bytes: [UInt8])
    case streamRequest(to: Int32, from: Int32, generation: UInt32, bytes: [UInt8])
    case streamReply(to: Int32, generation: UInt32, from: Int32, bytes: [UInt8])
    case streamFailed(to: Int32, generation: UInt32, peer: Int32)
    /// A slow node finished the processing delay of its next queued event.
    case process(node: Int32, generation: UInt32)
    case fault(index: Int32)
    case checkpoint
    /// Try (again) to create topic `index` of the options.
    case createTopic(index: Int32)

    var target: Int? {
        switch self {
        case .timer(let node, _, _): Int(node)
        case .datagram(let to, _, _), .streamRequest(let to, _, _, _), .streamReply(let to, _, _, _),
            .streamFailed(let to, _, _):
            Int(to)
        case .boot, .process, .fault, .checkpoint, .createTopic: nil
        }
    }
}

/// One simulated process and the fault state of its machine.
struct SimNode {
    let name: String
    let address: PeerAddress
    var up = false
    var everBooted = false
    var leaving = false
    /// Bumped at every boot and stop, so timers and stream replies of a previous life are ignored.
    var generation: UInt32 = 0
    var paused = false
    var backlog: [SimEvent] = []
    /// Processing delay per event, virtual ns (0: healthy).
    var slowDelay: Int64 = 0
    var busyUntil: Int64 = 0
    var slowQueue: [SimEvent] = []
    var slowHead = 0
    /// local = virtual + offset + virtual·drift, held monotonic.
    var clockOffset: Int64 = 0
    var drift: Double = 0
    var lastLocal: Int64 = .min
    /// Last virtual time a fault touched this node's reachability or health.
    var lastDisruption: Int64 = .min
    /// The data dir: the cluster state as last saved (like the real shell, at most once a second while it changes).
    var savedState: ClusterState?
    /// The voter record as last written to the data dir (the core acknowledges only what is written here).
    var voterRecord: VoterRecord?
    var lastSave: Int64 = -1_000_000_000_000
    var stateDirty = false
    /// Draws each boot's instance seed, sender id and nonce generator.
    var rng: SeededRandom
    var sealRng: SeededRandom
}

/// A deterministic discrete-event simulation of a cluster of real `ClusterNode`s (the SWIM core and the partitions
/// core, composed exactly as the real shell composes them) with real wire encoding and real sealing over a simulated
/// network. Same options (seed included) → identical run and report.
public struct Simulation {
    public let options: SimulationOptions
    public let configuration: GossipConfiguration
    public let partitionsConfiguration: PartitionsConfiguration
    public let settle: Double
    /// Deaths of healthy, reachable nodes within this long after a fault touched either side are not counted as
    /// false positives.
    public let grace: Double

    private let n: Int
    private let endTime: Int64
    private var now: Int64 = 0
    private var queue = EventQueue<SimEvent>()
    private var nodes: [SimNode] = []
    private var instances: [ClusterNode] = []
    private var voterIndices: [Int] = []
    private var observer: PartitionObserver
    /// Topic requests in flight: (node, generation, request id) → topic index.
    private var topicRequests: [UInt64: Int] = [:]
    private var topicInFlightSince: [Int64?] = []
    private var topicCreated: [Bool] = []
    private var controlDatagrams = 0
    private var skippedFaults: [String] = []
    /// Nodes taken down by `crashController` / `crashLeader`, for `restartVictims`.
    private var victims: [Int] = []
    private var sealers: [Sealer] = []
    private var addressIndex: [PeerAddress: Int32] = [:]
    private let keyring: Keyring
    private var network: NetworkModel
    private var tracker: ViewTracker
    private var checkers: [any InvariantChecker]
    private var trace = TraceHash()
    private var traceWriter: TraceWriter?

    // Figures.
    private var events = 0
    private var datagramsSent = 0
    private var datagramBytes = 0
    private var largestDatagram = 0
    private var datagramsDelivered = 0
    private var droppedByLoss = 0
    private var droppedByPartition = 0
    private var droppedNodeDown = 0
    private var duplicated = 0
    private var streamsOpened = 0
    private var streamsFailed = 0
    private var streamBytes = 0
    private var rejected: [String: Int] = [:]
    private var decodeErrors = 0
    private var deathsDeclared = 0
    private var declarationsAfterFaults = 0
    private var falsePositives: [SimulationReport.FalsePositive] = []
    private var crashes: [SimulationReport.CrashDetection] = []
    private var crashAt: [Int64] = []
    /// Per node: index into `crashes` while it is down after a crash, else -1.
    private var openCrash: [Int32]
    private var remerges: [SimulationReport.Remerge] = []
    private var pendingRemerges: [(index: Int, since: Int64)] = []
    private var snapshots: [SimulationReport.Snapshot] = []
    private var converged = false
    private var joinConvergence: Int64?
    private var lastFaultTime: Int64
    private var settledAfterLastFault: Int64?
    private var convergenceCheck = "not reached"
    private var violations: [SimulationReport.Violation] = []
    private var violationCounts: [String: Int] = [:]
    private var bootedCount = 0

    public init(options: SimulationOptions) throws(ScenarioError) {
        guard options.nodes >= 1, options.nodes <= 50_000 else {
            throw ScenarioError("nodes must be between 1 and 50000, got \(options.nodes)")
        }
        guard options.duration > 0, options.duration <= 1_000_000 else {
            throw ScenarioError("duration must be positive (and at most 1000000 s), got \(options.duration)")
        }
        guard let config = SimulationOptions.configuration(profile: options.profile) else {
            throw ScenarioError(
                "unknown profile \(options.profile); expected one of \(GossipConfiguration.profileNames.joined(separator: ", "))"
            )
        }
        let errors = options.scenario.validationErrors(nodes: options.nodes, duration: options.duration)
        guard errors.isEmpty else { throw ScenarioError(errors.joined(separator: "\n")) }

        for (index, topic) in options.topics.enumerated() {
            if topic.partitions < 1 || topic.replicationFactor < 1 {
                throw ScenarioError(
                    "topic \(index) (\(topic.name)): partitions and replication factor must be positive"
                )
            }
            if let node = topic.node, node < 0 || node >= options.nodes {
                throw ScenarioError("topic \(index) (\(topic.name)): node \(node) is out of range 0..<\(options.nodes)")
            }
        }
        self.options = options
        var gossipConfiguration = config
        var partitionsConfiguration = SimulationOptions.partitionsConfiguration(nodes: options.nodes)
        options.misconfigure?(&gossipConfiguration, &partitionsConfiguration)
        self.configuration = gossipConfiguration
        self.partitionsConfiguration = partitionsConfiguration
        n = options.nodes
        endTime = Self.nanos(options.duration)
        settle = SimulationOptions.settleBound(profile: options.profile, nodes: n)
        grace =
            SimulationOptions.maxSuspicion(config, nodes: n)
            + config.probeInterval.seconds * Double(config.awarenessMaxMultiplier)

        var master = SeededRandom(seed: options.seed)
        var keyBytes: [UInt8] = []
        for _ in 0..<4 {
            var word = master.next()
            for _ in 0..<8 {
                keyBytes.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        keyring = Keyring(primary: try! ClusterKey(bytes: keyBytes))
        let settings = options.scenario.network ?? NetworkSettings.defaults(forProfile: options.profile)
        network = NetworkModel(nodes: n, settings: settings, rng: master.fork())
        tracker = ViewTracker(nodes: n)
        let count = options.nodes
        let names = (0..<count).map { SimulationOptions.nodeName($0, nodes: count) }
        checkers =
            [
                ConvergenceChecker(), IncarnationChecker(nodes: n), SelfViewChecker(),
                SingleControllerChecker(names: names), ControllerEpochChecker(names: names),
                PartitionEpochChecker(names: names), LeaderInISRChecker(names: names),
                PartitionConvergenceChecker(), LeaderAvailabilityChecker(),
            ] as [any InvariantChecker]
            + options.extraCheckers(options.nodes)
        openCrash = [Int32](repeating: -1, count: n)
        observer = PartitionObserver(names: names, topics: options.topics)
        voterIndices = Array(0..<SimulationOptions.voterCount(nodes: n))
        topicInFlightSince = [Int64?](repeating: nil, count: options.topics.count)
        topicCreated = [Bool](repeating: false, count: options.topics.count)

        var clockRng = master.fork()
        var placeholderSealer = Sealer(keyring: keyring, senderID: 0)
        _ = placeholderSealer.seal([], nowMillis: 0, using: &clockRng)
        nodes.reserveCapacity(n)
        instances.reserveCapacity(n)
        for i in 0..<n {
            let name = names[i]
            let address = PeerAddress(host: "10.\(i >> 16).\((i >> 8) & 255).\(i & 255)", port: 7946)
            var node = SimNode(name: name, address: address, rng: master.fork(), sealRng: SeededRandom(seed: 0))
            if let clocks = options.scenario.clocks {
                node.clockOffset = Self.nanos((clockRng.unitDouble() * 2 - 1) * clocks.skewMs / 1000)
                node.drift = (clockRng.unitDouble() * 2 - 1) * clocks.driftPPM / 1e6
            }
            nodes.append(node)
            addressIndex[address] = Int32(i)
            instances.append(
                Self.placeholder(
                    name: name,
                    address: address,
                    config: config,
                    partitions: partitionsConfiguration
                )
            )
            sealers.append(placeholderSealer)
        }
        lastFaultTime = 0
        if let url = options.traceURL {
            traceWriter = try TraceWriter(url: url)
        }
    }

    static func nanos(_ seconds: Double) -> Int64 { Int64((seconds * 1e9).rounded()) }
    static func seconds(_ nanos: Int64) -> Double { Double(nanos) / 1e9 }

    private static func placeholder(
        name: String,
        address: PeerAddress,
        config: GossipConfiguration,
        partitions: PartitionsConfiguration
    ) -> ClusterNode {
        ClusterNode(
            gossip: SWIMInstance(name: name, address: address, configuration: config, seed: 0),
            partitions: PartitionsInstance(
                name: name,
                metadata: NodeMetadata(),
                configuration: partitions,
                seed: 0,
                now: .zero
            )
        )
    }

    private func metadata(_ i: Int) -> NodeMetadata {
        NodeMetadata(roles: i < voterIndices.count ? ["broker", "controller"] : ["broker"])
    }

    // MARK: - Running

    /// Runs to the end and returns the report. Call once.
    public mutating func run() -> SimulationReport {
        let wallStart = ContinuousClock.now
        var master = SeededRandom(seed: options.seed ^ 0x57A6_6E25_7A27_5EED)
        let stagger = options.stagger ?? min(2, Double(n) * 0.002)
        queue.push(.boot(node: 0), at: 0)
        for i in 1..<max(1, n) {
            let at = Self.nanos(stagger * (1 - master.unitDouble()))
            queue.push(.boot(node: Int32(i)), at: at)
        }
        for (index, fault) in options.scenario.faults.enumerated() {
            queue.push(.fault(index: Int32(index)), at: Self.nanos(fault.at))
        }
        for (index, topic) in options.topics.enumerated() {
            // Without a time: at join convergence, or this fallback if convergence takes longer.
            queue.push(.createTopic(index: Int32(index)), at: Self.nanos(topic.at ?? (stagger + 15)))
        }
        let lastFault = max(options.scenario.lastFaultTime, stagger)
        lastFaultTime = Self.nanos(lastFault)
        let checkAt = lastFault + settle
        if checkAt <= options.duration {
            queue.push(.checkpoint, at: Self.nanos(checkAt))
        } else {
            convergenceCheck = String(
                format: "skipped: the run ends %.1fs after the last fault, the settle bound is %.1fs",
                options.duration - lastFault,
                settle
            )
        }

        let progressEvery = 1 << 16
        while let next = queue.nextTime, next <= endTime {
            let (time, event) = queue.pop()!
            now = time
            events += 1
            dispatch(event)
            if events % progressEvery == 0, let progress = options.progress {
                progress(Double(now) / Double(endTime))
            }
        }
        now = endTime
        runCheckpoint(.final)
        traceWriter?.close()
        let partitions = partitionFigures()

        let wall = (ContinuousClock.now - wallStart).seconds
        return report(wall: wall, partitions: partitions)
    }

    private mutating func dispatch(_ event: SimEvent) {
        switch event {
        case .boot(let node):
            boot(Int(node))
        case .fault(let index):
            applyFault(options.scenario.faults[Int(index)])
        case .checkpoint:
            runCheckpoint(.settled(lastFault: Self.seconds(lastFaultTime), settle: settle))
        case .createTopic(let index):
            createTopic(Int(index))
        case .process(let node, let generation):
            let i = Int(node)
            guard nodes[i].up, nodes[i].generation == generation, nodes[i].slowHead < nodes[i].slowQueue.count else {
                return
            }
            let next = nodes[i].slowQueue[nodes[i].slowHead]
            nodes[i].slowHead += 1
            if nodes[i].slowHead == nodes[i].slowQueue.count {
                nodes[i].slowQueue.removeAll(keepingCapacity: true)
                nodes[i].slowHead = 0
            } else if nodes[i].slowHead >= 1024 {
                nodes[i].slowQueue.removeFirst(nodes[i].slowHead)
                nodes[i].slowHead = 0
            }
            if nodes[i].paused {
                nodes[i].backlog.append(next)
            } else {
                handle(next, at: i)
            }
        default:
            let i = event.target!
            guard nodes[i].up else {
                targetDown(event)
                return
            }
            if nodes[i].paused {
                nodes[i].backlog.append(event)
                return
            }
            if nodes[i].slowDelay > 0 {
                let ready = max(now, nodes[i].busyUntil) + nodes[i].slowDelay
                nodes[i].busyUntil = ready
                nodes[i].slowQueue.append(event)
                queue.push(.process(node: Int32(i), generation: nodes[i].generation), at: ready)
                return
            }
            handle(event, at: i)
        }
    }

    /// Something arrived for a node that is not running.
    private mutating func targetDown(_ event: SimEvent) {
        switch event {
        case .datagram(let to, let from, let bytes):
            droppedNodeDown += 1
            traceWriter?.line(
                now,
                "drop-down datagram \(nodes[Int(from)].name)->\(nodes[Int(to)].name) \(bytes.count)B"
            )
        case .streamRequest(let to, let from, let generation, _):
            // Connection refused.
            let back = network.latency(Int(to), Int(from))
            queue.push(.streamFailed(to: from, generation: generation, peer: to), at: now + 2 * back)
        default:
            break
        }
    }

    private mutating func handle(_ event: SimEvent, at i: Int) {
        switch event {
        case .timer(_, let generation, let timer):
            guard generation == nodes[i].generation else { return }
            traceWriter?.line(now, "timer \(nodes[i].name) \(timer)")
            let stamp = localTimestamp(i)
            let directives = instances[i].timerFired(timer, now: stamp)
            var declaring = false
            if case .gossip(.suspicion) = timer { declaring = true }
            apply(directives, from: i, declaring: declaring)
        case .datagram(_, let from, let bytes):
            datagramsDelivered += 1
            record(kind: 1, from: Int(from), to: i, bytes: bytes)
            guard let plaintext = openSealed(bytes, at: i, recipient: nodes[i].address.description) else { return }
            let stamp = localTimestamp(i)
            do {
                let directives = try instances[i].receiveDatagram(plaintext, from: nodes[Int(from)].address, now: stamp)
                apply(directives, from: i, declaring: false)
            } catch {
                decodeErrors += 1
            }
        case .streamRequest(_, let from, let generation, let bytes):
            let initiator = Int(from)
            record(kind: 2, from: initiator, to: i, bytes: bytes)
            guard network.canSend(initiator, i), network.canSend(i, initiator) else {
                failStream(initiator: initiator, generation: generation, peer: i, after: Self.connectTimeout)
                return
            }
            guard let plaintext = openSealed(bytes, at: i) else {
                failStream(initiator: initiator, generation: generation, peer: i, after: network.latency(i, initiator))
                return
            }
            let stamp = localTimestamp(i)
            let result: (reply: [UInt8]?, directives: [NodeDirective])
            do {
                result = try instances[i].receivePushPull(plaintext, now: stamp)
            } catch {
                decodeErrors += 1
                failStream(initiator: initiator, generation: generation, peer: i, after: network.latency(i, initiator))
                return
            }
            apply(result.directives, from: i, declaring: false)
            if let reply = result.reply {
                let sealed = sealers[i].seal(reply, nowMillis: localMillis(i), using: &nodes[i].sealRng)
                streamBytes += sealed.count + Framing.headerCount
                let at = now + network.latency(i, initiator) + Self.transferTime(sealed.count)
                queue.push(.streamReply(to: from, generation: generation, from: Int32(i), bytes: sealed), at: at)
            }
        case .streamReply(_, let generation, let from, let bytes):
            guard generation == nodes[i].generation else { return }
            let peer = Int(from)
            record(kind: 3, from: peer, to: i, bytes: bytes)
            guard network.canSend(peer, i), network.canSend(i, peer) else {
                failStream(initiator: i, generation: generation, peer: peer, after: Self.connectTimeout)
                return
            }
            guard let plaintext = openSealed(bytes, at: i) else {
                failStream(initiator: i, generation: generation, peer: peer, after: 0)
                return
            }
            let stamp = localTimestamp(i)
            do {
                let result = try instances[i].receivePushPull(plaintext, now: stamp)
                apply(result.directives, from: i, declaring: false)
            } catch {
                decodeErrors += 1
            }
        case .streamFailed(_, let generation, let peer):
            guard generation == nodes[i].generation else { return }
            streamsFailed += 1
            traceWriter?.line(now, "stream-failed \(nodes[i].name)->\(nodes[Int(peer)].name)")
            let directives = instances[i].pushPullFailed(with: nodes[Int(peer)].address, now: localTimestamp(i))
            apply(directives, from: i, declaring: false)
        case .boot, .process, .fault, .checkpoint, .createTopic:
            break
        }
    }

    static let connectTimeout: Int64 = 1_000_000_000

    /// 100 MB/s per stream.
    static func transferTime(_ bytes: Int) -> Int64 { Int64(bytes) * 10 }

    private mutating func failStream(initiator: Int, generation: UInt32, peer: Int, after delay: Int64) {
        queue.push(
            .streamFailed(to: Int32(initiator), generation: generation, peer: Int32(peer)),
            at: now + max(0, delay)
        )
    }

    /// Opens what node `i` received with its own clock; a rejection is counted and gives nil.
    /// A datagram names its `recipient` (the address it was sent to); streams have none.
    private mutating func openSealed(_ bytes: [UInt8], at i: Int, recipient: String? = nil) -> [UInt8]? {
        do {
            if let recipient { return try sealers[i].open(bytes, at: [recipient], nowMillis: localMillis(i)) }
            return try sealers[i].open(bytes, nowMillis: localMillis(i))
        } catch {
            reject(error)
            return nil
        }
    }

    private mutating func reject(_ error: SealingError) {
        let label: String
        switch error {
        case .tooShort: label = "too_short"
        case .tooLarge: label = "too_large"
        case .unknownVersion: label = "unknown_version"
        case .authenticationFailed: label = "authentication_failed"
        case .replayed: label = "replayed"
        case .stale: label = "stale"
        }
        rejected[label, default: 0] += 1
    }

    /// Folds a delivery into the trace hash (and the trace file).
    private mutating func record(kind: UInt8, from: Int, to: Int, bytes: [UInt8]) {
        trace.mix(UInt64(bitPattern: now))
        trace.mix(byte: kind)
        trace.mix(UInt64(from) << 32 | UInt64(to))
        trace.mix(bytes: bytes)
        if traceWriter != nil {
            let what = kind == 1 ? "datagram" : kind == 2 ? "push-pull" : "push-pull-reply"
            traceWriter?.line(now, "deliver \(what) \(nodes[from].name)->\(nodes[to].name) \(bytes.count)B")
        }
    }

    // MARK: - Clocks

    @inline(__always)
    private mutating func localNanos(_ i: Int) -> Int64 {
        var local = now &+ nodes[i].clockOffset
        if nodes[i].drift != 0 { local &+= Int64((Double(now) * nodes[i].drift).rounded()) }
        if local < nodes[i].lastLocal {
            local = nodes[i].lastLocal
        } else {
            nodes[i].lastLocal = local
        }
        return local
    }

    @inline(__always)
    private mutating func localTimestamp(_ i: Int) -> Timestamp { Timestamp(nanoseconds: localNanos(i)) }

    @inline(__always)
    private mutating func localMillis(_ i: Int) -> Int64 { localNanos(i) / 1_000_000 }

    /// A delay on the node's clock, in virtual time.
    @inline(__always)
    private func virtualDelay(_ duration: Duration, node i: Int) -> Int64 {
        let ns = max(0, duration.nanoseconds)
        let drift = nodes[i].drift
        // Rounded up plus 1 ns, so the node's clock has surely reached the deadline when the timer fires (rounding
        // down can leave it a nanosecond short, and a core may then re-arm a 0-delay timer forever).
        return drift == 0 ? ns : Int64((Double(ns) / (1 + drift)).rounded(.up)) + 1
    }

    // MARK: - Directives

    private mutating func apply(_ directives: [NodeDirective], from i: Int, declaring: Bool) {
        for directive in directives {
            switch directive {
            case .schedule(let timer, let after):
                let at = now + virtualDelay(after, node: i)
                queue.push(.timer(node: Int32(i), generation: nodes[i].generation, timer: timer), at: at)
            case .send(let datagram, let destination):
                send(datagram, from: i, to: destination)
            case .pushPull(let payload, let destination, _):
                openStream(payload, from: i, to: destination)
            case .memberChanged(let change):
                memberChanged(change, viewer: i, declaring: declaring)
            case .leaveComplete:
                stop(i, reason: "left")
            case .stateChanged(let entry):
                if nodes[i].up {
                    nodes[i].stateDirty = true
                    stateChanged(entry, at: i)
                }
            case .controllerChanged(let view):
                guard nodes[i].up else { break }
                traceWriter?.line(
                    now,
                    "controller-view \(nodes[i].name) \(view.controller ?? "none") epoch \(view.epoch)"
                )
                observer.controllerViewChanged(i, view, at: now)
                for checker in checkers {
                    if let message = checker.controllerViewChanged(viewer: i, view: view, at: now) {
                        violation(checker.name, message)
                    }
                }
            case .requestCompleted(let id, let error):
                requestCompleted(id: id, error: error?.description, at: i)
            case .topicDeleted:
                break
            case .persist(let record, let ticket):
                // The data dir's fsync is modelled as instant: the record survives any later crash.
                guard nodes[i].up else { break }
                nodes[i].voterRecord = record
                apply(
                    instances[i].voterRecordPersisted(ticket: ticket, now: localTimestamp(i)),
                    from: i,
                    declaring: declaring
                )
            }
        }
        observeActing(i)
        if nodes[i].stateDirty, nodes[i].up, now - nodes[i].lastSave >= 1_000_000_000 {
            nodes[i].savedState = instances[i].gossip.clusterState
            nodes[i].lastSave = now
            nodes[i].stateDirty = false
        }
    }

    private mutating func send(_ datagram: [UInt8], from i: Int, to destination: PeerAddress) {
        let millis = localMillis(i)
        let recipient = destination.description
        let sealed = sealers[i].seal(datagram, to: recipient, nowMillis: millis, using: &nodes[i].sealRng)
        datagramsSent += 1
        if WireFormat.kind(of: datagram) == WireFormat.controlKind { controlDatagrams += 1 }
        datagramBytes += sealed.count
        if sealed.count > largestDatagram {
            largestDatagram = sealed.count
            if sealed.count > configuration.maxDatagramSize {
                violation(
                    "datagram-size",
                    "\(nodes[i].name) sent a \(sealed.count)-byte datagram, above the \(configuration.maxDatagramSize)-byte maximum"
                )
            }
        }
        guard let target = addressIndex[destination] else {
            droppedByPartition += 1
            return
        }
        let j = Int(target)
        guard network.canSend(i, j) else {
            droppedByPartition += 1
            traceWriter?.line(now, "drop-partition datagram \(nodes[i].name)->\(nodes[j].name) \(sealed.count)B")
            return
        }
        if network.rng.chance(network.settings.loss) {
            droppedByLoss += 1
            traceWriter?.line(now, "drop-loss datagram \(nodes[i].name)->\(nodes[j].name) \(sealed.count)B")
            return
        }
        queue.push(.datagram(to: target, from: Int32(i), bytes: sealed), at: now + network.latency(i, j))
        if network.rng.chance(network.settings.duplicate) {
            duplicated += 1
            queue.push(.datagram(to: target, from: Int32(i), bytes: sealed), at: now + network.latency(i, j))
        }
    }

    private mutating func openStream(_ payload: [UInt8], from i: Int, to destination: PeerAddress) {
        let generation = nodes[i].generation
        guard let target = addressIndex[destination] else {
            queue.push(
                .streamFailed(to: Int32(i), generation: generation, peer: Int32(i)),
                at: now + Self.connectTimeout
            )
            return
        }
        let j = Int(target)
        let sealed = sealers[i].seal(payload, nowMillis: localMillis(i), using: &nodes[i].sealRng)
        streamsOpened += 1
        streamBytes += sealed.count + Framing.headerCount
        if !network.canSend(i, j) || !network.canSend(j, i) {
            failStream(initiator: i, generation: generation, peer: j, after: Self.connectTimeout)
        } else if !nodes[j].up {
            failStream(initiator: i, generation: generation, peer: j, after: 2 * network.latency(i, j))
        } else {
            // Handshake, then the data.
            let at = now + 2 * network.latency(i, j) + network.latency(i, j) + Self.transferTime(sealed.count)
            queue.push(.streamRequest(to: target, from: Int32(i), generation: generation, bytes: sealed), at: at)
        }
    }

    // MARK: - Observing membership

    @inline(__always)
    private func index(of name: String) -> Int? {
        var value = 0
        var first = true
        for byte in name.utf8 {
            if first {
                guard byte == UInt8(ascii: "n") else { return nil }
                first = false
                continue
            }
            guard byte >= 48, byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
            if value >= n { return nil }
        }
        return first ? nil : value
    }

    private mutating func memberChanged(_ change: MemberChange, viewer v: Int, declaring: Bool) {
        guard let m = index(of: change.member.name) else { return }
        let status = change.member.status
        if traceWriter != nil {
            traceWriter?.line(
                now,
                "member \(nodes[v].name) sees \(change.member.name) \(change.previousStatus.map { "\($0)" } ?? "new")->\(status) inc \(change.member.incarnation)"
            )
        }
        tracker.set(viewer: v, member: m, status: status)
        for checker in checkers {
            if let message = checker.memberChanged(viewer: v, change: change, member: m, at: now) {
                violation(checker.name, message)
            }
        }
        if status == .dead {
            let c = Int(openCrash[m])
            if c >= 0, crashes[c].firstDetectedAfter == nil, tracker.live[v] {
                crashes[c].firstDetectedAfter = Self.seconds(now - crashAt[c])
                crashes[c].firstDetector = nodes[v].name
            }
            if declaring {
                deathsDeclared += 1
                classifyDeclaration(declarer: v, target: m)
            }
        }
        viewsChanged(member: m)
    }

    private mutating func classifyDeclaration(declarer v: Int, target m: Int) {
        let target = nodes[m]
        let healthy =
            target.up && !target.leaving && !target.paused && target.slowDelay == 0 && target.backlog.isEmpty
            && target.slowHead == target.slowQueue.count
        guard healthy, network.canSend(v, m), network.canSend(m, v) else { return }
        let quietSince = max(nodes[v].lastDisruption, target.lastDisruption, network.lastGlobalChange)
        if quietSince != .min, now - quietSince <= Self.nanos(grace) {
            declarationsAfterFaults += 1
            return
        }
        falsePositives.append(
            SimulationReport.FalsePositive(at: Self.seconds(now), target: target.name, declaredBy: nodes[v].name)
        )
        traceWriter?.line(now, "FALSE-POSITIVE \(nodes[v].name) declared \(target.name) dead")
    }

    /// After views of `member` (or liveness) changed: crash detection and convergence bookkeeping.
    private mutating func viewsChanged(member m: Int?) {
        if let m, openCrash[m] >= 0, tracker.activeViewers[m] == 0 {
            let c = Int(openCrash[m])
            if crashes[c].allDetectedAfter == nil { crashes[c].allDetectedAfter = Self.seconds(now - crashAt[c]) }
        }
        let isConverged = tracker.isConverged
        guard isConverged != converged else { return }
        converged = isConverged
        guard isConverged else { return }
        if joinConvergence == nil, bootedCount == n, tracker.liveCount == n {
            joinConvergence = now
            for (index, topic) in options.topics.enumerated() where topic.at == nil {
                queue.push(.createTopic(index: Int32(index)), at: now)
            }
        }
        if settledAfterLastFault == nil, now >= lastFaultTime {
            settledAfterLastFault = now - lastFaultTime
        }
        for pending in pendingRemerges {
            remerges[pending.index].convergedAfter = Self.seconds(now - pending.since)
        }
        pendingRemerges.removeAll()
    }

    /// Liveness of many views changed: re-check every open crash.
    private mutating func livenessChanged() {
        for m in 0..<n where openCrash[m] >= 0 {
            viewsChanged(member: m)
        }
        viewsChanged(member: nil)
    }

    // MARK: - Node lifecycle

    private mutating func boot(_ i: Int) {
        if nodes[i].up { stop(i, reason: "restarted") }
        nodes[i].generation &+= 1
        let seed = nodes[i].rng.next()
        let senderID = nodes[i].rng.next()
        nodes[i].sealRng = nodes[i].rng.fork()
        let partitionsSeed = nodes[i].rng.next()
        let isRestart = nodes[i].everBooted
        if !nodes[i].everBooted { bootedCount += 1 }
        nodes[i].everBooted = true
        nodes[i].up = true
        nodes[i].leaving = false
        nodes[i].paused = false
        nodes[i].backlog = []
        nodes[i].slowQueue = []
        nodes[i].slowHead = 0
        nodes[i].busyUntil = now
        let bootTime = localTimestamp(i)
        var swim = SWIMInstance(
            name: nodes[i].name,
            address: nodes[i].address,
            metadata: metadata(i),
            configuration: configuration,
            seed: seed
        )
        // What the data dir kept reaches the partitions core before anything else, as in the real shell.
        if let saved = nodes[i].savedState { swim.restoreState(saved) }
        nodes[i].stateDirty = false
        instances[i] = ClusterNode(
            gossip: swim,
            partitions: PartitionsInstance(
                name: nodes[i].name,
                metadata: metadata(i),
                configuration: partitionsConfiguration,
                seed: partitionsSeed,
                now: bootTime,
                voterRecord: nodes[i].voterRecord
            )
        )
        sealers[i] = Sealer(keyring: keyring, senderID: senderID)
        let c = Int(openCrash[i])
        if c >= 0 { openCrash[i] = -1 }
        tracker.clearRow(i)
        tracker.setLive(i, true)
        observer.nodeBooted(i, at: now)
        for checker in checkers { checker.nodeBooted(i, at: now) }
        traceWriter?.line(now, "\(isRestart ? "restart" : "boot") \(nodes[i].name)")
        livenessChanged()
        // The first boot joins through node 0. A restart lists three seeds (nodes 0–3, itself excepted), as an
        // operator would: with node 0 alone, a restart while node 0 was down stayed alone for good (swarm seed 139).
        let seeds: [PeerAddress] =
            isRestart
            ? (0..<min(n, 4)).filter { $0 != i }.prefix(3).map { nodes[$0].address }
            : (i == 0 ? [] : [nodes[0].address])
        let directives = instances[i].start(seeds: seeds, now: localTimestamp(i))
        apply(directives, from: i, declaring: false)
    }

    /// The process is gone (crash, stop after leaving, or before a restart).
    private mutating func stop(_ i: Int, reason: String) {
        guard nodes[i].up else { return }
        if reason != "left" { recordLoss(i, cause: reason == "crashed" ? "crash" : reason) }
        // A graceful stop saves the state; a crash loses what changed since the last save.
        if reason == "left" { nodes[i].savedState = instances[i].gossip.clusterState }
        nodes[i].up = false
        nodes[i].leaving = false
        nodes[i].paused = false
        nodes[i].generation &+= 1
        nodes[i].backlog = []
        nodes[i].slowQueue = []
        nodes[i].slowHead = 0
        nodes[i].lastDisruption = now
        instances[i] = Self.placeholder(
            name: nodes[i].name,
            address: nodes[i].address,
            config: configuration,
            partitions: partitionsConfiguration
        )
        tracker.setLive(i, false)
        tracker.clearRow(i)
        observer.nodeStopped(i, at: now)
        for checker in checkers { checker.nodeStopped(i, at: now) }
        traceWriter?.line(now, "stop \(nodes[i].name) (\(reason))")
        livenessChanged()
    }

    // MARK: - Faults

    private mutating func applyFault(_ fault: TimedFault) {
        snapshots.append(
            SimulationReport.Snapshot(
                at: Self.seconds(now),
                event: fault.action.label,
                liveNodes: tracker.liveCount,
                activePairs: tracker.livePairs,
                stalePairs: tracker.stalePairs
            )
        )
        traceWriter?.line(now, "fault \(fault.action.label) \(fault.action.nodes)")
        switch fault.action {
        case .crash(let list):
            crash(list)
        case .crashController:
            if let c = refreshActing().first {
                victims.append(c)
                crash([c])
            } else {
                skippedFaults.append(
                    String(format: "crash-controller at %.3fs: no node acts as controller", Self.seconds(now))
                )
            }
        case .crashLeader:
            if let leader = busiestLeader() {
                victims.append(leader)
                crash([leader])
            } else {
                skippedFaults.append(
                    String(format: "crash-leader at %.3fs: no broker but the controller leads", Self.seconds(now))
                )
            }
        case .isolateController:
            if let c = refreshActing().first {
                // The largest minority of voters the controller can take with it: none of 3, one of 5.
                let companions = voterIndices.filter { $0 != c }.prefix(max(0, (voterIndices.count - 1) / 2 - 1))
                let group = ([c] + companions).sorted()
                observer.controllerLost(c, cause: "isolate", at: now)
                let touched = network.apply(.partition([group, (0..<n).filter { !group.contains($0) }]))
                for i in touched { nodes[i].lastDisruption = now }
            } else {
                skippedFaults.append(
                    String(format: "isolate-controller at %.3fs: no node acts as controller", Self.seconds(now))
                )
            }
        case .restartVictims:
            for i in victims where !nodes[i].up {
                nodes[i].lastDisruption = now
                boot(i)
            }
            victims.removeAll()
        case .restart(let list):
            for i in list {
                nodes[i].lastDisruption = now
                boot(i)
            }
        case .leave(let list):
            for i in list where nodes[i].up && !nodes[i].leaving {
                nodes[i].leaving = true
                nodes[i].lastDisruption = now
                tracker.setLive(i, false)
                livenessChanged()
                let directives = instances[i].leave(now: localTimestamp(i))
                apply(directives, from: i, declaring: false)
            }
        case .pause(let list):
            for i in list where nodes[i].up {
                nodes[i].paused = true
                nodes[i].lastDisruption = now
            }
        case .resume(let list):
            for i in list where nodes[i].up && nodes[i].paused {
                nodes[i].paused = false
                nodes[i].lastDisruption = now
                let backlog = nodes[i].backlog
                nodes[i].backlog = []
                for event in backlog { queue.push(event, at: now) }
            }
        case .slow(let list, let delayMs):
            for i in list {
                nodes[i].slowDelay = Self.nanos(delayMs / 1000)
                // Becoming slow is not a disruption of the node's peers: its own false accusations still count.
                if delayMs == 0 { nodes[i].lastDisruption = now }
            }
        case .clock(let list, let stepMs, let drift):
            for i in list {
                let continuity = Int64((Double(now) * (nodes[i].drift - drift)).rounded())
                nodes[i].clockOffset += continuity + Self.nanos(stepMs / 1000)
                nodes[i].drift = drift
                nodes[i].lastDisruption = now
            }
        case .partition, .isolate, .bridge, .healPartitions, .heal, .oneWay, .unblock, .cut, .restore, .network:
            let touched = network.apply(fault.action)
            for i in touched { nodes[i].lastDisruption = now }
            if case .network = fault.action { network.lastGlobalChange = now }
        }
        if settledAfterLastFault == nil, now >= lastFaultTime, converged {
            settledAfterLastFault = now - lastFaultTime
        }
        if fault.action.isRepair {
            remerges.append(
                SimulationReport.Remerge(event: fault.action.label, at: Self.seconds(now), convergedAfter: nil)
            )
            if converged {
                remerges[remerges.count - 1].convergedAfter = 0
            } else {
                pendingRemerges.append((remerges.count - 1, now))
            }
        }
    }

    private mutating func crash(_ list: [Int]) {
        for i in list where nodes[i].up {
            stop(i, reason: "crashed")
            openCrash[i] = Int32(crashes.count)
            crashAt.append(now)
            crashes.append(
                SimulationReport.CrashDetection(
                    node: nodes[i].name,
                    at: Self.seconds(now),
                    firstDetectedAfter: nil,
                    firstDetector: nil,
                    allDetectedAfter: nil
                )
            )
            viewsChanged(member: i)
        }
    }

    // MARK: - Partitions layer

    /// A node's clock now, without moving its monotonic floor (what it would read if it handled an event now).
    private func peekLocal(_ i: Int) -> Int64 {
        var local = now &+ nodes[i].clockOffset
        if nodes[i].drift != 0 { local &+= Int64((Double(now) * nodes[i].drift).rounded()) }
        return max(local, nodes[i].lastLocal)
    }

    private func isActing(_ i: Int) -> Bool {
        nodes[i].up && instances[i].partitions.isActingController(at: Timestamp(nanoseconds: peekLocal(i)))
    }

    /// The nodes acting as controller now, each by its own clock (leases also end by time passing).
    private mutating func refreshActing() -> [Int] {
        for j in observer.actingList where !isActing(j) { observer.noteNotActing(j) }
        return observer.actingList
    }

    /// After node `i` handled something: did it start (or stop) acting as controller?
    private mutating func observeActing(_ i: Int) {
        if isActing(i) {
            let epoch = instances[i].partitions.controllerEpoch
            guard observer.noteActing(i, epoch: epoch, at: now) else { return }
            traceWriter?.line(now, "acting \(nodes[i].name) epoch \(epoch)")
            let acting = refreshActing().map { (node: $0, epoch: observer.actingEpoch(of: $0)) }
            for checker in checkers {
                for message in checker.controllerStartedActing(node: i, epoch: epoch, acting: acting, at: now) {
                    violation(checker.name, message)
                }
            }
        } else if observer.isActing[i] {
            observer.noteNotActing(i)
        }
    }

    /// The node whose partition table is the reference: the acting controller, else the first up node.
    private mutating func referenceNode(excluding excluded: Int? = nil) -> Int? {
        refreshActing().first { $0 != excluded } ?? (0..<n).first { nodes[$0].up && $0 != excluded }
    }

    /// The broker leading the most partitions in the controller's table, other than the controller.
    private mutating func busiestLeader() -> Int? {
        guard let ref = referenceNode() else { return nil }
        let acting = Set(refreshActing())
        var counts = [Int](repeating: 0, count: n)
        for state in instances[ref].partitions.partitionStates.values {
            if let leader = state.leader, let m = index(of: leader) { counts[m] += 1 }
        }
        var best: Int?
        for m in 0..<n where counts[m] > 0 && nodes[m].up && !acting.contains(m) {
            if best == nil || counts[m] > counts[best!] { best = m }
        }
        return best
    }

    /// Node `i` goes down (crash or restart): open the controller and leader failover figures it causes.
    private mutating func recordLoss(_ i: Int, cause: String) {
        let wasActing = refreshActing().contains(i)
        if wasActing { observer.controllerLost(i, cause: cause, at: now) }
        // Its own table if it was the controller, else the controller's.
        guard let ref = wasActing ? i : referenceNode(excluding: i) else { return }
        let name = nodes[i].name
        var led: [Int] = []
        for (id, state) in instances[ref].partitions.partitionStates where state.leader == name {
            led.append(observer.index(of: id))
        }
        observer.leaderCrashed(i, led: led.sorted(), cause: cause, at: now)
    }

    static func partitionID(fromKey key: String) -> PartitionID? {
        guard key.hasPrefix("p/"), let slash = key.lastIndex(of: "/"), let number = Int(key[key.index(after: slash)...])
        else { return nil }
        let topic = key[key.index(key.startIndex, offsetBy: 2)..<slash]
        return PartitionID(topic: String(topic), partition: number)
    }

    /// Node `i` accepted a newer cluster-state value: if it is a partition's, check and record its table entry.
    private mutating func stateChanged(_ entry: StateEntry, at i: Int) {
        guard let id = Self.partitionID(fromKey: entry.key), let state = instances[i].partitions.partitionStates[id]
        else { return }
        let p = observer.index(of: id)
        guard let previous = observer.observe(i, p, state, now: now) else { return }
        if traceWriter != nil {
            traceWriter?.line(
                now,
                "partition \(nodes[i].name) \(id) leader \(state.leader ?? "none") epoch \(state.leaderEpoch) isr \(state.isr.joined(separator: ",")) v\(state.version)"
            )
        }
        for checker in checkers {
            if let message = checker.partitionChanged(viewer: i, previous: previous, current: state, at: now) {
                violation(checker.name, message)
            }
        }
    }

    private func requestKey(_ i: Int, _ id: UInt64) -> UInt64 {
        UInt64(i) << 44 | UInt64(nodes[i].generation & 0xFFF) << 32 | (id & 0xFFFF_FFFF)
    }

    private mutating func createTopic(_ t: Int) {
        guard !topicCreated[t] else { return }
        // An attempt younger than 5 s may still be answered.
        if let since = topicInFlightSince[t], now - since < 5_000_000_000 { return }
        let spec = options.topics[t]
        let preferred = spec.node ?? (n - 1)
        let candidates = (0..<n).map { (preferred - $0 + n) % n }
        guard let i = candidates.first(where: { nodes[$0].up && !nodes[$0].paused && !nodes[$0].leaving }) else {
            queue.push(.createTopic(index: Int32(t)), at: now + 1_000_000_000)
            return
        }
        let request = ControllerRequest.createTopic(
            name: spec.name,
            partitions: spec.partitions,
            replicationFactor: spec.replicationFactor
        )
        let (id, directives) = instances[i].submit(request, now: localTimestamp(i))
        topicRequests[requestKey(i, id)] = t
        topicInFlightSince[t] = now
        observer.topicRequested(t, at: now)
        traceWriter?.line(now, "submit \(nodes[i].name) create-topic \(spec.name) request \(id)")
        apply(directives, from: i, declaring: false)
        queue.push(.createTopic(index: Int32(t)), at: now + 5_000_000_001)
    }

    private mutating func requestCompleted(id: UInt64, error: String?, at i: Int) {
        guard let t = topicRequests.removeValue(forKey: requestKey(i, id)) else { return }
        topicInFlightSince[t] = nil
        traceWriter?.line(now, "completed \(nodes[i].name) request \(id): \(error ?? "ok")")
        observer.topicCompleted(t, error: error, at: now)
        if error == nil || error!.contains("already exists") {
            topicCreated[t] = true
        } else {
            queue.push(.createTopic(index: Int32(t)), at: now + 1_000_000_000)
        }
    }

    private mutating func partitionFigures() -> SimulationReport.PartitionFigures {
        let acting = refreshActing()
        var offline = 0
        var under = 0
        var total = 0
        if let ref = referenceNode() {
            for state in instances[ref].partitions.partitionStates.values {
                total += 1
                if state.isOffline { offline += 1 }
                if state.isUnderReplicated { under += 1 }
            }
        }
        let controller =
            acting.first.map { nodes[$0].name }
            ?? (0..<n).first { nodes[$0].up }.flatMap {
                instances[$0].controllerView(at: Timestamp(nanoseconds: peekLocal($0))).controller
            }
        return SimulationReport.PartitionFigures(
            voters: voterIndices.map { nodes[$0].name },
            topics: observer.topics,
            elections: observer.elections,
            controllerFailovers: observer.controllerFailovers,
            leaderFailovers: observer.leaderFailovers,
            skippedFaults: skippedFaults,
            partitionsAtEnd: total,
            offlineAtEnd: offline,
            underReplicatedAtEnd: under,
            controllerAtEnd: controller,
            controlDatagrams: controlDatagrams
        )
    }

    // MARK: - Checks and report

    private mutating func violation(_ checker: String, _ message: String) {
        let count = violationCounts[checker, default: 0]
        violationCounts[checker] = count + 1
        guard count < 20 else { return }
        violations.append(SimulationReport.Violation(checker: checker, at: Self.seconds(now), message: message))
        traceWriter?.line(now, "VIOLATION [\(checker)] \(message)")
    }

    private mutating func runCheckpoint(_ reason: CheckpointReason) {
        if case .final = reason, convergenceCheck.hasPrefix("skipped") {
            // The settle bound was not reached: only the invariants that need no settling.
            checkAll(reason, skippingUnsettled: true)
            return
        }
        let before = violations.count
        checkAll(reason, skippingUnsettled: false)
        if case .settled = reason {
            let failed = violations[before...].contains { $0.checker == "convergence" }
            convergenceCheck = failed ? "failed" : String(format: "passed at %.1fs", Self.seconds(now))
        }
    }

    private mutating func checkAll(_ reason: CheckpointReason, skippingUnsettled: Bool) {
        var newest: [PartitionID: NewestVersion] = [:]
        for (p, id) in observer.ids.enumerated() { newest[id] = observer.newest[p] }
        let state = SimulationState(
            time: now,
            names: nodes.map(\.name),
            nodes: instances,
            up: nodes.map(\.up),
            leaving: nodes.map(\.leaving),
            localTimes: (0..<n).map { peekLocal($0) },
            network: network,
            voters: voterIndices,
            newestPartitionSince: newest
        )
        var found: [(String, String)] = []
        for checker in checkers where !(skippingUnsettled && checker.needsSettling) {
            for message in checker.check(state, reason: reason) { found.append((checker.name, message)) }
        }
        for (checker, message) in found { violation(checker, message) }
    }

    private func report(wall: Double, partitions: SimulationReport.PartitionFigures) -> SimulationReport {
        let nodeSeconds = Double(n) * options.duration
        var remergesOut = remerges
        for i in remergesOut.indices where remergesOut[i].convergedAfter == nil {
            remergesOut[i].convergedAfter = nil
        }
        return SimulationReport(
            scenario: options.scenario.name,
            seed: options.seed,
            nodes: n,
            durationSeconds: options.duration,
            profile: options.profile,
            traceHash: trace.hex,
            joinConvergenceSeconds: joinConvergence.map(Self.seconds),
            crashes: crashes,
            falsePositives: falsePositives,
            declarationsAfterFaults: declarationsAfterFaults,
            deathsDeclared: deathsDeclared,
            remerges: remergesOut,
            snapshots: snapshots,
            traffic: SimulationReport.Traffic(
                datagramsSent: datagramsSent,
                datagramBytes: datagramBytes,
                messagesPerNodePerSecond: Double(datagramsSent) / nodeSeconds,
                bytesPerNodePerSecond: Double(datagramBytes) / nodeSeconds,
                largestDatagram: largestDatagram,
                maxDatagram: configuration.maxDatagramSize,
                datagramsDelivered: datagramsDelivered,
                droppedByLoss: droppedByLoss,
                droppedByPartition: droppedByPartition,
                droppedNodeDown: droppedNodeDown,
                duplicated: duplicated,
                streamsOpened: streamsOpened,
                streamsFailed: streamsFailed,
                streamBytes: streamBytes,
                rejectedBySealing: rejected,
                decodeErrors: decodeErrors
            ),
            convergenceCheck: convergenceCheck,
            settledAfterLastFaultSeconds: settledAfterLastFault.map(Self.seconds),
            violations: violations,
            partitions: partitions,
            eventsProcessed: events,
            replayCommand: options.replayCommand
                ?? "peer-sim run --scenario \(options.scenario.name) --nodes \(n) --duration \(options.duration) --seed \(options.seed) --profile \(options.profile)",
            performance: SimulationReport.Performance(
                wallSeconds: wall,
                nodeSecondsPerWallSecond: wall > 0 ? nodeSeconds / wall : 0,
                eventsPerWallSecond: wall > 0 ? Double(events) / wall : 0,
                peakResidentBytes: ProcessMemory.peakResidentBytes()
            )
        )
    }
}
