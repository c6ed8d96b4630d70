import KafkaProtocol
import Log
import NIOCore
import Partitions

/// CreateTopics, DeleteTopics and DescribeConfigs: topic changes go through the controller, which spreads them by
/// gossip; configs are Kafka's topic configs, stored with the topic definition.
extension KafkaBroker {
    /// Kafka's defaults when a request leaves them to the broker (-1): `num.partitions` and
    /// `default.replication.factor`, both 1 in Kafka.
    static let defaultPartitions = 1
    static let defaultReplicationFactor = 1
    /// Topic configs accepted besides the log's own.
    static let extraTopicConfigs: Set<String> = ["min.insync.replicas", "cleanup.policy"]

    func createTopics(_ request: CreateTopicsRequest) -> EventLoopFuture<CreateTopicsResponse> {
        let outcomes = request.topics.map { topic -> EventLoopFuture<CreateTopicsResponse.Topic> in
            func answer(_ error: KafkaError, _ message: String?) -> EventLoopFuture<CreateTopicsResponse.Topic> {
                eventLoop.makeSucceededFuture(.init(name: topic.name, errorCode: error, errorMessage: message))
            }
            if let problem = TopicName.problem(with: topic.name) { return answer(.invalidTopicException, problem) }
            let partitions = topic.numPartitions == -1 ? Self.defaultPartitions : Int(topic.numPartitions)
            guard partitions > 0 else { return answer(.invalidPartitions, "partitions must be positive") }
            let replication =
                topic.replicationFactor == -1 ? Self.defaultReplicationFactor : Int(topic.replicationFactor)
            guard replication > 0 else {
                return answer(.invalidReplicationFactor, "replication factor must be positive")
            }
            guard topic.assignments.isEmpty else {
                return answer(.invalidRequest, "manual replica assignment is not supported")
            }
            var configs: [String: String] = [:]
            for config in topic.configs {
                guard let value = config.value else { continue }
                configs[config.name] = value
            }
            if let problem = Self.configProblem(configs) { return answer(.invalidConfig, problem) }
            if shell.node.partitions.topics[topic.name] != nil {
                return answer(.topicAlreadyExists, "topic \(topic.name) already exists")
            }
            if request.validateOnly { return answer(.noError, nil) }
            let create = ControllerRequest.createTopic(
                name: topic.name,
                partitions: partitions,
                replicationFactor: replication,
                configs: configs
            )
            return submitRetrying(create, timeoutMs: request.timeoutMs).map { failure in
                guard let failure else { return .init(name: topic.name, errorCode: .noError) }
                let (error, message) = Self.kafkaError(for: failure)
                return .init(name: topic.name, errorCode: error, errorMessage: message)
            }
        }
        return EventLoopFuture.whenAllSucceed(outcomes, on: eventLoop).map { CreateTopicsResponse(topics: $0) }
    }

    func deleteTopics(_ request: DeleteTopicsRequest) -> EventLoopFuture<DeleteTopicsResponse> {
        let outcomes = request.topicNames.map { name -> EventLoopFuture<DeleteTopicsResponse.Topic> in
            guard shell.node.partitions.topics[name] != nil else {
                return eventLoop.makeSucceededFuture(.init(name: name, errorCode: .unknownTopicOrPartition))
            }
            return submitRetrying(.deleteTopic(name: name), timeoutMs: request.timeoutMs).map { failure in
                guard let failure else { return .init(name: name, errorCode: .noError) }
                return .init(name: name, errorCode: Self.kafkaError(for: failure).0)
            }
        }
        return EventLoopFuture.whenAllSucceed(outcomes, on: eventLoop).map { DeleteTopicsResponse(responses: $0) }
    }

