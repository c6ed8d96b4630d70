import Gossip
import Partitions
import Primitives

/// The partition observer's questions about the running hosts: who acts as controller (each by its own clock), whose
/// table is the reference, which broker leads the most, and what a host's departure costs.
extension PartitionObserver {
    /// Node `i` started acting as controller: what the checkers hear.
    struct StartedActing {
        var epoch: UInt64
        /// Every node acting at this instant, `i` included, with its epoch.
        var acting: [(node: Int, epoch: UInt64)]
    }

    /// Whether host `i` acts as controller now by its own clock (read without moving it).
    static func isActing(_ i: Int, hosts: [Host], now: Int64) -> Bool {
        // Field by field: calling a method on `hosts[i]` itself copied the whole host here.
        guard hosts[i].up else { return false }
        let time = Timestamp(nanoseconds: hosts[i].clock.peek(atVirtual: now))
        return hosts[i].process.partitions.isActingController(at: time)
    }

    /// The nodes acting as controller now, each by its own clock (leases also end by time passing).
    mutating func refreshActing(hosts: [Host], now: Int64) -> [Int] {
        for j in actingList where !Self.isActing(j, hosts: hosts, now: now) { noteNotActing(j) }
        return actingList
    }

    /// After host `i` handled something: did it start (or stop) acting as controller?
    mutating func observeActing(_ i: Int, hosts: [Host], now: Int64) -> StartedActing? {
        if Self.isActing(i, hosts: hosts, now: now) {
            let epoch = hosts[i].process.partitions.controllerEpoch
            guard noteActing(i, epoch: epoch, at: now) else { return nil }
            let acting = refreshActing(hosts: hosts, now: now).map { (node: $0, epoch: actingEpoch(of: $0)) }
            return StartedActing(epoch: epoch, acting: acting)
        } else if isActing[i] {
            noteNotActing(i)
        }
        return nil
    }

    /// The node whose partition table is the reference: the acting controller, else the first up node.
    mutating func referenceNode(excluding excluded: Int? = nil, hosts: [Host], now: Int64) -> Int? {
        refreshActing(hosts: hosts, now: now).first { $0 != excluded }
            ?? (0..<n).first { hosts[$0].up && $0 != excluded }
    }

    /// The broker leading the most partitions in the controller's table, other than the controller.
    mutating func busiestLeader(hosts: [Host], now: Int64) -> Int? {
        guard let ref = referenceNode(hosts: hosts, now: now) else { return nil }
        let acting = Set(refreshActing(hosts: hosts, now: now))
        var counts = [Int](repeating: 0, count: n)
        for state in hosts[ref].process.partitions.partitionStates.values {
            if let leader = state.leader, let m = SimulationOptions.nodeIndex(of: leader, nodes: n) { counts[m] += 1 }
        }
        var best: Int?
        for m in 0..<n where counts[m] > 0 && hosts[m].up && !acting.contains(m) {
            if best == nil || counts[m] > counts[best!] { best = m }
        }
        return best
    }

    /// Host `i` goes down (crash or restart): open the controller and leader failover figures it causes.
    mutating func recordLoss(_ i: Int, cause: String, hosts: [Host], now: Int64) {
        let wasActing = refreshActing(hosts: hosts, now: now).contains(i)
        if wasActing { controllerLost(i, cause: cause, at: now) }
        // Its own table if it was the controller, else the controller's.
        guard let ref = wasActing ? i : referenceNode(excluding: i, hosts: hosts, now: now) else { return }
        let name = hosts[i].name
        var led: [Int] = []
        for (id, state) in hosts[ref].process.partitions.partitionStates where state.leader == name {
            led.append(index(of: id))
        }
        leaderCrashed(i, led: led.sorted(), cause: cause, at: now)
    }

    /// Host `i` accepted a newer cluster-state value: if it is a partition's, record its table entry. Returns the
    /// entry and what the table held before, when that changed.
    mutating func partitionEntryChanged(
        _ entry: StateEntry,
        at i: Int,
        hosts: [Host],
        now: Int64
    ) -> (id: PartitionID, previous: PartitionSnapshot, current: PartitionState)? {
        guard let id = PartitionID(stateKey: entry.key),
            let state = hosts[i].process.partitions.partitionStates[id]
        else { return nil }
        let p = index(of: id)
        guard let previous = observe(i, p, state, now: now) else { return nil }
        return (id, previous, state)
    }

    /// The partitions section of the report, from the reference node's table at the end.
    mutating func figures(
        hosts: [Host],
        voters: [Int],
        skippedFaults: [String],
        controlDatagrams: Int,
        now: Int64
    ) -> SimulationReport.PartitionFigures {
        let acting = refreshActing(hosts: hosts, now: now)
        var offline = 0
        var under = 0
        var total = 0
        if let ref = referenceNode(hosts: hosts, now: now) {
            for state in hosts[ref].process.partitions.partitionStates.values {
                total += 1
                if state.isOffline { offline += 1 }
                if state.isUnderReplicated { under += 1 }
            }
        }
        let controller =
            acting.first.map { hosts[$0].name }
            ?? (0..<n).first { hosts[$0].up }.flatMap {
                hosts[$0].process.controllerView(at: hosts[$0].peekTimestamp(now)).controller
            }
        return SimulationReport.PartitionFigures(
            voters: voters.map { hosts[$0].name },
            topics: topics,
            elections: elections,
            controllerFailovers: controllerFailovers,
            leaderFailovers: leaderFailovers,
            skippedFaults: skippedFaults,
            partitionsAtEnd: total,
            offlineAtEnd: offline,
            underReplicatedAtEnd: under,
            controllerAtEnd: controller,
            controlDatagrams: controlDatagrams
        )
    }
}
