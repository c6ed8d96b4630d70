import ArgumentParser
import Foundation
import LocalCluster

/// `peer bench kafka`: the data plane of one real broker against this machine's limits, in one report.
struct BenchKafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kafka",
        abstract: "Measure the Kafka data plane of one local broker against the machine's disk and loopback.",
        discussion: """
            First measures the machine: dd writes 1 GiB in buffered 1 MiB writes into the bench's data directory \
            (once without sync, once with one fdatasync at the end: the disk figure), and iperf3 sends one TCP \
            stream over 127.0.0.1. Then starts one `peer agent` (broker and its own controller) and, on topics \
            with replication factor 1: produce at acks=1 with pre-built batches of 1 KiB records per --batch-kib, \
            --in-flight requests outstanding on one connection; produce latency at a fixed rate (HdrHistogram); \
            consume of everything each produce run wrote, from the page cache, one fetch per partition in flight; \
            and kcat producing --kcat-megabytes of 1 KiB lines to the same broker. Needs dd, iperf3 and kcat \
            (`scripts/ensure-deps.sh --bench`). Progress goes to stderr; the report to stdout.
            """
    )

    @Option(help: "Partitions of each topic (replication factor 1).")
    var partitions: Int = 4

    @Option(help: ArgumentHelp("Batch sizes of the produce runs, comma-separated.", valueName: "KiB,..."))
    var batchKib: String = "64,1024"

    @Option(help: "Produce requests in flight on the connection.")
    var inFlight: Int = 8

    @Option(help: ArgumentHelp("Length of each produce run.", valueName: "seconds"))
    var produceSeconds: Double = 8

    @Option(help: ArgumentHelp("Stop a produce run early after this much data.", valueName: "MiB"))
    var produceMaxMib: Int = 4096

    @Option(help: ArgumentHelp("Rate of the latency run.", valueName: "batches/s"))
    var latencyRate: Int = 1000

    @Option(help: "Records per batch in the latency run.")
    var latencyRecords: Int = 16

    @Option(help: ArgumentHelp("Length of the latency run.", valueName: "seconds"))
    var latencySeconds: Double = 10

    @Option(help: ArgumentHelp("Per-partition limit of a consume fetch.", valueName: "MiB"))
    var partitionMaxMib: Int = 8

    @Option(help: ArgumentHelp("Data kcat produces; 0 skips kcat.", valueName: "MB"))
    var kcatMegabytes: Int = 200

    @Option(help: ArgumentHelp("Length of the iperf3 loopback run.", valueName: "seconds"))
    var iperf3Seconds: Int = 5

    @Option(help: "Gossip port of the broker; RPC, Kafka and iperf3 use the next three.")
    var basePort: Int = 27_946

    @Flag(help: "Print one JSON object instead of tables.")
    var json = false

    func validate() throws {
        guard (1...64).contains(partitions) else { throw ValidationError("--partitions must be between 1 and 64") }
        let sizes = try batchSizes()
        guard !sizes.isEmpty else { throw ValidationError("--batch-kib needs at least one size") }
        guard (1...64).contains(inFlight) else { throw ValidationError("--in-flight must be between 1 and 64") }
        guard produceSeconds > 0, produceSeconds <= 600 else {
            throw ValidationError("--produce-seconds must be positive and at most 600")
        }
        guard (1...65_536).contains(produceMaxMib) else {
            throw ValidationError("--produce-max-mib must be between 1 and 65536")
        }
        guard (1...100_000).contains(latencyRate) else {
            throw ValidationError("--latency-rate must be between 1 and 100000")
        }
        guard (1...1000).contains(latencyRecords) else {
            throw ValidationError("--latency-records must be between 1 and 1000")
        }
        guard latencySeconds > 0, latencySeconds <= 600 else {
            throw ValidationError("--latency-seconds must be positive and at most 600")
        }
        guard (1...64).contains(partitionMaxMib) else {
            throw ValidationError("--partition-max-mib must be between 1 and 64")
        }
        guard (0...100_000).contains(kcatMegabytes) else {
            throw ValidationError("--kcat-megabytes must be between 0 and 100000")
        }
        guard (1...60).contains(iperf3Seconds) else {
            throw ValidationError("--iperf3-seconds must be between 1 and 60")
        }
        guard basePort >= 1, basePort + 3 <= 65_535 else { throw ValidationError("--base-port: ports do not fit") }
    }

    /// Batch sizes in bytes; 1 MiB at most, the broker's default max.message.bytes.
    func batchSizes() throws -> [Int] {
        try batchKib.split(separator: ",").map { part in
            guard let kib = Int(part.trimmingCharacters(in: .whitespaces)), (1...1024).contains(kib) else {
                throw ValidationError("--batch-kib: '\(part)' is not a size between 1 and 1024 KiB")
            }
            return kib << 10
        }
    }

    func run() async throws {
        guard FileManager.default.fileExists(atPath: "/proc/self/stat") else {
            throw ValidationError("peer bench reads /proc and runs only on Linux")
        }
        let directory = try LocalClusterLauncher.makeTemporaryDirectory(prefix: "peer-bench-kafka")
        // One agent: node i's ports are gossip base+i, RPC base+1+i, Kafka base+2+i; iperf3 takes base+3.
        let cluster = BenchCluster(
            count: 1,
            basePort: basePort,
            directory: directory,
            executable: try LocalClusterLauncher.currentExecutable(),
            withController: true
        )
        let partitionMaxBytes = Int32(partitionMaxMib << 20)
        let settings = BenchKafkaRunner.Settings(
            partitions: partitions,
            recordBytes: 1024,
            batchSizes: try batchSizes(),
            inFlight: inFlight,
            produceDuration: .milliseconds(Int(produceSeconds * 1000)),
            produceMaxBytes: produceMaxMib << 20,
            latencyRate: latencyRate,
            latencyRecords: latencyRecords,
            latencyDuration: .milliseconds(Int(latencySeconds * 1000)),
            partitionMaxBytes: partitionMaxBytes,
            fetchMaxBytes: partitionMaxBytes,
            kcatBytes: kcatMegabytes * 1_000_000,
            iperf3Port: basePort + 3,
            iperf3Seconds: iperf3Seconds
        )
        let runner = BenchKafkaRunner(
            cluster: cluster,
            settings: settings,
            progress: { FileHandle.standardError.write(Data("bench: \($0)\n".utf8)) }
        )
        let measuring = Task { try await runner.run() }
        let signals = SignalTrap(signals: [SIGINT, SIGTERM]) { measuring.cancel() }
        let result = await measuring.result
        await cluster.stop()
        signals.cancel()

        switch result {
        case .success(let report):
            try? FileManager.default.removeItem(at: directory)
            print(json ? try report.json() : report.table())
        case .failure(is CancellationError):
            Self.removeAllButLog(of: cluster)
            Terminal.printError("interrupted; the broker stopped, its log kept in \(cluster.nodes[0].logFile.path)")
            throw ExitCode(130)
        case .failure(let error):
            Self.removeAllButLog(of: cluster)
            throw BenchError("\(error) (broker log kept in \(cluster.nodes[0].logFile.path))")
        }
    }

    /// The bench writes gigabytes; after a failure only the broker's log, which explains it, is kept.
    private static func removeAllButLog(of cluster: BenchCluster) {
        let node = cluster.nodes[0]
        let entries =
            (try? FileManager.default.contentsOfDirectory(at: node.directory, includingPropertiesForKeys: nil)) ?? []
        for entry in entries where entry.lastPathComponent != node.logFile.lastPathComponent {
            try? FileManager.default.removeItem(at: entry)
        }
        for name in ["dd.tmp", "dd-nosync.tmp", "kcat-lines.txt"] {
            try? FileManager.default.removeItem(at: cluster.directory.appendingPathComponent(name))
        }
    }
}
