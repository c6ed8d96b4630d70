import Gossip
import Partitions
import SimulationEngine

/// What the partitions layer did during a run, measured from every node's directives and tables.
struct PartitionObserver {
    let n: Int
    let names: [String]
    private(set) var up: [Bool]

    // Dense partition indices.
    private var idIndex: [PartitionID: Int32] = [:]
    private(set) var ids: [PartitionID] = []
    private var topicOf: [Int32] = []
    /// Per node, per dense partition: what its table holds.
    private(set) var seen: [[PartitionSnapshot]]
    /// Per dense partition: the newest version anywhere and since when.
    private(set) var newest: [NewestVersion] = []

    // Controller terms.
    private(set) var isActing: [Bool]
    private var actingEpoch: [UInt64]
    /// Nodes that were acting when last evaluated (acting can end by time passing).
    var actingList: [Int] = []
    private(set) var knownController: [Int32]
    private var termsSeen: Set<UInt64> = []
    private(set) var elections: [SimulationReport.Election] = []

    // Failovers.
    private(set) var controllerFailovers: [SimulationReport.ControllerFailover] = []
    private var openControllerFailovers: [(index: Int, at: Int64, old: Int)] = []
    private(set) var leaderFailovers: [SimulationReport.LeaderFailover] = []
    private var openLeaderFailovers: [OpenLeaderFailover] = []

    // Topics.
    private(set) var topics: [SimulationReport.TopicFigure] = []
    private var topicIndex: [String: Int] = [:]
    private var topicKnown: [[Int32]] = []
    private(set) var topicRequestedAt: [Int64?] = []

    struct OpenLeaderFailover {
        var index: Int
        var at: Int64
        var victim: Int32
        var led: [Bool]
        var ledCount: Int32
        var pending: [Int32]
        var notDone: Int
    }

    init(names: [String], topics specs: [TopicSpec]) {
        n = names.count
        self.names = names
        up = [Bool](repeating: false, count: n)
        seen = [[PartitionSnapshot]](repeating: [], count: n)
        isActing = [Bool](repeating: false, count: n)
        actingEpoch = [UInt64](repeating: 0, count: n)
        knownController = [Int32](repeating: -1, count: n)
        for spec in specs { _ = topic(named: spec.name, partitions: spec.partitions, rf: spec.replicationFactor) }
    }

    private mutating func topic(named name: String, partitions: Int, rf: Int) -> Int {
        if let index = topicIndex[name] { return index }
        topicIndex[name] = topics.count
        topics.append(
            SimulationReport.TopicFigure(
                name: name,
                partitions: partitions,
                replicationFactor: rf,
                requestedAt: nil,
                createdAt: nil,
                attempts: 0,
                lastError: nil,
                everyNodeAfter: nil
            )
        )
        topicKnown.append([Int32](repeating: 0, count: n))
        topicRequestedAt.append(nil)
        return topics.count - 1
    }

    static func seconds(_ nanos: Int64) -> Double { VirtualTime.seconds(nanos) }

    // MARK: Lifecycle

    mutating func nodeBooted(_ v: Int, at now: Int64) {
        up[v] = true
        seen[v] = []
        knownController[v] = -1
        isActing[v] = false
        for t in topicKnown.indices { topicKnown[t][v] = 0 }
        for k in openLeaderFailovers.indices {
            if openLeaderFailovers[k].pending[v] == 0 { openLeaderFailovers[k].notDone += 1 }
            openLeaderFailovers[k].pending[v] = openLeaderFailovers[k].ledCount
        }
        checkControllerKnowledge(now: now)
    }

    mutating func nodeStopped(_ v: Int, at now: Int64) {
        up[v] = false
        isActing[v] = false
        actingList.removeAll { $0 == v }
        knownController[v] = -1
        for k in openLeaderFailovers.indices where openLeaderFailovers[k].pending[v] > 0 {
            openLeaderFailovers[k].pending[v] = 0
            openLeaderFailovers[k].notDone -= 1
        }
        closeLeaderFailovers(now: now)
        checkControllerKnowledge(now: now)
        checkTopicsSpread(now: now)
    }

    // MARK: Partition tables

