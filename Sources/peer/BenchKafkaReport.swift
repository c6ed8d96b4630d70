import Foundation

/// What `peer bench kafka` measured: the machine's limits and the broker's data plane, in one run. Encoded as-is
/// for `--json` (rates in bytes per second), rendered as tables otherwise (MB = 10^6 bytes).
struct BenchKafkaReport: Codable, Sendable {
    /// Brokers started (one) and the topics' partition count (replication factor 1).
    var brokers: Int
    var partitions: Int
    var recordBytes: Int
    var inFlight: Int
    var machine: MachineLimits
    var produce: [ProduceRun]
    var latency: LatencyRun
    var consume: [ConsumeRun]
    /// Nil when skipped (`--kcat-megabytes 0`).
    var kcat: KcatRun?
    var goals: Goals

    struct MachineLimits: Codable, Sendable {
        /// dd, buffered 1 MiB writes, one fdatasync at the end: what reaches the disk.
        var diskWriteBytesPerSecond: Double
        /// dd, the same writes without the sync: the page cache.
        var pageCacheWriteBytesPerSecond: Double
        /// iperf3, one TCP stream over 127.0.0.1.
        var loopbackBytesPerSecond: Double
        var ddCommand: String
        var iperf3Command: String
    }

    /// Produce at acks=1 with pre-built batches, a fixed number of requests in flight.
    struct ProduceRun: Codable, Sendable {
        var batchBytes: Int
        var recordsPerBatch: Int
        var requests: Int
        var records: Int
        var bytes: Int
        var seconds: Double
        var bytesPerSecond: Double
        var recordsPerSecond: Double
        /// CPU used over the run, in percent of one core.
        var brokerCPUPercent: Double
        var clientCPUPercent: Double
    }

    /// Produce latency at a fixed rate, from handing a request to the connection until its response arrived.
    struct LatencyRun: Codable, Sendable {
        var batchesPerSecond: Int
        var recordsPerBatch: Int
        var seconds: Double
        var requests: Int
        var p50Milliseconds: Double
        var p99Milliseconds: Double
        var p999Milliseconds: Double
        var maxMilliseconds: Double
    }

    /// Consume everything one produce run wrote, from the page cache.
    struct ConsumeRun: Codable, Sendable {
        var topic: String
        var batchBytes: Int
        var fetches: Int
        var records: Int
        var bytes: Int
        var seconds: Double
        var bytesPerSecond: Double
        var brokerCPUPercent: Double
        var clientCPUPercent: Double
    }

    struct KcatRun: Codable, Sendable {
        var records: Int
        var bytes: Int
        var seconds: Double
        var bytesPerSecond: Double
        var recordsPerSecond: Double
        var command: String
    }

    /// The issue's goals: produce at least half the disk's bandwidth, consume at least half of loopback's.
    struct Goals: Codable, Sendable {
        var produceToDisk: Double
        var consumeToLoopback: Double
        var produceMet: Bool
        var consumeMet: Bool

        init(bestProduce: Double, bestConsume: Double, machine: MachineLimits) {
            produceToDisk = machine.diskWriteBytesPerSecond > 0 ? bestProduce / machine.diskWriteBytesPerSecond : 0
            consumeToLoopback = machine.loopbackBytesPerSecond > 0 ? bestConsume / machine.loopbackBytesPerSecond : 0
            produceMet = produceToDisk >= 0.5
            consumeMet = consumeToLoopback >= 0.5
        }
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func table() -> String {
        var limits = TextTable(header: ["Machine limit", "MB/s", "Command"])
        limits.append([
            "disk write (dd, fdatasync at end)", Self.rate(machine.diskWriteBytesPerSecond), machine.ddCommand,
        ])
        limits.append(["page-cache write (dd, no sync)", Self.rate(machine.pageCacheWriteBytesPerSecond), ""])
        limits.append([
            "loopback TCP (iperf3, 1 stream)", Self.rate(machine.loopbackBytesPerSecond), machine.iperf3Command,
        ])

        var throughput = TextTable(header: [
            "Run", "Batch", "MB/s", "Records/s", "Data", "Time", "Broker CPU", "Client CPU",
        ])
        for run in produce {
            throughput.append([
                "produce acks=1", Self.size(run.batchBytes), Self.rate(run.bytesPerSecond),
                Self.count(run.recordsPerSecond),
                Self.megabytes(run.bytes), Self.format(run.seconds, " s"), Self.format(run.brokerCPUPercent, "%"),
                Self.format(run.clientCPUPercent, "%"),
            ])
        }
        for run in consume {
            throughput.append([
                "consume", Self.size(run.batchBytes), Self.rate(run.bytesPerSecond),
                Self.count(Double(run.records) / max(run.seconds, 1e-9)), Self.megabytes(run.bytes),
                Self.format(run.seconds, " s"), Self.format(run.brokerCPUPercent, "%"),
                Self.format(run.clientCPUPercent, "%"),
            ])
        }
        if let kcat {
            throughput.append([
                "kcat produce acks=1", "≤1 MB", Self.rate(kcat.bytesPerSecond), Self.count(kcat.recordsPerSecond),
                Self.megabytes(kcat.bytes), Self.format(kcat.seconds, " s"), "", "",
            ])
        }

        var lines = [
            "peer bench kafka · \(brokers) broker · topics with \(partitions) partition(s), RF 1 · "
                + "records of \(recordBytes) B · \(inFlight) requests in flight",
            "",
            limits.render(),
            "",
            throughput.render(),
            "",
            "produce latency at \(latency.batchesPerSecond) batches/s of \(latency.recordsPerBatch) records, "
                + "\(latency.requests) requests over \(Self.format(latency.seconds, " s")): "
                + "p50 \(Self.milliseconds(latency.p50Milliseconds)), p99 \(Self.milliseconds(latency.p99Milliseconds)), "
                + "p999 \(Self.milliseconds(latency.p999Milliseconds)), max \(Self.milliseconds(latency.maxMilliseconds))",
            "",
            "goals: best produce / disk write = \(Self.percent(goals.produceToDisk)) "
                + "(≥ 50 %: \(goals.produceMet ? "met" : "missed")); "
                + "best consume / loopback = \(Self.percent(goals.consumeToLoopback)) "
                + "(≥ 50 %: \(goals.consumeMet ? "met" : "missed"))",
        ]
        if let kcat { lines += ["kcat: \(kcat.command)"] }
        return lines.joined(separator: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in
                var trimmed = line
                while trimmed.last == " " { trimmed = trimmed.dropLast() }
                return trimmed
            }
            .joined(separator: "\n")
    }

    private static func rate(_ bytesPerSecond: Double) -> String { format(bytesPerSecond / 1e6, "") }
    private static func megabytes(_ bytes: Int) -> String { format(Double(bytes) / 1e6, " MB", digits: 0) }
    private static func count(_ value: Double) -> String { format(value, "", digits: 0) }
    private static func milliseconds(_ value: Double) -> String { format(value, " ms", digits: 2) }
    private static func percent(_ ratio: Double) -> String { format(ratio * 100, " %", digits: 0) }

    private static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? "\(bytes >> 20) MiB" : "\(bytes >> 10) KiB"
    }

    private static func format(_ value: Double, _ unit: String, digits: Int = 1) -> String {
        String(format: "%.\(digits)f", value) + unit
    }
}
