import Gossip
import Partitions
import Primitives
import SimulationEngine

/// One simulated machine and the process on it: its identity, the process model (boot, crash, restart, leave, pause,
/// slow), its own clock and its data dir. The simulation driver decides *when* these things happen; a host only
/// knows how its process and machine change when they do.
struct Host {
    let name: String
    let address: PeerAddress
    /// The running process: the real cores, composed as the real shell composes them (a placeholder while down).
    var process: ClusterNode
    var up = false
    var everBooted = false
    var leaving = false
    /// Bumped at every boot and stop, so timers and stream replies of a previous life are ignored.
    var generation: UInt32 = 0
    /// Paused: events addressed to it wait in `backlog` until it resumes.
    var paused = false
    var backlog: [SimEvent] = []
    /// Processing delay per event, virtual ns (0: healthy); a slow host queues its events FIFO.
    var slowDelay: Int64 = 0
    var busyUntil: Int64 = 0
    var slowQueue: [SimEvent] = []
    var slowHead = 0
    /// The machine's clock (skew, drift, held monotonic).
    var clock = HostClock()
    /// Last virtual time a fault touched this host's reachability or health.
    var lastDisruption: Int64 = .min
    /// What survives a crash today: the cluster state, saved like the real shell saves it.
    var dataDirectory = DataDirectory()
    /// The seam for a simulated disk (see `HostStorage`); nil until the data plane needs one.
    var storage: (any HostStorage)?
    /// Draws each boot's instance seed, sender id, nonce generator and partitions seed.
    var rng: SeededRandom

    init(name: String, address: PeerAddress, process: ClusterNode, rng: SeededRandom) {
        self.name = name
        self.address = address
        self.process = process
        self.rng = rng
    }

    // MARK: - Clock

    /// The host reads its clock (the reading is held monotonic).
    mutating func localTimestamp(_ now: Int64) -> Timestamp { Timestamp(nanoseconds: clock.local(atVirtual: now)) }

    /// The host reads its clock in milliseconds (what sealing stamps and checks).
    mutating func localMillis(_ now: Int64) -> Int64 { clock.local(atVirtual: now) / 1_000_000 }

    /// What the host's clock would read now, without moving its monotonic floor (for observers).
    func peekTimestamp(_ now: Int64) -> Timestamp { Timestamp(nanoseconds: clock.peek(atVirtual: now)) }

    // MARK: - Process model

    /// Up, not leaving, not paused, not slow and with nothing queued: a host whose death would be a false positive.
    var isHealthy: Bool {
        up && !leaving && !paused && slowDelay == 0 && backlog.isEmpty && slowHead == slowQueue.count
    }

    /// How a running host takes an event addressed to it.
    enum Admission {
        /// Handle it now.
        case now
        /// Paused: it waits in the backlog.
        case deferred
        /// Slow: it is queued and ready at this virtual time (schedule a `.process` then).
        case queued(readyAt: Int64)
    }

    mutating func admit(_ event: SimEvent, now: Int64) -> Admission {
        if paused {
            backlog.append(event)
            return .deferred
        }
        if slowDelay > 0 {
            let ready = max(now, busyUntil) + slowDelay
            busyUntil = ready
            slowQueue.append(event)
            return .queued(readyAt: ready)
        }
        return .now
    }

    /// A slow host finished the processing delay of its next queued event: the event to handle now, or nil (stale,
    /// or it went into the backlog because the host is paused).
    mutating func finishProcessing(generation: UInt32) -> SimEvent? {
        guard up, self.generation == generation, slowHead < slowQueue.count else { return nil }
        let next = slowQueue[slowHead]
        slowHead += 1
        if slowHead == slowQueue.count {
            slowQueue.removeAll(keepingCapacity: true)
            slowHead = 0
        } else if slowHead >= 1024 {
            slowQueue.removeFirst(slowHead)
            slowHead = 0
        }
        if paused {
            backlog.append(next)
            return nil
        }
        return next
    }

    /// What a new life draws from the host's generator, in this order.
    struct LifeDraws {
        var isRestart: Bool
        var senderID: UInt64
        /// The sealer's nonce generator.
        var sealRng: SeededRandom
    }

    /// Boots a new process (the host must be down): a fresh instance under the same name and address, incarnation 0,
    /// with the data dir's cluster state restored before anything else, as in the real shell.
    mutating func boot(
        now: Int64,
        metadata: NodeMetadata,
        gossip: GossipConfiguration,
        partitions: PartitionsConfiguration
    ) -> LifeDraws {
        generation &+= 1
        let seed = rng.next()
        let senderID = rng.next()
        let sealRng = rng.fork()
        let partitionsSeed = rng.next()
        let isRestart = everBooted
        everBooted = true
        up = true
        leaving = false
        paused = false
        backlog = []
        slowQueue = []
        slowHead = 0
        busyUntil = now
        let bootTime = localTimestamp(now)
        var swim = SWIMInstance(name: name, address: address, metadata: metadata, configuration: gossip, seed: seed)
        if let saved = dataDirectory.saved { swim.restoreState(saved) }
        dataDirectory.dirty = false
        process = ClusterNode(
            gossip: swim,
            partitions: PartitionsInstance(
                name: name,
                metadata: metadata,
                configuration: partitions,
                seed: partitionsSeed,
                now: bootTime,
                voterRecord: dataDirectory.voterRecord
            )
        )
        return LifeDraws(isRestart: isRestart, senderID: senderID, sealRng: sealRng)
    }

    /// The process is gone (crash, stop after leaving, or before a restart). A graceful stop saves the state; a crash
    /// loses what changed since the last save.
    mutating func stop(now: Int64, graceful: Bool, gossip: GossipConfiguration, partitions: PartitionsConfiguration) {
        if graceful { dataDirectory.saved = process.gossip.clusterState }
        if !graceful { storage?.processDied(at: now) }
        up = false
        leaving = false
        paused = false
        generation &+= 1
        backlog = []
        slowQueue = []
        slowHead = 0
        lastDisruption = now
        process = Self.placeholder(name: name, address: address, gossip: gossip, partitions: partitions)
    }

    /// Resumes a paused host: the events that waited, to be delivered now in their order.
    mutating func resume() -> [SimEvent] {
        paused = false
        let waiting = backlog
        backlog = []
        return waiting
    }

    /// After the process handled something: its cluster state changed (`.stateChanged`).
    mutating func stateChanged() { dataDirectory.dirty = true }

    /// After the process handled something: save the cluster state if it changed and the last save is a second old.
    mutating func saveIfDue(now: Int64) {
        guard up else { return }
        dataDirectory.saveIfDue(now: now) { process.gossip.clusterState }
    }

    /// A process that is not running: what a down host holds in place of its cores.
    static func placeholder(
        name: String,
        address: PeerAddress,
        gossip: GossipConfiguration,
        partitions: PartitionsConfiguration
    ) -> ClusterNode {
        ClusterNode(
            gossip: SWIMInstance(name: name, address: address, configuration: gossip, seed: 0),
            partitions: PartitionsInstance(
                name: name,
                metadata: NodeMetadata(),
                configuration: partitions,
                seed: 0,
                now: .zero
            )
        )
    }
}
