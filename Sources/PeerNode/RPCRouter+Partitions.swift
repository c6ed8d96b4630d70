import Foundation
import Gossip
import NIOCore
import NIOHTTP1
import Partitions
import PeerRPC

/// The controller, topic and partition endpoints.
extension RPCRouter {
    /// Answers a partitions endpoint, or nil when the path is not one.
    func routePartitions(_ request: RPCRequest) -> EventLoopFuture<RPCResponse>? {
        let eventLoop = shell.eventLoop
        let partitions = shell.node.partitions
        let now = shell.now()
        switch (request.method, request.path) {
        case (.GET, "/v1/controller"):
            return eventLoop.makeSucceededFuture(.json(ControllerResponse(shell.node.controllerView(at: now))))
        case (.GET, "/v1/partitions"):
            let topic = request.query["topic"]
            if let topic, partitions.topics[topic] == nil {
                return eventLoop.makeSucceededFuture(.error(.notFound, "no such topic: \(topic)"))
            }
            let views = partitions.partitions(topic: topic).map { PartitionView($0, log: shell.localLog?($0.id)) }
            return eventLoop.makeSucceededFuture(.json(PartitionsResponse(partitions: views)))
        case (.POST, "/v1/partitions/elect-preferred"):
            return submit(.electPreferredLeaders, done: "preferred-leader election requested")
        case (.GET, "/v1/topics"):
            let topics = partitions.topics.values.sorted { $0.name < $1.name }.map { TopicView($0) }
            return eventLoop.makeSucceededFuture(.json(TopicsResponse(topics: topics)))
        case (.POST, "/v1/topics"):
            guard let body = try? JSONDecoder().decode(CreateTopicRequest.self, from: Data(request.body)) else {
                return eventLoop.makeSucceededFuture(
                    .error(
                        .badRequest,
                        "malformed body: expected {\"name\":\"t\",\"partitions\":3,\"replicationFactor\":2}"
                    )
                )
            }
            if let problem = Self.problem(with: body) {
                return eventLoop.makeSucceededFuture(.error(.badRequest, problem))
            }
            let create = ControllerRequest.createTopic(
                name: body.name,
                partitions: body.partitions,
                replicationFactor: body.replicationFactor
            )
            return submit(create, done: "created topic \(body.name)")
        case (.GET, let path) where path.hasPrefix("/v1/topics/"):
            let name = String(path.dropFirst("/v1/topics/".count))
            guard let definition = partitions.topics[name] else {
                return eventLoop.makeSucceededFuture(.error(.notFound, "no such topic: \(name)"))
            }
            let states = partitions.partitions(topic: name).map { PartitionView($0, log: shell.localLog?($0.id)) }
            return eventLoop.makeSucceededFuture(.json(TopicView(definition, partitionStates: states)))
        case (_, "/v1/controller"), (_, "/v1/partitions"), (_, "/v1/partitions/elect-preferred"), (_, "/v1/topics"):
            return eventLoop.makeSucceededFuture(
                .error(.methodNotAllowed, "method \(request.method) not allowed on \(request.path)")
            )
        default:
            return nil
        }
    }

    /// What is wrong with a create request on its face, before asking the controller; nil when nothing is.
    static func problem(with request: CreateTopicRequest) -> String? {
        if let problem = TopicName.problem(with: request.name) { return problem }
        guard (1...TopicName.maxPartitions).contains(request.partitions) else {
            return "partitions must be between 1 and \(TopicName.maxPartitions)"
        }
        if request.replicationFactor < 1 { return "replication factor must be at least 1" }
        return nil
    }

    /// Submits a controller request and maps its outcome: 200 on success, 409 when the controller refused it
    /// (the request conflicts with the cluster: the topic exists, too few brokers), 503 when there is no controller
    /// to ask. Requests that are malformed on their face got a 400 before coming here.
    private func submit(_ request: ControllerRequest, done: String) -> EventLoopFuture<RPCResponse> {
        shell.submit(request).map { error in
            guard let error else { return .json(RequestDoneResponse(detail: done)) }
            return .error(error.isUnavailable ? .serviceUnavailable : .conflict, error.description)
        }
    }
}
