import Gossip
import Primitives
import SimulationEngine
import TestSupport

@testable import Partitions

/// Drives real `ClusterNode`s over an in-memory network on virtual time, with per-node clock drift and cuts, for the
/// partitions core's tests. Events run on the simulator's engine (through `VirtualScheduler`) and each node's clock
/// is a `HostClock`. It checks after every event that at most one node acts as controller.
struct NodeCluster: VirtualTimeHarness {
    enum Event {
        case datagram([UInt8], from: String, to: String)
        case timer(NodeTimer, node: String, life: Int)
        case pushPull([UInt8], from: String, to: String)
        case pushPullReply([UInt8], to: String)
    }

    let gossipConfiguration: GossipConfiguration
    let partitionsConfiguration: PartitionsConfiguration
    private(set) var nodes: [String: ClusterNode] = [:]
    var scheduler = VirtualScheduler<Event>()
    /// Virtual time in nanoseconds.
    var virtualNow: Int64 { scheduler.now }
    var down: Set<String> = []
    /// Directed links that drop everything.
    var cut: Set<[String]> = []
    /// Per-node clock rate error (e.g. 0.05 runs 5 % fast); each node's clock is a `HostClock` with this drift.
    var drift: [String: Double] = [:]
    /// Completed requests by "node#id" (request ids are per node).
    private(set) var completed: [String: String?] = [:]
    /// How each request failed, by the same key as `completed` (absent while pending or on success).
    private(set) var failures: [String: RequestFailure] = [:]
    /// Every `.topicDeleted` each node reported, in order.
    private(set) var topicsDeleted: [String: [TopicDefinition]] = [:]
    private(set) var leaveCompleted: Set<String> = []
    /// Each voter's record as last persisted (its data dir); a restart reads it back.
    var voterRecords: [String: VoterRecord] = [:]
    /// Nodes whose data dir never finishes a write: their `persist` is never reported persisted.
    var stalledDisks: Set<String> = []
    /// Every control message sent between nodes, in order (messages a node handles itself are not sent).
    private(set) var controlMessages: [(from: String, to: String, message: ControlMessage)] = []
    /// (virtual time, name) of every instant two nodes acted as controller at once.
    private(set) var overlaps: [(Int64, [String])] = []
    private var lives: [String: Int] = [:]

    init(
        voters: [String],
        gossip: GossipConfiguration = .lan,
        configure: (inout PartitionsConfiguration) -> Void = { _ in }
    ) {
        gossipConfiguration = gossip
        var configuration = PartitionsConfiguration(voters: voters)
        configure(&configuration)
        partitionsConfiguration = configuration
    }

    static func address(of name: String) -> PeerAddress {
        PeerAddress(host: "127.0.0.1", port: 20_000 + UInt16(name.dropFirst())!)
    }

    func name(at address: PeerAddress) -> String { "n\(address.port - 20_000)" }

    static let eventLimit = 10_000_000

    /// The node's own clock: no skew, and the rate error `drift` gives it.
    func clock(of node: String) -> HostClock {
        HostClock(drift: drift[node, default: 0])
    }

    /// What `node` reads on its clock now.
    func localTime(of node: String) -> Timestamp {
        Timestamp(nanoseconds: clock(of: node).peek(atVirtual: virtualNow))
    }

    mutating func start(_ name: String, seeds: [String], roles: [String] = ["broker"], tags: [String: String] = [:]) {
        let life = lives[name, default: 0] + 1
        lives[name] = life
        down.remove(name)
        let seed = UInt64(name.dropFirst())! &* 104_729 &+ UInt64(life)
        let metadata = NodeMetadata(roles: roles, tags: tags)
        let now = localTime(of: name)
        var node = ClusterNode(
            gossip: SWIMInstance(
                name: name,
                address: Self.address(of: name),
                metadata: metadata,
                configuration: gossipConfiguration,
                seed: seed
            ),
            partitions: PartitionsInstance(
                name: name,
                metadata: metadata,
                configuration: partitionsConfiguration,
                seed: seed &+ 1,
                now: now,
                voterRecord: voterRecords[name]
            )
        )
        let directives = node.start(seeds: seeds.map(Self.address(of:)), now: now)
        nodes[name] = node
        execute(directives, at: name)
    }

    mutating func startAll(count: Int) {
        start("n1", seeds: [])
        for i in 2...count { start("n\(i)", seeds: ["n1"]) }
    }

    mutating func crash(_ name: String) { down.insert(name) }

    mutating func isolate(_ group: Set<String>, from rest: Set<String>) {
        for a in group {
            for b in rest {
                cut.insert([a, b])
                cut.insert([b, a])
            }
        }
    }

    /// Asks the controller, as the leader of `partition` at `name`, for a new ISR; returns the completion key.
    mutating func alterPartition(_ partition: PartitionID, isr: [String], at name: String) -> String {
        let (id, directives) = nodes[name]!.alterPartition(partition, isr: isr, now: localTime(of: name))
        execute(directives, at: name)
        return "\(name)#\(id)"
    }

