import KafkaProtocol
import Log
import NIOCore
import Partitions

/// Fetch: whole batches from the segment files, up to the high watermark (a follower replica: up to the log end
/// offset, see `KafkaBroker+ReplicaFetch`), sent with sendfile; a long poll waits (up to `maxWaitMs`) until
/// `minBytes` are there.
extension KafkaBroker {
    /// One pass over the requested partitions: the response, the file slices behind its records, and its size.
    struct FetchRead {
        var response: FetchResponse
        var files: [Int: FileSlice]
        var bytes: Int
        var hasError: Bool
        /// Partitions whose high watermark a follower's fetch moved.
        var advanced: [PartitionID] = []
    }

    func fetch(_ request: FetchRequest) -> EventLoopFuture<(FetchResponse, [Int: FileSlice])> {
        let first = readFetch(request, reportingReplicaFetch: true)
        // A follower's fetch may have moved a high watermark: acks=all produces and consumers waiting on it go on.
        for partition in first.advanced { waiters.partitionAdvanced(partition) }
        let minBytes = max(1, Int(request.minBytes))
        guard request.maxWaitMs > 0, first.bytes < minBytes, !first.hasError else {
            return eventLoop.makeSucceededFuture((first.response, first.files))
        }
        let promise = eventLoop.makePromise(of: (FetchResponse, [Int: FileSlice]).self)
        let partitions = request.topics.flatMap { topic in
            topic.partitions.map { PartitionID(topic: topic.topic, partition: Int($0.partition)) }
        }
        waiters.park(
            on: partitions,
            timeout: .milliseconds(Int64(request.maxWaitMs)),
            eventLoop: eventLoop,
            poll: { [weak self] in
                guard let self else { return false }
                let read = readFetch(request)
                guard read.bytes >= minBytes || read.hasError else { return false }
                promise.succeed((read.response, read.files))
                return true
            },
            expire: { [weak self] in
                guard let self, !isStopped else {
                    promise.succeed((FetchResponse(), [:]))
                    return
                }
                let read = readFetch(request)
                promise.succeed((read.response, read.files))
            }
        )
        return promise.futureResult
    }

    /// One read of every requested partition. A follower's fetch is reported to `replicaFetchObserver` only when
    /// `reportingReplicaFetch` (the first read of a request; the reads of a long poll re-check the data only).
    func readFetch(_ request: FetchRequest, reportingReplicaFetch: Bool = false) -> FetchRead {
        let fromReplica = Self.isReplicaFetch(request)
        var advanced: [PartitionID] = []
        var remaining = request.maxBytes > 0 ? Int(request.maxBytes) : Int(Int32.max)
        var files: [Int: FileSlice] = [:]
        var total = 0
        var hasError = false
        var topics: [FetchResponse.Topic] = []
        for topic in request.topics {
            var partitions: [FetchResponse.Topic.Partition] = []
            for wanted in topic.partitions {
                var answer = FetchResponse.Topic.Partition(partitionIndex: wanted.partition)
                answer.abortedTransactions = request.isolationLevel == 1 ? [] : nil
                let state: PartitionState
                switch leaderState(topic: topic.topic, partition: wanted.partition) {
                case .failed(let error):
                    answer.errorCode = error
                    answer.highWatermark = -1
                    hasError = true
                    partitions.append(answer)
                    continue
                case .leader(let leading):
                    state = leading
                }
                if let mismatch = epochMismatch(wanted.currentLeaderEpoch, state: state) {
                    answer.errorCode = mismatch
                    hasError = true
                    partitions.append(answer)
                    continue
                }
                let replica = fromReplica ? follower(withBrokerID: request.replicaId, of: state) : nil
                if fromReplica, replica == nil {
                    answer.errorCode = Self.unknownFollowerError(currentLeaderEpoch: wanted.currentLeaderEpoch)
                    answer.highWatermark = -1
                    hasError = true
                    partitions.append(answer)
                    continue
                }
                guard let log = try? localLog(for: state) else {
                    answer.errorCode = .kafkaStorageError
                    hasError = true
                    partitions.append(answer)
                    continue
                }
                if reportingReplicaFetch, let replica,
                    reportReplicaFetch(replica: replica, fetchOffset: wanted.fetchOffset, state: state, log: log)
                {
                    advanced.append(state.id)
                }
                let highWatermark = log.highWatermark
                // Followers copy everything the leader has; consumers see only what the ISR holds.
                let readLimit = replica == nil ? highWatermark : log.logEndOffset
                answer.highWatermark = highWatermark
                // No transactions yet: the last stable offset is the high watermark.
                answer.lastStableOffset = highWatermark
                answer.logStartOffset = log.logStartOffset
                let slice: LogReadSlice?
                do {
                    let limit = min(remaining, max(0, Int(wanted.partitionMaxBytes)))
                    slice = try log.read(from: wanted.fetchOffset, maxBytes: limit, upTo: readLimit)
                        // KIP-74: only the response's first batch may exceed the limits.
                        .flatMap { total == 0 || $0.length <= limit ? $0 : nil }
                } catch LogError.offsetOutOfRange(_, _, _) {
                    answer.errorCode = .offsetOutOfRange
                    hasError = true
                    partitions.append(answer)
                    continue
                } catch {
                    logger.error("fetch read failed", metadata: ["partition": "\(state.id)", "error": "\(error)"])
                    answer.errorCode = .kafkaStorageError
                    hasError = true
                    partitions.append(answer)
                    continue
                }
                if let slice {
                    let token = files.count
                    files[token] = FileSlice(path: slice.path, position: Int(slice.position), length: slice.length)
                    answer.records = .external(token: token, length: slice.length)
                    total += slice.length
                    remaining = max(0, remaining - slice.length)
                    metrics.fetched(bytes: slice.length)
                } else {
                    answer.records = .bytes([])
                }
                partitions.append(answer)
            }
            topics.append(FetchResponse.Topic(topic: topic.topic, partitions: partitions))
        }
        return FetchRead(
            response: FetchResponse(errorCode: .noError, sessionId: 0, responses: topics),
            files: files,
            bytes: total,
            hasError: hasError,
            advanced: advanced
        )
    }
}
