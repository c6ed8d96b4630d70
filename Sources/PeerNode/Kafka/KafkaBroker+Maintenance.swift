import Log
import NIOCore
import NIOPosix
import Partitions

/// The log's housekeeping, on timers: group-committed flushes (the fdatasyncs run on a thread pool, off the event
/// loop), checkpoints of high watermarks and recovery points, and retention.
extension KafkaBroker {
    static let maintenanceInterval = TimeAmount.milliseconds(200)
    /// Kafka checkpoints high watermarks every 5 s (`replica.high.watermark.checkpoint.interval.ms`).
    static let checkpointEvery = 25
    /// Kafka checks retention every 5 min (`log.retention.check.interval.ms`); segments are cheap to check here.
    static let retentionEvery = 150
    /// The per-partition offset gauges on `/metrics`, once a second.
    static let offsetGaugesEvery = 5

    func startMaintenance() {
        scheduleMaintenance(tick: 1)
    }

    private func scheduleMaintenance(tick: Int) {
        eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: Self.maintenanceInterval) { [self] in
            guard !isStopped else { return }
            maintain(tick: tick)
            scheduleMaintenance(tick: tick &+ 1)
        }
    }

    private func maintain(tick: Int) {
        let now = wallClockMillis()
        // One flush at a time, and nothing deletes segment files while one runs.
        guard !flushInFlight else { return }
        if tick % Self.retentionEvery == 0 { applyRetention(now: now) }
        if tick % Self.offsetGaugesEvery == 0 {
            openLogsOfLedPartitions()
            recordOffsetGauges()
        }
        if tick % Self.checkpointEvery == 0 {
            do {
                try logs.writeCheckpoints()
            } catch {
                logger.error("cannot write log checkpoints", metadata: ["error": "\(error)"])
            }
        }
        let due = logs.logsNeedingFlush(now: now)
        guard !due.isEmpty else { return }
        var flushes: [(PartitionLog, LogFlush)] = []
        for log in due {
            do {
                flushes.append((log, try log.prepareFlush()))
            } catch {
                logger.error("cannot prepare a flush", metadata: ["partition": "\(log.topic)-\(log.partition)"])
            }
        }
        guard !flushes.isEmpty else { return }
        flushInFlight = true
        let work = flushes.map(\.1)
        NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
            for flush in work { try flush.run() }
        }.assumeIsolatedUnsafeUnchecked().whenComplete { [self] result in
            flushInFlight = false
            switch result {
            case .success:
                for (log, flush) in flushes {
                    do {
                        try log.completeFlush(flush, now: wallClockMillis())
                    } catch {
                        logger.error("cannot record a flush", metadata: ["partition": "\(log.topic)-\(log.partition)"])
                    }
                }
            case .failure(let error):
                logger.error("fdatasync failed; will retry", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Creates the log of every partition this broker leads as soon as it leads it (Kafka does on becoming leader),
    /// so its offsets show from the start rather than from the first produce.
    private func openLogsOfLedPartitions() {
        let name = shell.core.name
        for state in shell.node.partitions.partitionStates.values where state.leader == name {
            guard logs.log(topic: state.id.topic, partition: Int32(state.id.partition)) == nil else { continue }
            do {
                _ = try localLog(for: state)
            } catch {
                logger.error(
                    "cannot create a partition log",
                    metadata: ["partition": "\(state.id)", "error": "\(error)"]
                )
            }
        }
    }

    private func recordOffsetGauges() {
        for partition in logs.partitions {
            guard let view = localLogView(PartitionID(topic: partition.topic, partition: Int(partition.partition)))
            else { continue }
            metrics.recordOffsets(
                topic: partition.topic,
                partition: partition.partition,
                logEndOffset: view.logEndOffset,
                highWatermark: view.highWatermark
            )
        }
    }

    private func applyRetention(now: Int64) {
        do {
            for (partition, result) in try logs.applyRetention(now: now) {
                logger.info(
                    "retention deleted old segments",
                    metadata: [
                        "partition": "\(partition)", "segments": "\(result.deletedSegments.count)",
                        "bytes": "\(result.bytesDeleted)", "log_start_offset": "\(result.logStartOffset)",
                    ]
                )
            }
        } catch {
            logger.error("retention failed", metadata: ["error": "\(error)"])
        }
    }

    /// Flushes and checkpoints every log (clean shutdown), on the loop: the agent is stopping anyway.
    func closeLogs() {
        do {
            try logs.close(now: wallClockMillis())
        } catch {
            logger.error("cannot close the logs cleanly", metadata: ["error": "\(error)"])
        }
    }
}
