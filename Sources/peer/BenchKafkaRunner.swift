import Foundation
import Gossip
import KafkaClient
import Primitives

/// The phases of `peer bench kafka`: the machine's limits first (dd, iperf3, with no broker running yet), then
/// one broker (its own controller) and, on RF 1 topics, produce throughput per batch size, produce latency at a
/// fixed rate, consume of what each throughput run wrote, and kcat producing to the same broker.
struct BenchKafkaRunner: Sendable {
    struct Settings: Sendable {
        var partitions: Int
        var recordBytes: Int
        var batchSizes: [Int]
        var inFlight: Int
        var produceDuration: Duration
        var produceMaxBytes: Int
        var latencyRate: Int
        var latencyRecords: Int
        var latencyDuration: Duration
        var partitionMaxBytes: Int32
        var fetchMaxBytes: Int32
        var kcatBytes: Int
        var iperf3Port: Int
        var iperf3Seconds: Int
    }

    let cluster: BenchCluster
    let settings: Settings
    /// Progress lines, kept off stdout so `--json` output stays one object.
    let progress: @Sendable (String) -> Void

    static let readyTimeout: Duration = .seconds(30)

    func run() async throws -> BenchKafkaReport {
        _ = try BenchTools.locate("dd")
        _ = try BenchTools.locate("iperf3")
        if settings.kcatBytes > 0 { _ = try BenchTools.locate("kcat") }
        let machine = try await measureMachine()

        _ = try cluster.launch([0], profile: "lan")
        let bootstrap = cluster.nodes[0].kafka.description
        let client = KafkaClient(bootstrap: bootstrap)
        do {
            let report = try await measureBroker(client: client, bootstrap: bootstrap, machine: machine)
            await client.close()
            return report
        } catch {
            await client.close()
            throw error
        }
    }

    private func measureMachine() async throws -> BenchKafkaReport.MachineLimits {
        let directory = cluster.directory
        progress("dd: 1 GiB of buffered 1 MiB writes into \(directory.path), without and with a final fdatasync")
        let files = ["dd-nosync.tmp", "dd.tmp"].map { directory.appendingPathComponent($0) }
        defer { for file in files { try? FileManager.default.removeItem(at: file) } }
        let pageCache = try BenchTools.ddWriteBandwidth(into: files[0], syncAtEnd: false)
        let disk = try BenchTools.ddWriteBandwidth(into: files[1], syncAtEnd: true)
        progress("iperf3: one TCP stream over 127.0.0.1 for \(settings.iperf3Seconds) s")
        let loopback = try await BenchTools.loopbackBandwidth(
            port: settings.iperf3Port,
            seconds: settings.iperf3Seconds
        )
        return BenchKafkaReport.MachineLimits(
            diskWriteBytesPerSecond: disk,
            pageCacheWriteBytesPerSecond: pageCache,
            loopbackBytesPerSecond: loopback,
            ddCommand: "dd "
                + BenchTools.ddArguments(file: directory.appendingPathComponent("dd.tmp"), syncAtEnd: true)
                .joined(separator: " ").replacingOccurrences(of: directory.path, with: "<data-dir>"),
            iperf3Command: "iperf3 -s -1 & iperf3 -c 127.0.0.1 -t \(settings.iperf3Seconds)"
        )
    }

