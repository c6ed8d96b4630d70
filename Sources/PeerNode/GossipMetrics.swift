import Gossip
import Metrics
import Primitives

/// The agent's swift-metrics instruments. Whatever backend the executable bootstrapped receives them; the
/// library never bootstraps one. Loop-confined like the shell that owns it.
final class GossipMetrics {
    let datagramsSent = Counter(label: "peer_datagrams_sent_total")
    let bytesSent = Counter(label: "peer_bytes_sent_total")
    let datagramsReceived = Counter(label: "peer_datagrams_received_total")
    let bytesReceived = Counter(label: "peer_bytes_received_total")
    let sendFailures = Counter(label: "peer_send_failures_total")
    let pushPullFailures = Counter(label: "peer_push_pull_failures_total")
    let streamsServed = Counter(label: "peer_streams_served_total")
    let stateChanges = Counter(label: "peer_state_changes_total")
    let rpcConnectionsRefused = Counter(label: "peer_rpc_connections_refused_total")
    let localHealthScore = Gauge(label: "peer_local_health_score")
    let incarnation = Gauge(label: "peer_incarnation")
    let pendingBroadcasts = Gauge(label: "peer_pending_broadcasts")

    /// Inbound streams dropped unanswered, in total (for `peer info`) and by reason (for the metrics).
    private(set) var streamsRejected: UInt64 = 0
    private var streamRejections: [String: Counter] = [:]
    private var sealingRejections: [String: Counter] = [:]
    private var decodeErrors: [String: Counter] = [:]
    private var memberChanges: [MemberStatus: Counter] = [:]
    private let membersByStatus: [MemberStatus: Gauge]
    private let coreCounters: [(KeyPath<GossipCounters, UInt64>, Counter)]
    private var lastCoreCounters = GossipCounters()

    init() {
        membersByStatus = Dictionary(
            uniqueKeysWithValues: MemberStatus.allCases.map {
                ($0, Gauge(label: "peer_members", dimensions: [("status", $0.description)]))
            }
        )
        coreCounters = [
            (\.probes, Counter(label: "peer_probes_total")),
            (\.indirectProbes, Counter(label: "peer_indirect_probes_total")),
            (\.failedProbes, Counter(label: "peer_failed_probes_total")),
            (\.suspicionsRaised, Counter(label: "peer_suspicions_total")),
            (\.refutations, Counter(label: "peer_refutations_total")),
            (\.membersDeclaredDead, Counter(label: "peer_members_declared_dead_total")),
            (\.pushPulls, Counter(label: "peer_push_pulls_total")),
            (\.joinRetries, Counter(label: "peer_join_retries_total")),
        ]
    }

    /// Counts a sealed message that was dropped, by why.
    func sealingRejected(_ reason: String) {
        counter(in: &sealingRejections, key: reason, label: "peer_sealing_rejected_total", dimension: "reason")
            .increment()
    }

    /// Counts an inbound stream dropped unanswered.
    func streamRejected(_ reason: StreamRejection) {
        streamsRejected &+= 1
        counter(in: &streamRejections, key: reason.rawValue, label: "peer_streams_rejected_total", dimension: "reason")
            .increment()
    }

    /// Counts opened bytes the core could not decode, by `DecodeError.label`.
    func decodeFailed(_ error: DecodeError) {
        counter(in: &decodeErrors, key: error.label, label: "peer_decode_errors_total", dimension: "error")
            .increment()
    }

    func memberChanged(to status: MemberStatus) {
        if memberChanges[status] == nil {
            memberChanges[status] = Counter(label: "peer_member_changes_total", dimensions: [("status", "\(status)")])
        }
        memberChanges[status]?.increment()
    }

    /// Refreshes gauges from the core's view and adds the core's counter growth since the last refresh.
    func refresh(from core: SWIMInstance) {
        var counts: [MemberStatus: Int] = [:]
        for member in core.members { counts[member.status, default: 0] += 1 }
        for (status, gauge) in membersByStatus { gauge.record(counts[status] ?? 0) }
        localHealthScore.record(core.localHealth.score)
        incarnation.record(Int64(clamping: core.incarnation))
        pendingBroadcasts.record(core.pendingBroadcasts)
        for (path, counter) in coreCounters {
            let now = core.counters[keyPath: path]
            let before = lastCoreCounters[keyPath: path]
            if now > before { counter.increment(by: Int64(clamping: now - before)) }
        }
        lastCoreCounters = core.counters
    }

    private func counter(in cache: inout [String: Counter], key: String, label: String, dimension: String) -> Counter {
        if let existing = cache[key] { return existing }
        let created = Counter(label: label, dimensions: [(dimension, key)])
        cache[key] = created
        return created
    }
}
