import NIOCore
import Partitions

/// Requests parked until a partition moves, like Kafka's purgatories: long-polling fetches waiting for bytes and
/// acks=all produces waiting for the high watermark. Each waiter has a deadline; every append or high-watermark
/// change re-checks the waiters of that partition only.
///
/// Loop-bound: the broker touches it from its event loop only. Callbacks run after the waiter is removed, so they
/// may park new waiters freely.
final class KafkaWaiters {
    private struct Waiter {
        var partitions: [PartitionID]
        /// Re-checks the condition; true when the waiter is done (it has completed its promise itself).
        var poll: () -> Bool
        /// Completes the waiter at its deadline or at shutdown.
        var expire: () -> Void
        var deadline: Scheduled<Void>?
    }

    private var nextID: UInt64 = 0
    private var waiters: [UInt64: Waiter] = [:]
    private var byPartition: [PartitionID: Set<UInt64>] = [:]

    var count: Int { waiters.count }

    /// Parks a waiter over `partitions` until `poll` returns true or `timeout` passes (then `expire` runs).
    func park(
        on partitions: [PartitionID],
        timeout: TimeAmount,
        eventLoop: any EventLoop,
        poll: @escaping () -> Bool,
        expire: @escaping () -> Void
    ) {
        nextID &+= 1
        let id = nextID
        waiters[id] = Waiter(partitions: partitions, poll: poll, expire: expire, deadline: nil)
        for partition in partitions { byPartition[partition, default: []].insert(id) }
        let deadline = eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: timeout) { [self] () -> Void in
            if let waiter = remove(id) { waiter.expire() }
        }
        waiters[id]?.deadline = deadline
    }

    /// An acks=all produce: `reached` once `highWatermark()` is at least `offset`; nil from it means the partition
    /// moved away (leadership lost), which also ends the wait with `timedOut`, as the client then retries.
    func waitForHighWatermark(
        _ partition: PartitionID,
        reaching offset: Int64,
        timeout: TimeAmount,
        on eventLoop: any EventLoop,
        reached: @escaping () -> Void,
        timedOut: @escaping () -> Void,
        highWatermark: @escaping () -> Int64?
    ) {
        park(
            on: [partition],
            timeout: timeout,
            eventLoop: eventLoop,
            poll: {
                guard let mark = highWatermark() else {
                    timedOut()
                    return true
                }
                guard mark >= offset else { return false }
                reached()
                return true
            },
            expire: timedOut
        )
    }

    /// Data was appended to `partition` or its high watermark moved: re-check its waiters.
    func partitionAdvanced(_ partition: PartitionID) {
        guard let ids = byPartition[partition] else { return }
        for id in ids.sorted() {
            guard let poll = waiters[id]?.poll else { continue }
            if poll() { remove(id)?.deadline?.cancel() }
        }
    }

    /// Re-checks every waiter (a cluster-state change may have moved a leader or shrunk an ISR).
    func pollAll() {
        for id in waiters.keys.sorted() {
            guard let poll = waiters[id]?.poll else { continue }
            if poll() { remove(id)?.deadline?.cancel() }
        }
    }

    /// Ends every waiter now (shutdown).
    func failAll() {
        for id in waiters.keys.sorted() {
            if let waiter = remove(id) {
                waiter.deadline?.cancel()
                waiter.expire()
            }
        }
    }

    private func remove(_ id: UInt64) -> Waiter? {
        guard let waiter = waiters.removeValue(forKey: id) else { return nil }
        for partition in waiter.partitions {
            byPartition[partition]?.remove(id)
            if byPartition[partition]?.isEmpty == true { byPartition[partition] = nil }
        }
        return waiter
    }
}