    /// Dense index of a partition, registering it on first sight.
    mutating func index(of id: PartitionID) -> Int {
        if let index = idIndex[id] { return Int(index) }
        let index = ids.count
        idIndex[id] = Int32(index)
        ids.append(id)
        topicOf.append(Int32(topic(named: id.topic, partitions: 0, rf: 0)))
        newest.append(NewestVersion(version: .zero, since: 0))
        return index
    }

    func snapshot(_ v: Int, _ p: Int) -> PartitionSnapshot {
        p < seen[v].count ? seen[v][p] : .unseen
    }

    static func snapshot(of state: PartitionState) -> PartitionSnapshot {
        PartitionSnapshot(
            leader: state.leader.flatMap(SimulationOptions.nodeIndex(of:)).map(Int32.init) ?? -1,
            leaderEpoch: state.leaderEpoch,
            controllerEpoch: state.controllerEpoch,
            partitionEpoch: state.partitionEpoch,
            isrDigest: PartitionSnapshot.digest(isr: state.isr)
        )
    }

    /// Records what `v`'s table now holds for dense partition `p`; returns the previous snapshot, or nil when
    /// nothing changed.
    mutating func observe(_ v: Int, _ p: Int, _ state: PartitionState, now: Int64) -> PartitionSnapshot? {
        let current = Self.snapshot(of: state)
        let previous = snapshot(v, p)
        guard current != previous else { return nil }
        if p >= seen[v].count {
            seen[v].append(contentsOf: repeatElement(.unseen, count: p + 1 - seen[v].count))
        }
        seen[v][p] = current
        if current.version > newest[p].version { newest[p] = NewestVersion(version: current.version, since: now) }
        if previous.isUnseen {
            let t = Int(topicOf[p])
            topicKnown[t][v] += 1
            if topics[t].everyNodeAfter == nil, topicKnown[t][v] == Int32(topics[t].partitions) {
                checkTopicsSpread(now: now)
            }
        }
        if !openLeaderFailovers.isEmpty {
            for k in openLeaderFailovers.indices where p < openLeaderFailovers[k].led.count {
                guard openLeaderFailovers[k].led[p], up[v] else { continue }
                let victim = openLeaderFailovers[k].victim
                let wasGood = previous.leader >= 0 && previous.leader != victim
                let isGood = current.leader >= 0 && current.leader != victim
                guard wasGood != isGood else { continue }
                let before = openLeaderFailovers[k].pending[v]
                openLeaderFailovers[k].pending[v] += isGood ? -1 : 1
                let after = openLeaderFailovers[k].pending[v]
                if before > 0 && after == 0 {
                    openLeaderFailovers[k].notDone -= 1
                    let f = openLeaderFailovers[k].index
                    if leaderFailovers[f].firstAfter == nil {
                        leaderFailovers[f].firstAfter = Self.seconds(now - openLeaderFailovers[k].at)
                        leaderFailovers[f].firstNode = names[v]
                    }
                } else if before == 0 && after > 0 {
                    openLeaderFailovers[k].notDone += 1
                }
            }
            closeLeaderFailovers(now: now)
        }
        return previous
    }

    private mutating func checkTopicsSpread(now: Int64) {
        for t in topics.indices where topics[t].everyNodeAfter == nil && topics[t].partitions > 0 {
            guard let since = topicRequestedAt[t], topics[t].createdAt != nil else { continue }
            let target = Int32(topics[t].partitions)
            let everyone = (0..<n).allSatisfy { !up[$0] || topicKnown[t][$0] >= target }
            if everyone { topics[t].everyNodeAfter = Self.seconds(now - since) }
        }
    }

    // MARK: Topic requests

    mutating func topicRequested(_ t: Int, at now: Int64) {
        topics[t].attempts += 1
        topicRequestedAt[t] = now
        if topics[t].requestedAt == nil { topics[t].requestedAt = Self.seconds(now) }
    }

    mutating func topicCompleted(_ t: Int, error: String?, at now: Int64) {
        if let error, !error.contains("already exists") {
            topics[t].lastError = error
            return
        }
        if topics[t].createdAt == nil { topics[t].createdAt = Self.seconds(now) }
        checkTopicsSpread(now: now)
    }

    // MARK: Controller

