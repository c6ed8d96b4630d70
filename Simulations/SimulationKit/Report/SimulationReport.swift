import Foundation

/// Everything a run measured. All fields except `performance` are a pure function of the inputs, so two runs with
/// the same seed produce equal reports apart from it.
public struct SimulationReport: Codable, Sendable, Equatable {
    public var scenario: String
    public var seed: UInt64
    public var nodes: Int
    public var durationSeconds: Double
    public var profile: String
    /// FNV-1a over every delivery (time, from, to, kind, bytes): identifies the run.
    public var traceHash: String
    /// When every node first saw all N nodes alive (nil if that never happened).
    public var joinConvergenceSeconds: Double?
    public var crashes: [CrashDetection]
    /// Live, reachable, healthy nodes declared dead, with no fault touching either side within the grace period.
    public var falsePositives: [FalsePositive]
    /// Deaths declared of healthy, reachable nodes within the grace period after a fault touched one of the two
    /// (for instance the minutes after a partition heals). Not failures; shown for insight.
    public var declarationsAfterFaults: Int
    /// Every death declared by a node's own suspicion timeout.
    public var deathsDeclared: Int
    public var remerges: [Remerge]
    /// A snapshot of the views just before each fault event.
    public var snapshots: [Snapshot]
    public var traffic: Traffic
    public var convergenceCheck: String
    /// Seconds from the last fault until the views next converged.
    public var settledAfterLastFaultSeconds: Double?
    public var violations: [Violation]
    /// The controller and partitions layer: elections, failovers, topics.
    public var partitions: PartitionFigures
    public var eventsProcessed: Int
    public var replayCommand: String
    public var performance: Performance

    public struct CrashDetection: Codable, Sendable, Equatable {
        public var node: String
        public var at: Double
        /// Seconds until the first live node marked it dead, and who.
        public var firstDetectedAfter: Double?
        public var firstDetector: String?
        /// Seconds until no live node held it alive or suspect.
        public var allDetectedAfter: Double?
    }

    public struct FalsePositive: Codable, Sendable, Equatable {
        public var at: Double
        public var target: String
        public var declaredBy: String
    }

    public struct Remerge: Codable, Sendable, Equatable {
        public var event: String
        public var at: Double
        /// Seconds until all live nodes saw all live nodes again (nil: not within the run).
        public var convergedAfter: Double?
    }

    public struct Snapshot: Codable, Sendable, Equatable {
        public var at: Double
        public var event: String
        public var liveNodes: Int
        /// Live (viewer, member) pairs where the viewer holds the member alive or suspect, out of `liveNodes·(liveNodes−1)`.
        public var activePairs: Int
        /// Live viewers still holding a departed node alive or suspect.
        public var stalePairs: Int
    }

    public struct Traffic: Codable, Sendable, Equatable {
        public var datagramsSent: Int
        public var datagramBytes: Int
        public var messagesPerNodePerSecond: Double
        public var bytesPerNodePerSecond: Double
        /// Largest sealed datagram, bytes (the configured maximum is `maxDatagram`).
        public var largestDatagram: Int
        public var maxDatagram: Int
        public var datagramsDelivered: Int
        public var droppedByLoss: Int
        public var droppedByPartition: Int
        public var droppedNodeDown: Int
        public var duplicated: Int
        public var streamsOpened: Int
        public var streamsFailed: Int
        public var streamBytes: Int
        /// Sealed messages the receiver's `open` rejected, by reason (duplicates come back as `replayed`).
        public var rejectedBySealing: [String: Int]
        public var decodeErrors: Int
    }

    public struct Performance: Codable, Sendable, Equatable {
        public var wallSeconds: Double
        /// Virtual seconds × nodes simulated per wall-clock second.
        public var nodeSecondsPerWallSecond: Double
        public var eventsPerWallSecond: Double
        /// Peak resident memory of the process at the end of the run.
        public var peakResidentBytes: Int
    }

