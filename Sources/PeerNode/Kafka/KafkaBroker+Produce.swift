import BatchCompression
import KafkaProtocol
import Log
import NIOCore
import Partitions
import Records

/// Produce: validate each partition's batches, append them in one write, answer by `acks`.
extension KafkaBroker {
    /// The most a compressed batch may expand to when its records are checked.
    static let maxDecompressedBatchSize = 64 << 20

    /// Nil for acks = 0, which gets no response.
    func produce(_ request: ProduceRequest) -> EventLoopFuture<ProduceResponse?> {
        let acks = request.acks
        guard acks == 0 || acks == 1 || acks == -1 else {
            return eventLoop.makeSucceededFuture(
                ProduceResponse(
                    responses: request.topicData.map { topic in
                        ProduceResponse.Topic(
                            name: topic.name,
                            partitionResponses: topic.partitionData.map {
                                .init(index: $0.index, errorCode: .invalidRequiredAcks, baseOffset: -1)
                            }
                        )
                    }
                )
            )
        }
        var outcomes: [EventLoopFuture<ProduceResponse.Topic.Partition>] = []
        var layout: [(name: String, count: Int)] = []
        for topic in request.topicData {
            layout.append((topic.name, topic.partitionData.count))
            for partition in topic.partitionData {
                outcomes.append(produce(partition, topic: topic.name, acks: acks, timeoutMs: request.timeoutMs))
            }
        }
        guard acks != 0 else {
            // Nothing is sent back; the appends already happened synchronously above.
            return eventLoop.makeSucceededFuture(nil)
        }
        return EventLoopFuture.whenAllSucceed(outcomes, on: eventLoop).map { results in
            var topics: [ProduceResponse.Topic] = []
            var next = 0
            for (name, count) in layout {
                topics.append(
                    ProduceResponse.Topic(name: name, partitionResponses: Array(results[next..<next + count]))
                )
                next += count
            }
            return ProduceResponse(responses: topics)
        }
    }

    private func produce(
        _ data: ProduceRequest.Topic.Partition,
        topic: String,
        acks: Int16,
        timeoutMs: Int32
    ) -> EventLoopFuture<ProduceResponse.Topic.Partition> {
        func answer(_ error: KafkaError, _ message: String? = nil) -> EventLoopFuture<ProduceResponse.Topic.Partition> {
            eventLoop.makeSucceededFuture(
                .init(index: data.index, errorCode: error, baseOffset: -1, errorMessage: message)
            )
        }
        let state: PartitionState
        switch leaderState(topic: topic, partition: data.index) {
        case .failed(let error): return answer(error)
        case .leader(let leading): state = leading
        }
        guard case .bytes(let bytes) = data.records ?? .bytes([]), !bytes.isEmpty else {
            return answer(.corruptMessage, "no record batch")
        }
        if acks == -1, !admitsAcksAll(state, minInsyncReplicas: minInsyncReplicas(topic: topic)) {
            return answer(.notEnoughReplicas)
        }
        let log: PartitionLog
        do {
            log = try localLog(for: state)
        } catch {
            logger.error("cannot open a partition log", metadata: ["partition": "\(state.id)", "error": "\(error)"])
            return answer(.kafkaStorageError)
        }
        let validated: ValidatedBatches
        do {
            // Compressed batches are decompressed to check their records, as Kafka's broker does; they are stored
            // as the producer compressed them.
            validated = try RecordBatchValidator.validate(
                bytes,
                mode: .produce,
                maxBatchSize: log.config.maxMessageBytes,
                maxDecompressedSize: Self.maxDecompressedBatchSize
            )
        } catch let error as RecordBatchError {
            metrics.rejectedBatches.increment()
            return answer(KafkaError(rawValue: error.kafkaErrorCode), "\(error)")
        } catch let error as CompressionError {
            metrics.rejectedBatches.increment()
            return answer(KafkaError(rawValue: error.kafkaErrorCode), "\(error)")
        } catch {
            return answer(.corruptMessage, "\(error)")
        }
        let appended: AppendResult
        do {
            appended = try log.append(
                validatedBatches: bytes,
                leaderEpoch: state.kafkaLeaderEpoch,
                now: wallClockMillis()
            )
        } catch {
            logger.error("append failed", metadata: ["partition": "\(state.id)", "error": "\(error)"])
            return answer(.kafkaStorageError)
        }
        metrics.appended(bytes: bytes.count, records: Int(validated.recordCount))
        leaderAppended(state.id, log: log)
        let highWatermark = log.highWatermark
        waiters.partitionAdvanced(state.id)
        let success = ProduceResponse.Topic.Partition(
            index: data.index,
            errorCode: .noError,
            baseOffset: appended.firstOffset,
            logAppendTimeMs: -1,
            logStartOffset: log.logStartOffset
        )
        let required = appended.lastOffset + 1
        guard acks == -1, highWatermark < required else { return eventLoop.makeSucceededFuture(success) }
        // acks=all: answer once the high watermark covers the batch, or time out.
        let promise = eventLoop.makePromise(of: ProduceResponse.Topic.Partition.self)
        waiters.waitForHighWatermark(
            state.id,
            reaching: required,
            timeout: .milliseconds(Int64(max(0, timeoutMs))),
            on: eventLoop,
            reached: { promise.succeed(success) },
            timedOut: {
                promise.succeed(.init(index: data.index, errorCode: .requestTimedOut, baseOffset: -1))
            },
            highWatermark: { [weak self] in
                guard let self, case .leader = leaderState(topic: topic, partition: data.index),
                    let log = logs.log(topic: topic, partition: data.index)
                else { return nil }
                return log.highWatermark
            }
        )
        return promise.futureResult
    }
}
