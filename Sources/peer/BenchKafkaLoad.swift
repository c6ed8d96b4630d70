import Foundation
import Gossip
import Histogram
import KafkaClient
import KafkaProtocol
import Primitives
import Records

/// The load of `peer bench kafka`, sent on one connection to the broker: produce with a window of requests in
/// flight, produce at a fixed rate for latency, and fetch a whole topic back. Requests go straight to
/// `KafkaConnection` so the client adds only encoding and framing to the broker's own cost.
struct BenchKafkaLoad: Sendable {
    let connection: KafkaConnection
    let topic: String
    let partitions: Int

    /// One pre-built batch of `count` records of `recordBytes` random bytes each (no key), sent again and again:
    /// the broker stamps each copy with its own offsets.
    static func batch(records count: Int, recordBytes: Int, timestamp: Int64) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var value = [UInt8](repeating: 0, count: recordBytes)
        for index in value.indices { value[index] = UInt8(truncatingIfNeeded: generator.next()) }
        var builder = RecordBatchBuilder()
        for _ in 0..<count { builder.append(key: nil, value: value, timestamp: timestamp) }
        return builder.build()
    }

    /// As many records of `recordBytes` as fit in a batch of at most `batchBytes` bytes (at least one).
    static func recordsFitting(batchBytes: Int, recordBytes: Int) -> Int {
        let perRecord = recordBytes + 12  // length, attributes, deltas, key and value lengths, header count
        return max(1, (batchBytes - RecordBatchHeader.size) / perRecord)
    }

    private func request(_ batch: [UInt8], partition: Int, acks: Int16) -> KafkaRequest {
        .produce(
            ProduceRequest(
                acks: acks,
                timeoutMs: 30_000,
                topicData: [.init(name: topic, partitionData: [.init(index: Int32(partition), records: .bytes(batch))])]
            )
        )
    }

    private func check(_ response: KafkaResponse) throws {
        guard case .produce(let produce) = response else { throw BenchError("produce: unexpected response") }
        for topic in produce.responses {
            for partition in topic.partitionResponses where partition.errorCode != .noError {
                throw BenchError("produce to \(topic.name)-\(partition.index): \(partition.errorCode)")
            }
        }
    }

    /// Sends `batch` round-robin over the partitions with `inFlight` requests outstanding until `duration` passed
    /// or `maxBytes` were sent; returns the requests completed and the seconds from the first send to the last
    /// response.
    func produce(
        batch: [UInt8],
        inFlight: Int,
        duration: Duration,
        maxBytes: Int
    ) async throws -> (
        requests: Int, seconds: Double
    ) {
        var pending: [KafkaConnection.PendingResponse] = []
        pending.reserveCapacity(inFlight)
        var sent = 0
        let started = ContinuousClock.now
        let deadline = started + duration
        while ContinuousClock.now < deadline, sent * batch.count < maxBytes {
            try Task.checkCancellation()
            pending.append(try connection.start(request(batch, partition: sent % partitions, acks: 1)))
            sent += 1
            if pending.count >= inFlight { try check(try await pending.removeFirst().response()) }
        }
        for response in pending { try check(try await response.response()) }
        return (sent, (ContinuousClock.now - started).seconds)
    }

    /// Sends `batch` at a fixed rate for `duration` (open loop: a slow answer does not delay the next send) and
    /// records each request's latency in microseconds, from handing it to the connection to reading its answer.
    func latency(
        batch: [UInt8],
        perSecond: Int,
        duration: Duration
    ) async throws -> (
        histogram: Histogram<UInt64>, requests: Int, seconds: Double
    ) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: (ContinuousClock.Instant, KafkaConnection.PendingResponse).self
        )
        // Responses on one connection come back in request order, so awaiting them in order delays none.
        let receiver = Task { () throws -> Histogram<UInt64> in
            var histogram = Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
            for await (sentAt, pending) in stream {
                try check(try await pending.response())
                let micros = (ContinuousClock.now - sentAt).seconds * 1e6
                _ = histogram.record(UInt64(max(1, min(micros, 60_000_000))))
            }
            return histogram
        }
        let interval = Duration.seconds(1) / perSecond
        let count = Int(duration.seconds * Double(perSecond))
        let started = ContinuousClock.now
        do {
            for index in 0..<count {
                try Task.checkCancellation()
                let due = started + interval * index
                if ContinuousClock.now < due { try await Task.sleep(until: due, clock: .continuous) }
                let sentAt = ContinuousClock.now
                continuation.yield(
                    (sentAt, try connection.start(request(batch, partition: index % partitions, acks: 1)))
                )
            }
        } catch {
            continuation.finish()
            receiver.cancel()
            throw error
        }
        continuation.finish()
        let histogram = try await receiver.value
        return (histogram, count, (ContinuousClock.now - started).seconds)
    }

    /// Fetches every partition from offset 0 to its end offset, one request per partition in flight at a time
    /// (so `partitions` in flight in all); returns fetches, records, record-set bytes received and seconds.
    func consume(
        endOffsets: [Int64],
        partitionMaxBytes: Int32,
        maxBytes: Int32
    ) async throws -> (
        fetches: Int, records: Int, bytes: Int, seconds: Double
    ) {
        let started = ContinuousClock.now
        let totals = try await withThrowingTaskGroup(of: (fetches: Int, bytes: Int).self) { group in
            for (partition, end) in endOffsets.enumerated() {
                group.addTask {
                    try await consume(
                        partition: Int32(partition),
                        until: end,
                        partitionMaxBytes: partitionMaxBytes,
                        maxBytes: maxBytes
                    )
                }
            }
            var sum = (fetches: 0, bytes: 0)
            for try await part in group {
                sum.fetches += part.fetches
                sum.bytes += part.bytes
            }
            return sum
        }
        let records = Int(endOffsets.reduce(0, +))
        return (totals.fetches, records, totals.bytes, (ContinuousClock.now - started).seconds)
    }

    private func consume(
        partition: Int32,
        until end: Int64,
        partitionMaxBytes: Int32,
        maxBytes: Int32
    ) async throws
        -> (fetches: Int, bytes: Int)
    {
        var offset: Int64 = 0
        var fetches = 0
        var bytes = 0
        while offset < end {
            try Task.checkCancellation()
            let request = FetchRequest(
                maxWaitMs: 0,
                minBytes: 1,
                maxBytes: maxBytes,
                isolationLevel: 0,
                sessionId: 0,
                sessionEpoch: -1,
                topics: [
                    .init(
                        topic: topic,
                        partitions: [
                            .init(partition: partition, fetchOffset: offset, partitionMaxBytes: partitionMaxBytes)
                        ]
                    )
                ]
            )
            guard case .fetch(let response) = try await connection.send(.fetch(request)),
                let data = response.responses.first?.partitions.first
            else { throw BenchError("fetch from \(topic)-\(partition): no partition in the response") }
            guard data.errorCode == .noError else {
                throw BenchError("fetch from \(topic)-\(partition) at \(offset): \(data.errorCode)")
            }
            let result = try FetchResult(fetchOffset: offset, partition: data)
            guard result.nextOffset > offset else {
                throw BenchError("fetch from \(topic)-\(partition) at \(offset) made no progress (end \(end))")
            }
            fetches += 1
            bytes += result.bytes.count
            offset = result.nextOffset
        }
        return (fetches, bytes)
    }
}
