import Gossip
import Partitions
import SimulationEngine

/// Workload events and the completions of their requests: topic creation today; producers and consumers next (see
/// `Workload`).
extension Simulation {
    /// Try (again) to create topic `t`.
    mutating func createTopic(_ t: Int) {
        switch topics.attempt(t, hosts: hosts, now: now) {
        case .wait:
            return
        case .retry(let at):
            queue.push(.createTopic(index: Int32(t)), at: at)
        case .submit(let i, let request):
            let (id, directives) = hosts[i].process.submit(request, now: hosts[i].localTimestamp(now))
            let retryAt = topics.submitted(t, node: i, generation: hosts[i].generation, id: id, now: now)
            partitions.topicRequested(t, at: now)
            traceWriter?.line(now, "submit \(hosts[i].name) create-topic \(topics.specs[t].name) request \(id)")
            apply(directives, from: i, declaring: false)
            queue.push(.createTopic(index: Int32(t)), at: retryAt)
        }
    }

    /// Host `i`'s process finished request `id`.
    mutating func requestCompleted(id: UInt64, error: String?, at i: Int) {
        guard
            let (t, retryAt) = topics.completed(
                id: id,
                error: error,
                node: i,
                generation: hosts[i].generation,
                now: now
            )
        else { return }
        traceWriter?.line(now, "completed \(hosts[i].name) request \(id): \(error ?? "ok")")
        partitions.topicCompleted(t, error: error, at: now)
        if let retryAt { queue.push(.createTopic(index: Int32(t)), at: retryAt) }
    }
}
