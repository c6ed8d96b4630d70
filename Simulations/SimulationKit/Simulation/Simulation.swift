import Foundation
import Gossip
import Partitions
import Primitives
import Sealing
import SimulationEngine

/// A deterministic discrete-event simulation of a cluster of real `ClusterNode`s (the SWIM core and the partitions
/// core, composed exactly as the real shell composes them) with real wire encoding and real sealing over a simulated
/// network. Same options (seed included) → identical run and report.
///
/// This is the driver: it owns the event queue and virtual time and composes the parts — the hosts (process model
/// and clocks, `Hosts/`), the transport (network, sealing, streams, `Network/`), the workloads (`Workloads/`), the
/// observers that make the figures (`Observers/`) and the checkers (`Checkers/`). Its extensions say what happens
/// when: directives (`+Directives`), boots and stops (`+Lifecycle`), faults (`+Faults`), workload events
/// (`+Workloads`), checkpoints and the report (`+Report`).
public struct Simulation {
    public let options: SimulationOptions
    public let configuration: GossipConfiguration
    public let partitionsConfiguration: PartitionsConfiguration
    public let settle: Double
    /// Deaths of healthy, reachable nodes within this long after a fault touched either side are not counted as
    /// false positives.
    public let grace: Double

    let n: Int
    let endTime: Int64
    var now: Int64 = 0
    var queue = EventQueue<SimEvent>()
    var hosts: [Host] = []
    var transport: Transport
    var topics: TopicCreation
    var membership: MembershipFigures
    var partitions: PartitionObserver
    var checkers: CheckerSet
    /// Indices of the controller voters.
    let voters: [Int]
    /// Dynamic faults that found no target.
    var skippedFaults: [String] = []
    /// Nodes taken down by `crashController` / `crashLeader`, for `restartVictims`.
    var victims: [Int] = []
    var events = 0
    var convergenceCheck = "not reached"
    let traceWriter: TraceWriter?

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
        let n = options.nodes
        self.n = n
        endTime = VirtualTime.nanoseconds(options.duration)
        settle = SimulationOptions.settleBound(profile: options.profile, nodes: n)
        grace =
            SimulationOptions.maxSuspicion(config, nodes: n)
            + config.probeInterval.seconds * Double(config.awarenessMaxMultiplier)
        if let url = options.traceURL {
            traceWriter = try TraceWriter(url: url)
        } else {
            traceWriter = nil
        }

