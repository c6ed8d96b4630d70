import Gossip

/// Topics: creation with configs and deletion by the controller, and on every node the topic table, its tombstones
/// and which partition states belong to a topic that still exists.
extension PartitionsInstance {
    // MARK: Every node

    /// A newer definition (or tombstone) of a topic arrived: update the table, re-sort that topic's partition states
    /// between shown and hidden, and tell the shell when an incarnation it knew is gone.
    mutating func topicDefinitionArrived(_ definition: TopicDefinition, _ out: inout [PartitionsDirective]) {
        let name = definition.name
        let previous = topics[name] ?? deletedTopics[name]
        // The controller applies its own change at once; gossip hands the same value back afterwards.
        guard previous != definition else { return }
        if let previous, !previous.isDeleted, previous.incarnation != definition.incarnation {
            // Replaced by a later incarnation while this node was away: the one it knew was deleted meanwhile.
            var gone = previous
            gone.isDeleted = true
            out.append(.topicDeleted(gone))
        }
        if definition.isDeleted {
            topics[name] = nil
            deletedTopics[name] = definition
            out.append(.topicDeleted(definition))
        } else {
            deletedTopics[name] = nil
            topics[name] = definition
        }
        sortPartitions(ofTopic: name, &out)
    }

    /// A newer partition state arrived: shown when it belongs to the topic as this node knows it (or to a topic not
    /// heard of yet), hidden when it belongs to a deleted topic or another incarnation.
    mutating func partitionStateArrived(_ state: PartitionState, _ out: inout [PartitionsDirective]) {
        if belongsToKnownTopic(state) {
            if !hiddenPartitionStates.isEmpty { hiddenPartitionStates[state.id] = nil }
            partitionStates[state.id] = state
            acknowledgeIfFollowing(state, &out)
        } else {
            hide(state)
        }
    }

    func belongsToKnownTopic(_ state: PartitionState) -> Bool {
        guard let topic = topics[state.id.topic] ?? deletedTopics[state.id.topic] else { return true }
        return topic.owns(state)
    }

    private mutating func hide(_ state: PartitionState) {
        partitionStates[state.id] = nil
        preferredReadySince[state.id] = nil
        hiddenPartitionStates[state.id] = state
    }

    private mutating func sortPartitions(ofTopic name: String, _ out: inout [PartitionsDirective]) {
        for id in partitionStates.keys.filter({ $0.topic == name }).sorted() {
            if let state = partitionStates[id], !belongsToKnownTopic(state) { hide(state) }
        }
        guard !hiddenPartitionStates.isEmpty else { return }
        for id in hiddenPartitionStates.keys.filter({ $0.topic == name }).sorted() {
            guard let state = hiddenPartitionStates[id], belongsToKnownTopic(state) else { continue }
            hiddenPartitionStates[id] = nil
            partitionStates[id] = state
            acknowledgeIfFollowing(state, &out)
        }
    }

    // MARK: Controller

    /// The version the controller writes a topic's definition at next: above the one it knows (it wrote every
    /// version of its own epoch; any earlier epoch's is below its epoch).
    func nextTopicVersion(after known: TopicDefinition?) -> StateVersion {
        guard let known, known.controllerEpoch == holder.epoch else {
            return StateVersion(major: holder.epoch, minor: 0)
        }
        return StateVersion(major: holder.epoch, minor: known.sequence + 1)
    }

    mutating func createTopic(
        _ topic: String,
        partitions: Int,
        replicationFactor: Int,
        configs: [String: String],
        _ out: inout [PartitionsDirective],
        members: some MembershipView
    ) -> RequestFailure? {
        if let problem = TopicName.problem(with: topic) { return .rejected(problem, reason: .invalidTopicName) }
        guard topics[topic] == nil else {
            return .rejected("topic \(topic) already exists", reason: .topicAlreadyExists)
        }
        guard (1...TopicName.maxPartitions).contains(partitions) else {
            return .rejected("partitions must be between 1 and \(TopicName.maxPartitions)", reason: .invalidPartitions)
        }
        if let problem = TopicDefinition.configProblem(name: topic, configs: configs) {
            return .rejected(problem, reason: .invalidConfig)
        }
        let brokers = ([name] + members.activeMemberNames).filter { member in
            isAlive(member, in: members) && !shuttingDown.contains(member)
                && (roles(of: member, in: members)?.hasRole("broker") ?? false)
        }
        guard replicationFactor >= 1 else {
            return .rejected("replication factor must be at least 1", reason: .invalidReplicationFactor)
        }
        guard replicationFactor <= brokers.count else {
            return .rejected(
                "replication factor \(replicationFactor) is larger than the \(brokers.count) available brokers",
                reason: .invalidReplicationFactor
            )
        }
        let assignment = ReplicaAssignment.assign(
            partitions: partitions,
            replicationFactor: replicationFactor,
            brokers: brokers.map { ReplicaAssignment.Broker(name: $0, rack: roles(of: $0, in: members)?.tags["rack"]) },
            using: &rng
        )
        // A name deleted before gets a new incarnation, so nobody mixes its partitions up with the old ones.
        let tombstone = deletedTopics[topic]
        let version = nextTopicVersion(after: tombstone)
        let definition = TopicDefinition(
            name: topic,
            partitionCount: partitions,
            replicationFactor: replicationFactor,
            controllerEpoch: version.major,
            sequence: version.minor,
            incarnation: tombstone == nil ? .original : TopicIncarnation(epoch: version.major, sequence: version.minor),
            configs: configs
        )
        topicDefinitionArrived(definition, &out)
        out.append(.publish(StateEntry(key: StateKeys.topic(topic), version: version, value: definition.encoded())))
        for (index, replicas) in assignment.enumerated() {
            let state = PartitionState(
                id: PartitionID(topic: topic, partition: index),
                replicas: replicas,
                leader: replicas[0],
                leaderEpoch: .none,
                isr: replicas,
                controllerEpoch: holder.epoch,
                partitionEpoch: 0,
                topicIncarnation: definition.incarnation
            )
            publish(state, &out)
        }
        return nil
    }

    /// Publishes the topic's tombstone; its partitions disappear from every node's table as the tombstone spreads.
    mutating func deleteTopic(_ topic: String, _ out: inout [PartitionsDirective]) -> RequestFailure? {
        guard let definition = topics[topic] else {
            return .rejected("topic \(topic) does not exist", reason: .unknownTopic)
        }
        let version = nextTopicVersion(after: definition)
        var tombstone = definition
        tombstone.controllerEpoch = version.major
        tombstone.sequence = version.minor
        tombstone.configs = [:]
        tombstone.isDeleted = true
        topicDefinitionArrived(tombstone, &out)
        out.append(.publish(StateEntry(key: StateKeys.topic(topic), version: version, value: tombstone.encoded())))
        return nil
    }
}
