import Gossip
import SimulationEngine

/// What the membership layer did during a run, from every node's `memberChanged` directives: join convergence, crash
/// detection latencies, false positives, re-merge times after repairs, the view matrix before each fault, and when
/// the views settled after the last fault.
///
/// Methods that can complete join convergence return true when they did (the driver then starts the workloads that
/// wait for it).
struct MembershipFigures {
    let n: Int
    /// Deaths of healthy, reachable nodes within this long (virtual ns) after a fault touched either side are not
    /// false positives.
    let grace: Int64
    /// When the last fault (or the last start) happens, virtual ns.
    var lastFaultTime: Int64 = 0
    private(set) var tracker: ViewTracker
    private(set) var crashes: [SimulationReport.CrashDetection] = []
    private var crashAt: [Int64] = []
    /// Per node: index into `crashes` while it is down after a crash, else -1.
    private var openCrash: [Int32]
    private(set) var remerges: [SimulationReport.Remerge] = []
    private var pendingRemerges: [(index: Int, since: Int64)] = []
    private(set) var snapshots: [SimulationReport.Snapshot] = []
    private(set) var converged = false
    private(set) var joinConvergence: Int64?
    private(set) var settledAfterLastFault: Int64?
    private(set) var deathsDeclared = 0
    private(set) var declarationsAfterFaults = 0
    private(set) var falsePositives: [SimulationReport.FalsePositive] = []
    private var bootedCount = 0
    private let traceWriter: TraceWriter?

    init(nodes: Int, graceSeconds: Double, traceWriter: TraceWriter?) {
        n = nodes
        grace = VirtualTime.nanoseconds(graceSeconds)
        tracker = ViewTracker(nodes: nodes)
        openCrash = [Int32](repeating: -1, count: nodes)
        self.traceWriter = traceWriter
    }

    // MARK: - Hosts

    mutating func nodeBooted(_ i: Int, firstBoot: Bool, now: Int64) -> Bool {
        if firstBoot { bootedCount += 1 }
        if openCrash[i] >= 0 { openCrash[i] = -1 }
        tracker.clearRow(i)
        tracker.setLive(i, true)
        return livenessChanged(now: now)
    }

    mutating func nodeStopped(_ i: Int, now: Int64) -> Bool {
        tracker.setLive(i, false)
        tracker.clearRow(i)
        return livenessChanged(now: now)
    }

    /// Node `i` started leaving: no longer counted live.
    mutating func nodeLeaving(_ i: Int, now: Int64) -> Bool {
        tracker.setLive(i, false)
        return livenessChanged(now: now)
    }

    /// Node `i` (already stopped) crashed: its detection is timed from now.
    mutating func crashed(_ i: Int, name: String, now: Int64) -> Bool {
        openCrash[i] = Int32(crashes.count)
        crashAt.append(now)
        crashes.append(
            SimulationReport.CrashDetection(
                node: name,
                at: VirtualTime.seconds(now),
                firstDetectedAfter: nil,
                firstDetector: nil,
                allDetectedAfter: nil
            )
        )
        return viewsChanged(member: i, now: now)
    }

    // MARK: - Views

    /// Viewer `v` now holds member `m` at `status`.
    mutating func viewChanged(viewer v: Int, member m: Int, status: MemberStatus) {
        tracker.set(viewer: v, member: m, status: status)
    }

    /// Viewer `v` holds member `m` dead; `declaring` when `v`'s own suspicion timed out (not gossip it heard).
    mutating func declaredDead(
        viewer v: Int,
        member m: Int,
        declaring: Bool,
        hosts: [Host],
        network: NetworkModel,
        now: Int64
    ) {
        let c = Int(openCrash[m])
        if c >= 0, crashes[c].firstDetectedAfter == nil, tracker.live[v] {
            crashes[c].firstDetectedAfter = VirtualTime.seconds(now - crashAt[c])
            crashes[c].firstDetector = hosts[v].name
        }
        if declaring {
            deathsDeclared += 1
            classifyDeclaration(declarer: v, target: m, hosts: hosts, network: network, now: now)
        }
    }

    /// A healthy target reachable both ways, with no fault near either side within the grace: a false positive.
    private mutating func classifyDeclaration(
        declarer v: Int,
        target m: Int,
        hosts: [Host],
        network: NetworkModel,
        now: Int64
    ) {
        let target = hosts[m]
        guard target.isHealthy, network.canSend(v, m), network.canSend(m, v) else { return }
        let quietSince = max(hosts[v].lastDisruption, target.lastDisruption, network.lastGlobalChange)
        if quietSince != .min, now - quietSince <= grace {
            declarationsAfterFaults += 1
            return
        }
        falsePositives.append(
            SimulationReport.FalsePositive(at: VirtualTime.seconds(now), target: target.name, declaredBy: hosts[v].name)
        )
        traceWriter?.line(now, "FALSE-POSITIVE \(hosts[v].name) declared \(target.name) dead")
    }

    /// After views of `member` (or liveness) changed: crash detection and convergence bookkeeping.
    mutating func viewsChanged(member m: Int?, now: Int64) -> Bool {
        if let m, openCrash[m] >= 0, tracker.activeViewers[m] == 0 {
            let c = Int(openCrash[m])
            if crashes[c].allDetectedAfter == nil {
                crashes[c].allDetectedAfter = VirtualTime.seconds(now - crashAt[c])
            }
        }
        let isConverged = tracker.isConverged
        guard isConverged != converged else { return false }
        converged = isConverged
        guard isConverged else { return false }
        var joined = false
        if joinConvergence == nil, bootedCount == n, tracker.liveCount == n {
            joinConvergence = now
            joined = true
        }
        if settledAfterLastFault == nil, now >= lastFaultTime {
            settledAfterLastFault = now - lastFaultTime
        }
        for pending in pendingRemerges {
            remerges[pending.index].convergedAfter = VirtualTime.seconds(now - pending.since)
        }
        pendingRemerges.removeAll()
        return joined
    }

    /// Liveness of many views changed: re-check every open crash.
    private mutating func livenessChanged(now: Int64) -> Bool {
        var joined = false
        for m in 0..<n where openCrash[m] >= 0 {
            if viewsChanged(member: m, now: now) { joined = true }
        }
        if viewsChanged(member: nil, now: now) { joined = true }
        return joined
    }

    // MARK: - Faults

    /// Before a fault: the view matrix as it stands.
    mutating func faultStarting(_ label: String, now: Int64) {
        snapshots.append(
            SimulationReport.Snapshot(
                at: VirtualTime.seconds(now),
                event: label,
                liveNodes: tracker.liveCount,
                activePairs: tracker.livePairs,
                stalePairs: tracker.stalePairs
            )
        )
    }

    /// After a fault: the settle time if the views are already converged, and a re-merge to time after a repair.
    mutating func faultApplied(_ label: String, isRepair: Bool, now: Int64) {
        if settledAfterLastFault == nil, now >= lastFaultTime, converged {
            settledAfterLastFault = now - lastFaultTime
        }
        guard isRepair else { return }
        remerges.append(SimulationReport.Remerge(event: label, at: VirtualTime.seconds(now), convergedAfter: nil))
        if converged {
            remerges[remerges.count - 1].convergedAfter = 0
        } else {
            pendingRemerges.append((remerges.count - 1, now))
        }
    }
}
