import Metrics
import NIOCore

/// The broker's Prometheus metrics: bytes and records in and out, requests and their latency per API, refusals.
/// Used on the broker's event loop only.
final class KafkaMetrics: @unchecked Sendable {
    let bytesIn = Counter(label: "peer_kafka_bytes_in_total")
    let recordsIn = Counter(label: "peer_kafka_records_in_total")
    let bytesOut = Counter(label: "peer_kafka_bytes_out_total")
    let malformedRequests = Counter(label: "peer_kafka_malformed_requests_total")
    let rejectedBatches = Counter(label: "peer_kafka_rejected_batches_total")
    let connectionsRefused = Counter(label: "peer_kafka_connections_refused_total")
    private var requests: [String: Counter] = [:]
    private var logEndOffsets: [String: Gauge] = [:]
    private var highWatermarks: [String: Gauge] = [:]
    private var latencies: [String: Timer] = [:]

    func requestReceived(api: String) {
        if requests[api] == nil {
            requests[api] = Counter(label: "peer_kafka_requests_total", dimensions: [("api", api)])
        }
        requests[api]?.increment()
    }

    func requestAnswered(api: String, since start: NIODeadline) {
        if latencies[api] == nil {
            latencies[api] = Timer(label: "peer_kafka_request_seconds", dimensions: [("api", api)])
        }
        latencies[api]?.recordNanoseconds((NIODeadline.now() - start).nanoseconds)
    }

    func appended(bytes: Int, records: Int) {
        bytesIn.increment(by: bytes)
        recordsIn.increment(by: records)
    }

    /// Per partition log end offset and high watermark gauges, refreshed by the broker's maintenance tick.
    func recordOffsets(topic: String, partition: Int32, logEndOffset: Int64, highWatermark: Int64) {
        let key = "\(topic)/\(partition)"
        let dimensions = [("topic", topic), ("partition", "\(partition)")]
        if logEndOffsets[key] == nil {
            logEndOffsets[key] = Gauge(label: "peer_kafka_log_end_offset", dimensions: dimensions)
            highWatermarks[key] = Gauge(label: "peer_kafka_high_watermark", dimensions: dimensions)
        }
        logEndOffsets[key]?.record(logEndOffset)
        highWatermarks[key]?.record(highWatermark)
    }

    func fetched(bytes: Int) {
        bytesOut.increment(by: bytes)
    }
}