    private func measureBroker(
        client: KafkaClient,
        bootstrap: String,
        machine: BenchKafkaReport.MachineLimits
    ) async throws -> BenchKafkaReport {
        var produceRuns: [BenchKafkaReport.ProduceRun] = []
        var producedTopics: [(topic: String, batchBytes: Int)] = []
        for batchBytes in settings.batchSizes {
            let topic = "bench-produce-\(batchBytes >> 10)k"
            let load = try await prepare(topic: topic, client: client)
            let perBatch = BenchKafkaLoad.recordsFitting(batchBytes: batchBytes, recordBytes: settings.recordBytes)
            let batch = BenchKafkaLoad.batch(
                records: perBatch,
                recordBytes: settings.recordBytes,
                timestamp: Self.now()
            )
            progress(
                "produce: batches of \(batch.count) B (\(perBatch) records), \(settings.inFlight) in flight, "
                    + "\(Int(settings.produceDuration.seconds)) s"
            )
            let before = try await endOffsets(topic: topic, client: client)
            let cpu = try CPUWatch(cluster: cluster)
            let (requests, seconds) = try await load.produce(
                batch: batch,
                inFlight: settings.inFlight,
                duration: settings.produceDuration,
                maxBytes: settings.produceMaxBytes
            )
            let (broker, own) = try cpu.percent(over: seconds)
            let after = try await endOffsets(topic: topic, client: client)
            let records = requests * perBatch
            let stored = Int(after.reduce(0, +) - before.reduce(0, +))
            guard stored == records else {
                throw BenchError("\(topic): \(records) records acknowledged but the log end offsets grew by \(stored)")
            }
            let bytes = requests * batch.count
            produceRuns.append(
                .init(
                    batchBytes: batchBytes,
                    recordsPerBatch: perBatch,
                    requests: requests,
                    records: records,
                    bytes: bytes,
                    seconds: seconds,
                    bytesPerSecond: Double(bytes) / seconds,
                    recordsPerSecond: Double(records) / seconds,
                    brokerCPUPercent: broker,
                    clientCPUPercent: own
                )
            )
            producedTopics.append((topic, batchBytes))
            progress(
                String(format: "  %.1f MB/s, %.0f records/s", Double(bytes) / seconds / 1e6, Double(records) / seconds)
            )
        }

        let latency = try await measureLatency(client: client)

        var consumeRuns: [BenchKafkaReport.ConsumeRun] = []
        for (topic, batchBytes) in producedTopics {
            let load = try await prepare(topic: topic, client: client, create: false)
            let ends = try await endOffsets(topic: topic, client: client)
            progress("consume: \(topic) from offset 0, \(settings.partitions) fetches in flight")
            let cpu = try CPUWatch(cluster: cluster)
            let result = try await load.consume(
                endOffsets: ends,
                partitionMaxBytes: settings.partitionMaxBytes,
                maxBytes: settings.fetchMaxBytes
            )
            let (broker, own) = try cpu.percent(over: result.seconds)
            consumeRuns.append(
                .init(
                    topic: topic,
                    batchBytes: batchBytes,
                    fetches: result.fetches,
                    records: result.records,
                    bytes: result.bytes,
                    seconds: result.seconds,
                    bytesPerSecond: Double(result.bytes) / result.seconds,
                    brokerCPUPercent: broker,
                    clientCPUPercent: own
                )
            )
            progress(String(format: "  %.1f MB/s", Double(result.bytes) / result.seconds / 1e6))
        }

        let kcat = settings.kcatBytes > 0 ? try await measureKcat(client: client, bootstrap: bootstrap) : nil
        try cluster.checkAlive()
        let bestProduce = produceRuns.map(\.bytesPerSecond).max() ?? 0
        let bestConsume = consumeRuns.map(\.bytesPerSecond).max() ?? 0
        return BenchKafkaReport(
            brokers: 1,
            partitions: settings.partitions,
            recordBytes: settings.recordBytes,
            inFlight: settings.inFlight,
            machine: machine,
            produce: produceRuns,
            latency: latency,
            consume: consumeRuns,
            kcat: kcat,
            goals: .init(bestProduce: bestProduce, bestConsume: bestConsume, machine: machine)
        )
    }

