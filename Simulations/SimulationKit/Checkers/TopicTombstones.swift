import Gossip
import Partitions

extension SimulationState {
    /// The newest definition (or tombstone) of each topic that any live node holds.
    func newestLiveTopics() -> [String: TopicDefinition] {
        var newest: [String: TopicDefinition] = [:]
        for v in 0..<nodeCount where isLive(v) {
            guard let partitions = node(v)?.partitions else { continue }
            for topic in [partitions.topics.values, partitions.deletedTopics.values].joined() {
                if let known = newest[topic.name], known.version >= topic.version { continue }
                newest[topic.name] = topic
            }
        }
        return newest
    }

    /// `states` without the partitions of topics that the newest definition anywhere shows deleted or created
    /// again: a node that has not heard of the deletion yet still holds them, and no checker should expect them
    /// to converge or to have a leader.
    func withoutDeletedTopics(_ states: [PartitionID: PartitionState]) -> [PartitionID: PartitionState] {
        let topics = newestLiveTopics()
        guard topics.values.contains(where: { $0.isDeleted || $0.incarnation != .original }) else { return states }
        return states.filter { id, state in topics[id.topic]?.owns(state) ?? true }
    }
}
