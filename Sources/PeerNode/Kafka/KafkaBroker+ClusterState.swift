import Gossip
import Log
import Partitions

/// Following the cluster state: topics deleted through the controller lose their local logs, and every change to
/// a partition (a new leader, a smaller ISR) re-checks the requests waiting on it.
extension KafkaBroker {
    func clusterStateChanged(_ entry: StateEntry) {
        if let id = PartitionID(stateKey: entry.key) { partitionChanged(id) }
        waiters.pollAll()
    }

    /// Deletes the local logs of a topic the controller deleted. Only a deletion the cluster agreed on removes data:
    /// a topic merely missing from this node's table (its state file lost, gossip not yet caught up) keeps its logs.
    func topicDeleted(_ topic: TopicDefinition) {
        for partition in logs.partitions where partition.topic == topic.name {
            // A log of a later incarnation of the name (created again since) is not this topic's.
            guard let log = logs.log(for: partition), incarnation(of: log) <= topic.incarnation else { continue }
            do {
                try deleteLog(topic: partition.topic, partition: partition.partition)
                logger.info("deleted the log of a deleted topic", metadata: ["partition": "\(partition)"])
            } catch {
                logger.error(
                    "cannot delete the log of a deleted topic",
                    metadata: ["partition": "\(partition)", "error": "\(error)"]
                )
            }
        }
    }
}