    public struct PartitionFigures: Codable, Sendable, Equatable {
        public var voters: [String]
        public var topics: [TopicFigure]
        /// Every new controller term (a node acting under an epoch for the first time).
        public var elections: [Election]
        public var controllerFailovers: [ControllerFailover]
        public var leaderFailovers: [LeaderFailover]
        /// Faults aimed at the controller or a leader that found none.
        public var skippedFaults: [String]
        /// From the acting controller's table at the end (else the newest live table).
        public var partitionsAtEnd: Int
        public var offlineAtEnd: Int
        public var underReplicatedAtEnd: Int
        public var controllerAtEnd: String?
        /// Direct partitions-layer datagrams (lease requests and replies, forwarded requests, acknowledgements).
        public var controlDatagrams: Int
    }

    public struct TopicFigure: Codable, Sendable, Equatable {
        public var name: String
        public var partitions: Int
        public var replicationFactor: Int
        /// First request, seconds into the run.
        public var requestedAt: Double?
        /// When a request succeeded.
        public var createdAt: Double?
        public var attempts: Int
        public var lastError: String?
        /// From the successful request until every up node held all its partitions.
        public var everyNodeAfter: Double?
    }

    public struct Election: Codable, Sendable, Equatable {
        public var at: Double
        public var controller: String
        public var epoch: UInt64
    }

    public struct ControllerFailover: Codable, Sendable, Equatable {
        /// `crash` or `isolate`.
        public var cause: String
        public var at: Double
        public var controller: String
        public var epoch: UInt64
        public var newController: String?
        public var newEpoch: UInt64?
        /// Seconds until another node acted as controller under a higher epoch.
        public var actingAfter: Double?
        /// Seconds until every up node's view named that new controller.
        public var everyNodeKnowsAfter: Double?
    }

    public struct LeaderFailover: Codable, Sendable, Equatable {
        public var node: String
        public var cause: String
        public var at: Double
        /// Partitions it led (in the controller's table) when it went down.
        public var partitions: Int
        /// Seconds until the first up node showed a new live leader for all of them, and which node.
        public var firstAfter: Double?
        public var firstNode: String?
        /// Seconds until every up node did.
        public var everyNodeAfter: Double?
    }

    public struct Violation: Codable, Sendable, Equatable {
        public var checker: String
        public var at: Double
        public var message: String
    }

    /// The report without wall-clock figures, for comparing runs.
    public var deterministicPart: SimulationReport {
        var copy = self
        copy.performance = Performance(
            wallSeconds: 0,
            nodeSecondsPerWallSecond: 0,
            eventsPerWallSecond: 0,
            peakResidentBytes: 0
        )
        return copy
    }

    public var passed: Bool { violations.isEmpty }
    /// Whether the checks that need the faults to have settled ran (at the last fault plus the settle bound); a
    /// run too short for that passes without them.
    public var settledChecksRan: Bool { convergenceCheck.hasPrefix("passed") || convergenceCheck == "failed" }