        // The order of the draws from `master` is part of every trace hash.
        var master = SeededRandom(seed: options.seed)
        var keyBytes: [UInt8] = []
        for _ in 0..<4 {
            var word = master.next()
            for _ in 0..<8 {
                keyBytes.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        let keyring = Keyring(primary: try! ClusterKey(bytes: keyBytes))
        let settings = options.scenario.network ?? NetworkSettings.defaults(forProfile: options.profile)
        let network = NetworkModel(nodes: n, settings: settings, rng: master.fork())
        let names = (0..<n).map { SimulationOptions.nodeName($0, nodes: n) }
        membership = MembershipFigures(nodes: n, graceSeconds: grace, traceWriter: traceWriter)
        checkers = CheckerSet(names: names, extra: options.extraCheckers(n), traceWriter: traceWriter)
        partitions = PartitionObserver(names: names, topics: options.topics)
        voters = Array(0..<SimulationOptions.voterCount(nodes: n))
        topics = TopicCreation(specs: options.topics, nodes: n)

        var clockRng = master.fork()
        let addresses = (0..<n).map { i in
            PeerAddress(host: "10.\(i >> 16).\((i >> 8) & 255).\(i & 255)", port: 7946)
        }
        transport = Transport(
            network: network,
            keyring: keyring,
            addresses: addresses,
            maxDatagramSize: gossipConfiguration.maxDatagramSize,
            traceWriter: traceWriter,
            clockRng: &clockRng
        )
        hosts.reserveCapacity(n)
        for i in 0..<n {
            let placeholder = Host.placeholder(
                name: names[i],
                address: addresses[i],
                gossip: config,
                partitions: partitionsConfiguration
            )
            var host = Host(name: names[i], address: addresses[i], process: placeholder, rng: master.fork())
            if let clocks = options.scenario.clocks {
                host.clock = HostClock.drawn(maxSkewMs: clocks.skewMs, maxDriftPPM: clocks.driftPPM, using: &clockRng)
            }
            hosts.append(host)
        }
    }

    // MARK: - Running

    /// Runs to the end and returns the report. Call once.
    public mutating func run() -> SimulationReport {
        let wallStart = ContinuousClock.now
        var master = SeededRandom(seed: options.seed ^ 0x57A6_6E25_7A27_5EED)
        let stagger = options.stagger ?? min(2, Double(n) * 0.002)
        queue.push(.boot(node: 0), at: 0)
        for i in 1..<max(1, n) {
            let at = VirtualTime.nanoseconds(stagger * (1 - master.unitDouble()))
            queue.push(.boot(node: Int32(i)), at: at)
        }
        for (index, fault) in options.scenario.faults.enumerated() {
            queue.push(.fault(index: Int32(index)), at: VirtualTime.nanoseconds(fault.at))
        }
        topics.start(stagger: stagger, queue: &queue)
        let lastFault = max(options.scenario.lastFaultTime, stagger)
        membership.lastFaultTime = VirtualTime.nanoseconds(lastFault)
        let checkAt = lastFault + settle
        if checkAt <= options.duration {
            queue.push(.checkpoint, at: VirtualTime.nanoseconds(checkAt))
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
        let partitionFigures = partitions.figures(
            hosts: hosts,
            voters: voters,
            skippedFaults: skippedFaults,
            controlDatagrams: transport.traffic.controlDatagrams,
            now: now
        )
        let wall = (ContinuousClock.now - wallStart).seconds
        return report(wall: wall, partitions: partitionFigures)
    }

    private mutating func dispatch(_ event: SimEvent) {
        switch event {
        case .boot(let node):
            boot(Int(node))
        case .fault(let index):
            applyFault(options.scenario.faults[Int(index)])
        case .checkpoint:
            runCheckpoint(.settled(lastFault: VirtualTime.seconds(membership.lastFaultTime), settle: settle))
        case .createTopic(let index):
            createTopic(Int(index))
        case .process(let node, let generation):
            let i = Int(node)
            if let next = hosts[i].finishProcessing(generation: generation) { handle(next, at: i) }
        default:
            let i = event.target!
            guard hosts[i].up else {
                transport.targetDown(event, hosts: hosts, queue: &queue, now: now)
                return
            }
            switch hosts[i].admit(event, now: now) {
            case .now:
                handle(event, at: i)
            case .deferred:
                break
            case .queued(let ready):
                queue.push(.process(node: Int32(i), generation: hosts[i].generation), at: ready)
            }
        }
    }

    /// Host `i`'s process handles an event addressed to it.
    private mutating func handle(_ event: SimEvent, at i: Int) {
        switch event {
        case .timer(_, let generation, let timer):
            guard generation == hosts[i].generation else { return }
            traceWriter?.line(now, "timer \(hosts[i].name) \(timer)")
            let stamp = hosts[i].localTimestamp(now)
            let directives = hosts[i].process.timerFired(timer, now: stamp)
            var declaring = false
            if case .gossip(.suspicion) = timer { declaring = true }
            apply(directives, from: i, declaring: declaring)
        case .datagram(_, let from, let bytes):
            guard let plaintext = transport.receiveDatagram(bytes, from: Int(from), at: i, hosts: &hosts, now: now)
            else { return }
            let stamp = hosts[i].localTimestamp(now)
            let sender = hosts[Int(from)].address
            do {
                let directives = try hosts[i].process.receiveDatagram(plaintext, from: sender, now: stamp)
                apply(directives, from: i, declaring: false)
            } catch {
                transport.traffic.decodeErrors += 1
            }
        case .streamRequest(_, let from, let generation, let bytes):
            let initiator = Int(from)
            guard
                let plaintext = transport.acceptStream(
                    bytes,
                    from: initiator,
                    generation: generation,
                    at: i,
                    hosts: &hosts,
                    queue: &queue,
                    now: now
                )
            else { return }
            let stamp = hosts[i].localTimestamp(now)
            let result: (reply: [UInt8]?, directives: [NodeDirective])
            do {
                result = try hosts[i].process.receivePushPull(plaintext, now: stamp)
            } catch {
                transport.rejectStream(from: initiator, generation: generation, at: i, queue: &queue, now: now)
                return
            }
            apply(result.directives, from: i, declaring: false)
            if let reply = result.reply {
                transport.sendReply(
                    reply,
                    from: i,
                    to: initiator,
                    generation: generation,
                    hosts: &hosts,
                    queue: &queue,
                    now: now
                )
            }
        case .streamReply(_, let generation, let from, let bytes):
            guard generation == hosts[i].generation else { return }
            guard
                let plaintext = transport.acceptReply(
                    bytes,
                    from: Int(from),
                    generation: generation,
                    at: i,
                    hosts: &hosts,
                    queue: &queue,
                    now: now
                )
            else { return }
            let stamp = hosts[i].localTimestamp(now)
            do {
                let result = try hosts[i].process.receivePushPull(plaintext, now: stamp)
                apply(result.directives, from: i, declaring: false)
            } catch {
                transport.traffic.decodeErrors += 1
            }
        case .streamFailed(_, let generation, let peer):
            guard generation == hosts[i].generation else { return }
            transport.traffic.streamsFailed += 1
            traceWriter?.line(now, "stream-failed \(hosts[i].name)->\(hosts[Int(peer)].name)")
            let peerAddress = hosts[Int(peer)].address
            let directives = hosts[i].process.pushPullFailed(with: peerAddress, now: hosts[i].localTimestamp(now))
            apply(directives, from: i, declaring: false)
        case .boot, .process, .fault, .checkpoint, .createTopic:
            break
        }
    }
}