    /// Submits a controller request, trying again while no controller is elected (at start, or during a
    /// failover) until `timeoutMs` passes, as Kafka's forwarding queues requests until a controller is known.
    func submitRetrying(_ request: ControllerRequest, timeoutMs: Int32) -> EventLoopFuture<RequestFailure?> {
        let deadline = NIODeadline.now() + .milliseconds(Int64(max(timeoutMs, 1_000)))
        let promise = eventLoop.makePromise(of: RequestFailure?.self)
        func attempt() {
            shell.submit(request).whenSuccess { failure in
                guard let failure, failure.isUnavailable, failure != .shuttingDown,
                    NIODeadline.now() + .milliseconds(200) < deadline
                else {
                    promise.succeed(failure)
                    return
                }
                self.eventLoop.scheduleTask(in: .milliseconds(200)) { attempt() }
            }
        }
        attempt()
        return promise.futureResult
    }

    /// The Kafka error for a controller's refusal.
    static func kafkaError(for failure: RequestFailure) -> (KafkaError, String) {
        switch failure {
        case .noController, .notController, .shuttingDown: return (.notController, failure.description)
        case .timedOut: return (.requestTimedOut, failure.description)
        case .rejected(let message, let reason):
            switch reason {
            case .invalidRequest: return (.invalidRequest, message)
            case .topicAlreadyExists: return (.topicAlreadyExists, message)
            case .unknownTopic: return (.unknownTopicOrPartition, message)
            case .invalidTopicName: return (.invalidTopicException, message)
            case .invalidPartitions: return (.invalidPartitions, message)
            case .invalidReplicationFactor: return (.invalidReplicationFactor, message)
            case .invalidConfig: return (.invalidConfig, message)
            case .fencedLeaderEpoch: return (.fencedLeaderEpoch, message)
            case .unknownPartition: return (.unknownTopicOrPartition, message)
            case .invalidUpdateVersion, .ineligibleReplica: return (.invalidRequest, message)
            }
        }
    }

    /// Why a set of topic configs cannot be used, or nil.
    static func configProblem(_ configs: [String: String]) -> String? {
        for name in configs.keys.sorted() where !LogConfig.knownKeys.contains(name) && !extraTopicConfigs.contains(name)
        {
            return "unknown topic config \(name)"
        }
        do {
            _ = try LogConfig(configs)
        } catch {
            return "\(error)"
        }
        if let value = configs["min.insync.replicas"], (Int(value) ?? 0) < 1 {
            return "min.insync.replicas must be a positive integer, got '\(value)'"
        }
        if let value = configs["cleanup.policy"], value != "delete" {
            return "cleanup.policy '\(value)' is not supported yet (only delete)"
        }
        return nil
    }

    // MARK: DescribeConfigs

    static let topicResource: Int8 = 2
    static let brokerResource: Int8 = 4

    func describeConfigs(_ request: DescribeConfigsRequest) -> DescribeConfigsResponse {
        DescribeConfigsResponse(
            results: request.resources.map { resource in
                var result = DescribeConfigsResponse.Result(
                    resourceType: resource.resourceType,
                    resourceName: resource.resourceName
                )
                switch resource.resourceType {
                case Self.topicResource:
                    guard let topic = shell.node.partitions.topics[resource.resourceName] else {
                        result.errorCode = .unknownTopicOrPartition
                        return result
                    }
                    let wanted = resource.configurationKeys.map(Set.init)
                    result.configs = Self.describedConfigs(topic.configs).filter { wanted?.contains($0.name) ?? true }
                case Self.brokerResource:
                    result.configs = []
                default:
                    result.errorCode = .invalidRequest
                    result.errorMessage = "unsupported resource type \(resource.resourceType)"
                }
                return result
            }
        )
    }

    /// Every topic config with its effective value: the topic's own (source DYNAMIC_TOPIC_CONFIG, 1) or the
    /// default (DEFAULT_CONFIG, 5).
    static func describedConfigs(_ overrides: [String: String]) -> [DescribeConfigsResponse.Result.Config] {
        var values = LogConfig().settings
        values["min.insync.replicas"] = "1"
        values["cleanup.policy"] = "delete"
        return values.keys.sorted().map { name in
            let own = overrides[name]
            return DescribeConfigsResponse.Result.Config(
                name: name,
                value: own ?? values[name],
                readOnly: false,
                isDefault: own == nil,
                configSource: own == nil ? 5 : 1,
                isSensitive: false
            )
        }
    }
}