    private func measureLatency(client: KafkaClient) async throws -> BenchKafkaReport.LatencyRun {
        let topic = "bench-latency"
        let load = try await prepare(topic: topic, client: client)
        let batch = BenchKafkaLoad.batch(
            records: settings.latencyRecords,
            recordBytes: settings.recordBytes,
            timestamp: Self.now()
        )
        progress(
            "latency: \(settings.latencyRate) batches/s of \(settings.latencyRecords) records for "
                + "\(Int(settings.latencyDuration.seconds)) s"
        )
        let (histogram, requests, seconds) = try await load.latency(
            batch: batch,
            perSecond: settings.latencyRate,
            duration: settings.latencyDuration
        )
        func milliseconds(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        let run = BenchKafkaReport.LatencyRun(
            batchesPerSecond: settings.latencyRate,
            recordsPerBatch: settings.latencyRecords,
            seconds: seconds,
            requests: requests,
            p50Milliseconds: milliseconds(histogram.valueAtPercentile(50)),
            p99Milliseconds: milliseconds(histogram.valueAtPercentile(99)),
            p999Milliseconds: milliseconds(histogram.valueAtPercentile(99.9)),
            maxMilliseconds: milliseconds(histogram.max)
        )
        progress(
            String(
                format: "  p50 %.2f ms, p99 %.2f ms, p999 %.2f ms",
                run.p50Milliseconds,
                run.p99Milliseconds,
                run.p999Milliseconds
            )
        )
        return run
    }

    private func measureKcat(client: KafkaClient, bootstrap: String) async throws -> BenchKafkaReport.KcatRun {
        let topic = "bench-kcat"
        _ = try await prepare(topic: topic, client: client)
        let lines = settings.kcatBytes / 1024
        let file = cluster.directory.appendingPathComponent("kcat-lines.txt")
        try BenchTools.writeLines(to: file, count: lines)
        defer { try? FileManager.default.removeItem(at: file) }
        let before = try await endOffsets(topic: topic, client: client)
        progress("kcat: producing \(lines) lines of 1 KiB to \(topic)")
        let seconds = try BenchTools.kcatProduce(bootstrap: bootstrap, topic: topic, file: file)
        let after = try await endOffsets(topic: topic, client: client)
        let stored = Int(after.reduce(0, +) - before.reduce(0, +))
        guard stored == lines else { throw BenchError("kcat sent \(lines) lines but \(stored) records were stored") }
        // kcat drops the newline: each record value is 1,023 bytes.
        let bytes = lines * 1023
        progress(String(format: "  %.1f MB/s in %.2f s", Double(bytes) / seconds / 1e6, seconds))
        let command = ["kcat"] + BenchTools.kcatArguments(bootstrap: bootstrap, topic: topic, file: file)
        return BenchKafkaReport.KcatRun(
            records: lines,
            bytes: bytes,
            seconds: seconds,
            bytesPerSecond: Double(bytes) / seconds,
            recordsPerSecond: Double(lines) / seconds,
            command: command.joined(separator: " ").replacingOccurrences(of: file.path, with: "<file of 1 KiB lines>")
        )
    }

    /// Creates `topic` (RF 1) unless told not to, waits until every partition has a leader that takes a produce
    /// (one small warm-up record each, through the client's retries), and returns the load on its connection.
    private func prepare(topic: String, client: KafkaClient, create: Bool = true) async throws -> BenchKafkaLoad {
        let deadline = ContinuousClock.now + Self.readyTimeout
        var lastError: any Error = BenchError("not tried")
        while ContinuousClock.now < deadline {
            try cluster.checkAlive()
            do {
                if create {
                    do {
                        try await client.createTopic(
                            topic,
                            partitions: Int32(settings.partitions),
                            replicationFactor: 1
                        )
                    } catch KafkaClientError.broker(.topicAlreadyExists, _) {
                        // An earlier attempt created it (the broker is fresh; nothing else makes topics).
                    }
                }
                let warmUp = BenchKafkaLoad.batch(records: 1, recordBytes: settings.recordBytes, timestamp: Self.now())
                var connection: KafkaConnection?
                for partition in 0..<settings.partitions {
                    if create {
                        try await client.produce(topic: topic, partition: Int32(partition), records: warmUp, acks: 1)
                    }
                    connection = try await client.leaderConnection(topic: topic, partition: Int32(partition))
                }
                guard let connection else { throw BenchError("no partitions") }
                return BenchKafkaLoad(connection: connection, topic: topic, partitions: settings.partitions)
            } catch let error as KafkaClientError {
                lastError = error
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        throw BenchError(
            "the broker did not become ready for \(topic) within \(Int(Self.readyTimeout.seconds)) s: \(lastError)"
        )
    }

    private func endOffsets(topic: String, client: KafkaClient) async throws -> [Int64] {
        var offsets: [Int64] = []
        for partition in 0..<settings.partitions {
            offsets.append(
                try await client.listOffset(topic: topic, partition: Int32(partition), timestamp: KafkaClient.latest)
            )
        }
        return offsets
    }

    private static func now() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1000)
    }
}

/// CPU time of the broker and of this process over one phase, as percent of one core.
private struct CPUWatch {
    let brokerPid: Int32
    let broker: ProcessSample
    let own: ProcessSample

    init(cluster: BenchCluster) throws {
        guard let pid = cluster.processIdentifier(of: 0), let broker = ProcessSample.read(pid: pid),
            let own = ProcessSample.read(pid: getpid())
        else { throw BenchError("cannot read /proc for the broker or this process") }
        brokerPid = pid
        self.broker = broker
        self.own = own
    }

    func percent(over seconds: Double) throws -> (broker: Double, own: Double) {
        guard let brokerNow = ProcessSample.read(pid: brokerPid), let ownNow = ProcessSample.read(pid: getpid()) else {
            throw BenchError("cannot read /proc for the broker or this process")
        }
        let window = max(seconds, 1e-9)
        return (
            (brokerNow.cpuSeconds - broker.cpuSeconds) / window * 100,
            (ownNow.cpuSeconds - own.cpuSeconds) / window * 100
        )
    }
}
