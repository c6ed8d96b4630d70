import Foundation

/// What `peer bench` measured; encoded as-is for `--json`, rendered as tables otherwise.
struct BenchReport: Codable, Sendable {
    var nodes: Int
    var profile: String
    /// How often the bench polled every agent's member list; detection figures are this precise at best.
    var pollIntervalMilliseconds: Int
    /// From spawning the last agent until every agent had reported all N alive.
    var joinConvergenceSeconds: Double
    var crashes: [CrashRound]
    /// From the SIGKILL until the first survivor reported the victim dead.
    var crashDetectionFirst: Summary?
    /// From the SIGKILL until every survivor had reported the victim dead.
    var crashDetectionAll: Summary?
    /// Leader failover after SIGKILLing the broker leading the most partitions; nil when skipped.
    var failover: FailoverRound?
    var idle: IdleFigures

    struct FailoverRound: Codable, Sendable {
        var partitions: Int
        var victim: String
        var partitionsLed: Int
        /// From the SIGKILL until the first / every survivor reported the victim dead.
        var detectionFirstSeconds: Double
        var detectionAllSeconds: Double
        /// From the SIGKILL until the first / every survivor showed every partition led by someone else.
        var failoverFirstSeconds: Double
        var failoverAllSeconds: Double
    }

    struct CrashRound: Codable, Sendable {
        var victim: String
        var firstSurvivorSeconds: Double
        var allSurvivorsSeconds: Double
    }

    struct Summary: Codable, Sendable {
        var mean: Double
        var min: Double
        var max: Double

        init?(_ values: [Double]) {
            guard let low = values.min(), let high = values.max() else { return nil }
            mean = values.reduce(0, +) / Double(values.count)
            min = low
            max = high
        }
    }

    /// Measured over a quiet window with all N agents alive and nobody polling them.
    struct IdleFigures: Codable, Sendable {
        var windowSeconds: Double
        var rssKiBMean: Double
        var rssKiBMax: Int
        /// Share of one core, per agent.
        var cpuPercentMean: Double
        var cpuPercentMax: Double
        /// UDP datagrams and sealed bytes sent, per node per second.
        var datagramsPerNodePerSecond: Double
        var bytesPerNodePerSecond: Double
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func table() -> String {
        var summary = TextTable(header: ["Measure", "Mean", "Min", "Max"])
        summary.append(["join convergence", Self.seconds(joinConvergenceSeconds), "", ""])
        for (label, figures) in [
            ("crash detection, first survivor", crashDetectionFirst),
            ("crash detection, every survivor", crashDetectionAll),
        ] {
            if let figures {
                summary.append([
                    label, Self.seconds(figures.mean), Self.seconds(figures.min), Self.seconds(figures.max),
                ])
            }
        }
        if let failover {
            summary.append([
                "leader failover, first survivor", Self.seconds(failover.failoverFirstSeconds), "", "",
            ])
            summary.append([
                "leader failover, every survivor", Self.seconds(failover.failoverAllSeconds), "", "",
            ])
        }
        summary.append([
            "idle RSS per agent", Self.mebibytes(idle.rssKiBMean), "", Self.mebibytes(Double(idle.rssKiBMax)),
        ])
        summary.append([
            "idle CPU per agent", Self.format(idle.cpuPercentMean, "%"), "", Self.format(idle.cpuPercentMax, "%"),
        ])
        summary.append(["gossip datagrams sent per node", Self.format(idle.datagramsPerNodePerSecond, "/s"), "", ""])
        summary.append(["gossip bytes sent per node", Self.format(idle.bytesPerNodePerSecond, " B/s"), "", ""])

        var lines = [
            "peer bench · \(nodes) nodes · profile \(profile) · polled every \(pollIntervalMilliseconds) ms · "
                + "idle window \(Self.format(idle.windowSeconds, " s"))",
            "",
            summary.render(),
        ]
        if let failover {
            lines += [
                "",
                "failover: SIGKILL \(failover.victim), leader of \(failover.partitionsLed) of \(failover.partitions) "
                    + "partitions; seen dead by every survivor after \(Self.seconds(failover.detectionAllSeconds)), "
                    + "new leaders everywhere after \(Self.seconds(failover.failoverAllSeconds))",
            ]
        }
        if !crashes.isEmpty {
            var rounds = TextTable(header: ["Crash", "Victim", "First survivor", "Every survivor"])
            for (index, round) in crashes.enumerated() {
                rounds.append([
                    "\(index + 1)", round.victim, Self.seconds(round.firstSurvivorSeconds),
                    Self.seconds(round.allSurvivorsSeconds),
                ])
            }
            lines += ["", rounds.render()]
        }
        // Empty trailing cells would otherwise leave padding at the ends of lines.
        return lines.joined(separator: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map(Self.trimmingTrailingSpaces)
            .joined(separator: "\n")
    }

    private static func trimmingTrailingSpaces(_ line: Substring) -> Substring {
        var trimmed = line
        while trimmed.last == " " { trimmed = trimmed.dropLast() }
        return trimmed
    }

    private static func seconds(_ value: Double) -> String {
        format(value, " s", digits: 3)
    }

    private static func mebibytes(_ kibibytes: Double) -> String {
        format(kibibytes / 1024, " MiB")
    }

    private static func format(_ value: Double, _ unit: String, digits: Int = 1) -> String {
        String(format: "%.\(digits)f", value) + unit
    }
}