    /// `v` acts (by its own clock) under `epoch`; returns true when that is a new term or a lease regained.
    mutating func noteActing(_ v: Int, epoch: UInt64, at now: Int64) -> Bool {
        if isActing[v] && actingEpoch[v] == epoch { return false }
        isActing[v] = true
        actingEpoch[v] = epoch
        if !actingList.contains(v) { actingList.append(v) }
        if termsSeen.insert(epoch).inserted {
            elections.append(SimulationReport.Election(at: Self.seconds(now), controller: names[v], epoch: epoch))
        }
        for k in openControllerFailovers.indices.reversed() where openControllerFailovers[k].old != v {
            let f = openControllerFailovers[k].index
            guard controllerFailovers[f].newController == nil, epoch > controllerFailovers[f].epoch else { continue }
            controllerFailovers[f].newController = names[v]
            controllerFailovers[f].newEpoch = epoch
            controllerFailovers[f].actingAfter = Self.seconds(now - openControllerFailovers[k].at)
        }
        checkControllerKnowledge(now: now)
        return true
    }

    mutating func noteNotActing(_ v: Int) {
        guard isActing[v] else { return }
        isActing[v] = false
        actingList.removeAll { $0 == v }
    }

    func actingEpoch(of v: Int) -> UInt64 { actingEpoch[v] }

    mutating func controllerViewChanged(_ v: Int, _ view: ControllerView, at now: Int64) {
        knownController[v] = view.controller.flatMap(SimulationOptions.nodeIndex(of:)).map(Int32.init) ?? -1
        if !openControllerFailovers.isEmpty { checkControllerKnowledge(now: now) }
    }

    /// The acting controller `old` crashed or was cut off.
    mutating func controllerLost(_ old: Int, cause: String, at now: Int64) {
        controllerFailovers.append(
            SimulationReport.ControllerFailover(
                cause: cause,
                at: Self.seconds(now),
                controller: names[old],
                epoch: actingEpoch[old],
                newController: nil,
                newEpoch: nil,
                actingAfter: nil,
                everyNodeKnowsAfter: nil
            )
        )
        openControllerFailovers.append((controllerFailovers.count - 1, now, old))
    }

    private mutating func checkControllerKnowledge(now: Int64) {
        guard !openControllerFailovers.isEmpty else { return }
        openControllerFailovers.removeAll { open in
            let f = open.index
            guard let new = controllerFailovers[f].newController,
                let index = SimulationOptions.nodeIndex(of: new)
            else { return false }
            let everyone = (0..<n).allSatisfy { !up[$0] || knownController[$0] == Int32(index) }
            guard everyone else { return false }
            controllerFailovers[f].everyNodeKnowsAfter = Self.seconds(now - open.at)
            return true
        }
    }

    // MARK: Leaders

    /// `victim` crashed while leading the partitions `led` in the reference table.
    mutating func leaderCrashed(_ victim: Int, led: [Int], cause: String, at now: Int64) {
        guard !led.isEmpty else { return }
        var mask = [Bool](repeating: false, count: ids.count)
        for p in led { mask[p] = true }
        leaderFailovers.append(
            SimulationReport.LeaderFailover(
                node: names[victim],
                cause: cause,
                at: Self.seconds(now),
                partitions: led.count,
                firstAfter: nil,
                firstNode: nil,
                everyNodeAfter: nil
            )
        )
        var open = OpenLeaderFailover(
            index: leaderFailovers.count - 1,
            at: now,
            victim: Int32(victim),
            led: mask,
            ledCount: Int32(led.count),
            pending: [Int32](repeating: 0, count: n),
            notDone: 0
        )
        for v in 0..<n where up[v] {
            var pending: Int32 = 0
            for p in led {
                let s = snapshot(v, p)
                if !(s.leader >= 0 && s.leader != Int32(victim)) { pending += 1 }
            }
            open.pending[v] = pending
            if pending > 0 {
                open.notDone += 1
            } else if leaderFailovers[open.index].firstAfter == nil {
                leaderFailovers[open.index].firstAfter = 0
                leaderFailovers[open.index].firstNode = names[v]
            }
        }
        openLeaderFailovers.append(open)
        closeLeaderFailovers(now: now)
    }

    private mutating func closeLeaderFailovers(now: Int64) {
        openLeaderFailovers.removeAll { open in
            guard open.notDone == 0 else { return false }
            if leaderFailovers[open.index].firstAfter == nil {
                // The last lagging node went down; nobody live is left waiting.
                return false
            }
            leaderFailovers[open.index].everyNodeAfter = Self.seconds(now - open.at)
            return true
        }
    }
}