    public func json(pretty: Bool = false) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        // Every field is a plain number, string or array of them.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// A short human summary.
    public func summary() -> String {
        func s(_ x: Double?) -> String {
            guard let x else { return "never" }
            return String(format: "%.3fs", x)
        }
        var lines: [String] = []
        lines.append(
            "scenario \(scenario): \(nodes) nodes, \(Int(durationSeconds))s virtual, seed \(seed), profile \(profile)"
        )
        lines.append("join convergence: \(s(joinConvergenceSeconds))")
        for crash in crashes {
            lines.append(
                "crash \(crash.node) at \(s(crash.at)): first detected after \(s(crash.firstDetectedAfter))"
                    + (crash.firstDetector.map { " by \($0)" } ?? "") + ", by all after \(s(crash.allDetectedAfter))"
            )
        }
        lines.append("deaths declared: \(deathsDeclared); after faults (grace): \(declarationsAfterFaults)")
        if falsePositives.isEmpty {
            lines.append("false positives: 0")
        } else {
            lines.append("false positives: \(falsePositives.count)")
            for fp in falsePositives.prefix(10) {
                lines.append("  \(s(fp.at)): \(fp.target) declared dead by \(fp.declaredBy)")
            }
            if falsePositives.count > 10 { lines.append("  … \(falsePositives.count - 10) more") }
        }
        for remerge in remerges {
            lines.append("re-merge after \(remerge.event) at \(s(remerge.at)): \(s(remerge.convergedAfter))")
        }
        lines.append(contentsOf: partitionLines(s))
        lines.append(
            "convergence check: \(convergenceCheck); settled \(s(settledAfterLastFaultSeconds)) after the last fault"
        )
        lines.append(
            String(
                format:
                    "traffic: %.2f msgs/node/s, %.0f B/node/s, largest datagram %d B (max %d), %d push-pulls (%d failed)",
                traffic.messagesPerNodePerSecond,
                traffic.bytesPerNodePerSecond,
                traffic.largestDatagram,
                traffic.maxDatagram,
                traffic.streamsOpened,
                traffic.streamsFailed
            )
        )
        lines.append(
            "network: \(traffic.datagramsDelivered) delivered, lost \(traffic.droppedByLoss), partitioned "
                + "\(traffic.droppedByPartition), to down nodes \(traffic.droppedNodeDown), duplicated \(traffic.duplicated), "
                + "rejected by sealing \(traffic.rejectedBySealing.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")), decode errors \(traffic.decodeErrors)"
        )
        lines.append(
            String(
                format: "events %d, wall %.2fs, %.0f node·s/s, %.0f events/s, peak RSS %.2f GB",
                eventsProcessed,
                performance.wallSeconds,
                performance.nodeSecondsPerWallSecond,
                performance.eventsPerWallSecond,
                Double(performance.peakResidentBytes) / 1e9
            )
        )
        lines.append("trace hash \(traceHash)")
        if violations.isEmpty {
            lines.append("invariants: all held")
        } else {
            lines.append("INVARIANT VIOLATIONS (\(violations.count)):")
            for v in violations.prefix(20) { lines.append("  [\(v.checker)] at \(s(v.at)): \(v.message)") }
            lines.append("replay: \(replayCommand)")
        }
        return lines.joined(separator: "\n")
    }
}

extension SimulationReport {
    func partitionLines(_ s: (Double?) -> String) -> [String] {
        let p = partitions
        var lines: [String] = []
        for topic in p.topics where topic.partitions > 0 || topic.createdAt != nil {
            var text =
                "topic \(topic.name) (\(topic.partitions) partitions, RF \(topic.replicationFactor)): requested at \(s(topic.requestedAt)), created at \(s(topic.createdAt)) after \(topic.attempts) attempt(s), on every node after \(s(topic.everyNodeAfter))"
            if topic.createdAt == nil, let error = topic.lastError { text += " (last error: \(error))" }
            lines.append(text)
        }
        let epochs = p.elections.map { "\($0.controller)@\($0.epoch)" }
        lines.append(
            "controller elections: \(p.elections.count) (\(epochs.prefix(12).joined(separator: " "))\(epochs.count > 12 ? " …" : "")); voters \(p.voters.joined(separator: ","))"
        )
        for f in p.controllerFailovers {
            lines.append(
                "controller \(f.controller) (epoch \(f.epoch)) lost by \(f.cause) at \(s(f.at)): \(f.newController.map { "\($0) (epoch \(f.newEpoch ?? 0))" } ?? "no successor") acting after \(s(f.actingAfter)), known by every node after \(s(f.everyNodeKnowsAfter))"
            )
        }
        for f in p.leaderFailovers {
            lines.append(
                "leader \(f.node) (\(f.partitions) partitions) lost by \(f.cause) at \(s(f.at)): new leaders on the first node after \(s(f.firstAfter))\(f.firstNode.map { " (\($0))" } ?? ""), on every node after \(s(f.everyNodeAfter))"
            )
        }
        for skipped in p.skippedFaults { lines.append("skipped fault: \(skipped)") }
        lines.append(
            "partitions at end: \(p.partitionsAtEnd), offline \(p.offlineAtEnd), under-replicated \(p.underReplicatedAtEnd); controller \(p.controllerAtEnd ?? "none"); \(p.controlDatagrams) control datagrams"
        )
        return lines
    }
}