    /// Submits a request at `name`; returns the key to look its completion up with.
    mutating func submit(_ request: ControllerRequest, at name: String) -> String {
        let (id, directives) = nodes[name]!.submit(request, now: localTime(of: name))
        execute(directives, at: name)
        return "\(name)#\(id)"
    }

    mutating func leave(_ name: String) {
        let directives = nodes[name]!.leave(now: localTime(of: name))
        execute(directives, at: name)
    }

    /// nil while pending; `.some(nil)` on success; `.some(message)` on error.
    func completion(of key: String) -> String?? { completed[key] }

    var liveNames: [String] { nodes.keys.filter { !down.contains($0) }.sorted() }

    /// Who each live node believes is controller.
    func controllers() -> Set<String?> {
        Set(liveNames.map { nodes[$0]!.controllerView(at: localTime(of: $0)).controller })
    }

    func actingControllers() -> [String] {
        liveNames.filter { nodes[$0]!.partitions.isActingController(at: localTime(of: $0)) }
    }

    /// True when every live node holds the same partition table.
    func tablesAgree() -> Bool {
        let tables = liveNames.map { nodes[$0]!.partitions.partitions() }
        return tables.dropFirst().allSatisfy { $0 == tables.first }
    }

    @discardableResult
    mutating func run(upTo limit: Duration, until condition: (NodeCluster) -> Bool) -> Duration? {
        run(upTo: limit, checkingEvery: .milliseconds(20), until: condition)
    }

    private mutating func schedule(_ event: Event, afterNanoseconds delay: Int64) {
        scheduler.schedule(event, afterNanoseconds: delay)
    }

    private mutating func execute(_ directives: [NodeDirective], at name: String) {
        for directive in directives {
            switch directive {
            case .send(let datagram, let to):
                if WireFormat.kind(of: datagram) == WireFormat.controlKind,
                    let message = try? ControlMessage(decoding: datagram)
                {
                    controlMessages.append((name, self.name(at: to), message))
                }
                schedule(.datagram(datagram, from: name, to: self.name(at: to)), afterNanoseconds: 1_000_000)
            case .schedule(let timer, let delay):
                // A node's timer runs on its own clock.
                let virtualDelay = clock(of: name).virtualDelay(forLocal: delay.nanoseconds)
                schedule(.timer(timer, node: name, life: lives[name, default: 0]), afterNanoseconds: virtualDelay)
            case .pushPull(let payload, let to, _):
                schedule(.pushPull(payload, from: name, to: self.name(at: to)), afterNanoseconds: 1_000_000)
            case .requestCompleted(let id, let error):
                completed["\(name)#\(id)"] = .some(error?.description)
                failures["\(name)#\(id)"] = error
            case .topicDeleted(let topic):
                topicsDeleted[name, default: []].append(topic)
            case .leaveComplete:
                leaveCompleted.insert(name)
            case .persist(let record, let ticket):
                // The fsync is instant here; the record survives a crash of the node.
                guard !stalledDisks.contains(name) else { break }
                voterRecords[name] = record
                execute(nodes[name]!.voterRecordPersisted(ticket: ticket, now: localTime(of: name)), at: name)
            case .memberChanged, .controllerChanged, .stateChanged:
                break
            }
        }
    }

    private func reachable(_ from: String, _ to: String) -> Bool {
        !down.contains(from) && !down.contains(to) && !cut.contains([from, to]) && nodes[to] != nil
    }

    /// Delivers one event, then records an instant at which two nodes act as controller.
    mutating func deliver(_ event: Event) {
        route(event)
        let acting = actingControllers()
        if acting.count > 1 { overlaps.append((virtualNow, acting)) }
    }

    private mutating func route(_ event: Event) {
        switch event {
        case .datagram(let bytes, let from, let to):
            guard reachable(from, to) else { return }
            let directives = try! nodes[to]!.receiveDatagram(
                bytes,
                from: Self.address(of: from),
                now: localTime(of: to)
            )
            execute(directives, at: to)
        case .timer(let timer, let node, let life):
            guard !down.contains(node), life == lives[node] else { return }
            execute(nodes[node]!.timerFired(timer, now: localTime(of: node)), at: node)
        case .pushPull(let payload, let from, let to):
            guard reachable(from, to) else {
                if !down.contains(from) {
                    execute(nodes[from]!.pushPullFailed(with: Self.address(of: to), now: localTime(of: from)), at: from)
                }
                return
            }
            let (reply, directives) = try! nodes[to]!.receivePushPull(payload, now: localTime(of: to))
            execute(directives, at: to)
            if let reply { schedule(.pushPullReply(reply, to: from), afterNanoseconds: 1_000_000) }
        case .pushPullReply(let payload, let to):
            guard !down.contains(to) else { return }
            execute(try! nodes[to]!.receivePushPull(payload, now: localTime(of: to)).directives, at: to)
        }
    }
}
