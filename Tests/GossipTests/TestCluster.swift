import Primitives
import TestSupport

@testable import Gossip

/// A tiny in-memory network that drives real `SWIMInstance`s on virtual time, for unit tests of the core. Events run
/// on the simulator's engine (through `VirtualScheduler`); the full simulator lives in Simulations/.
struct TestCluster: VirtualTimeHarness {
    enum Event {
        case datagram([UInt8], from: PeerAddress, to: String)
        case timer(GossipTimer, node: String, incarnationOfNode: Int)
        case pushPull([UInt8], from: String, to: PeerAddress)
        case pushPullReply([UInt8], to: String)
    }

    var configuration: GossipConfiguration
    private(set) var nodes: [String: SWIMInstance] = [:]
    var scheduler = VirtualScheduler<Event>()
    /// Every node's clock runs at the virtual rate.
    var now: Timestamp { scheduler.timestamp }
    /// Nodes whose traffic is dropped (crashed).
    var down: Set<String> = []
    /// Pairs (from, to) whose datagrams are dropped.
    var blockedLinks: Set<[String]> = []
    private(set) var changes: [(time: Timestamp, observer: String, change: MemberChange)] = []
    private(set) var leaveCompleted: Set<String> = []
    private(set) var sent: [(from: String, messages: [GossipMessage])] = []
    /// Bumped when a node restarts, so timers of its former life are dropped.
    private var lives: [String: Int] = [:]
    private let latency = Duration.milliseconds(1)

    init(configuration: GossipConfiguration = .lan) {
        self.configuration = configuration
    }

    static func address(of name: String) -> PeerAddress {
        PeerAddress(host: "127.0.0.1", port: 10_000 + UInt16(name.dropFirst())!)
    }

    func name(at address: PeerAddress) -> String { "n\(address.port - 10_000)" }

    /// Starts node `name` (e.g. "n3") joining through the given seed names.
    mutating func start(_ name: String, seeds: [String], metadata: NodeMetadata = NodeMetadata()) {
        var node = SWIMInstance(
            name: name,
            address: Self.address(of: name),
            metadata: metadata,
            configuration: configuration,
            seed: UInt64(name.dropFirst())! &* 7919 &+ UInt64(lives[name, default: 0])
        )
        lives[name, default: 0] += 1
        down.remove(name)
        let directives = node.start(seeds: seeds.map(Self.address(of:)), now: now)
        nodes[name] = node
        execute(directives, at: name)
    }

    /// Starts n1...nCount, each seeded only with n1.
    mutating func startAll(count: Int) {
        start("n1", seeds: [])
        for i in 2...count { start("n\(i)", seeds: ["n1"]) }
    }

    mutating func crash(_ name: String) {
        down.insert(name)
    }

    mutating func with(_ name: String, _ body: (inout SWIMInstance, Timestamp) -> [GossipDirective]) {
        let directives = body(&nodes[name]!, now)
        execute(directives, at: name)
    }

    /// Delivers raw bytes to a node as if they came from `source`; returns the decode error if any.
    mutating func inject(_ bytes: [UInt8], to name: String, from source: PeerAddress) -> DecodeError? {
        do {
            let directives = try nodes[name]!.receiveDatagram(bytes, from: source, now: now)
            execute(directives, at: name)
            return nil
        } catch {
            return error
        }
    }

    /// Runs until `condition` holds, checking every 50 ms of virtual time; returns the time it took, or nil.
    mutating func run(upTo limit: Duration, until condition: (TestCluster) -> Bool) -> Duration? {
        run(upTo: limit, checkingEvery: .milliseconds(50), until: condition)
    }

    func status(of member: String, seenBy observer: String) -> MemberStatus? {
        nodes[observer]?.member(named: member)?.status
    }

    /// True when every live node sees exactly `expected` alive.
    func allSee(alive expected: Set<String>) -> Bool {
        expected.allSatisfy { observer in
            guard let node = nodes[observer] else { return false }
            return Set(node.members.filter { $0.status == .alive }.map(\.name)) == expected
        }
    }

    private mutating func schedule(_ event: Event, after delay: Duration) {
        scheduler.schedule(event, after: delay)
    }

    private mutating func execute(_ directives: [GossipDirective], at name: String) {
        for directive in directives {
            switch directive {
            case .send(let datagram, let to):
                if let messages = try? WireFormat.decodeDatagram(datagram) { sent.append((name, messages)) }
                guard !down.contains(name), !blockedLinks.contains([name, self.name(at: to)]) else { continue }
                schedule(.datagram(datagram, from: Self.address(of: name), to: self.name(at: to)), after: latency)
            case .schedule(let timer, let delay):
                schedule(.timer(timer, node: name, incarnationOfNode: lives[name, default: 0]), after: delay)
            case .pushPull(let payload, let to, _):
                guard !down.contains(name) else { continue }
                schedule(.pushPull(payload, from: name, to: to), after: latency)
            case .memberChanged(let change):
                changes.append((now, name, change))
            case .leaveComplete:
                leaveCompleted.insert(name)
            case .stateChanged:
                break
            }
        }
    }

    mutating func deliver(_ event: Event) {
        switch event {
        case .datagram(let bytes, let from, let to):
            guard !down.contains(to), nodes[to] != nil else { return }
            let directives = try! nodes[to]!.receiveDatagram(bytes, from: from, now: now)
            execute(directives, at: to)
        case .timer(let timer, let node, let life):
            guard !down.contains(node), life == lives[node], nodes[node] != nil else { return }
            execute(nodes[node]!.timerFired(timer, now: now), at: node)
        case .pushPull(let payload, let from, let to):
            let target = name(at: to)
            guard !down.contains(target), nodes[target] != nil, !blockedLinks.contains([from, target]) else {
                if !down.contains(from) { execute(nodes[from]!.pushPullFailed(with: to, now: now), at: from) }
                return
            }
            let (reply, directives) = try! nodes[target]!.receivePushPull(payload, now: now)
            execute(directives, at: target)
            if let reply { schedule(.pushPullReply(reply, to: from), after: latency) }
        case .pushPullReply(let payload, let to):
            guard !down.contains(to), nodes[to] != nil else { return }
            execute(try! nodes[to]!.receivePushPull(payload, now: now).directives, at: to)
        }
    }
}
