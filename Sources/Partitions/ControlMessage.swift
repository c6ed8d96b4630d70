import Gossip
import Primitives

/// Direct messages of the partitions layer, sent in their own datagram kind beside gossip.
public enum ControlMessage: Hashable, Sendable {
    /// A candidate (or the controller renewing) asks a voter for a lease under `epoch`.
    case leaseRequest(candidate: String, epoch: UInt64, request: UInt64)
    /// A voter's answer; on refusal `highestEpoch` tells the candidate which epoch to beat.
    case leaseReply(
        voter: String,
        candidate: String,
        epoch: UInt64,
        request: UInt64,
        granted: Bool,
        highestEpoch: UInt64
    )
    /// Forwarded client request to the controller.
    case request(id: UInt64, origin: String, ControllerRequest)
    /// The controller's answer to a forwarded request; `error` nil on success.
    case response(id: UInt64, error: RequestFailure?)
    /// A replica tells the controller it follows `leaderEpoch` of a partition (it is in sync for it).
    case replicaCaughtUp(replica: String, partition: PartitionID, leaderEpoch: LeaderEpoch)
    /// A lease request from a candidate that has not yet gathered the voters' stored partition states for `epoch`:
    /// a voter that grants it also sends its stored states (`grantedStates`).
    case leaseRequestWithStates(candidate: String, epoch: UInt64, request: UInt64)
    /// One page of the partition states a voter stored, sent with its grant of `request` (after the grant is durable).
    case grantedStates(
        voter: String,
        candidate: String,
        epoch: UInt64,
        request: UInt64,
        page: UInt32,
        pageCount: UInt32,
        states: [PartitionState]
    )
    /// The controller asks a voter to store its proposals at positions `from` (exclusive) through `through`.
    case storeStates(controller: String, epoch: UInt64, from: UInt64, through: UInt64, states: [PartitionState])
    /// A voter's answer once the batch is durable: `stored` false when the epoch is stale or the batch left a gap;
    /// `through` is how far the voter has stored without a gap.
    case storeAck(voter: String, controller: String, epoch: UInt64, through: UInt64, stored: Bool, highestEpoch: UInt64)
    /// A partition leader asks the controller for a new ISR (Kafka's AlterPartition); answered by `response` once
    /// the change is committed, or at once when refused.
    case alterPartition(id: UInt64, origin: String, AlterPartitionRequest)
}

/// What a client can ask the controller to do.
public enum ControllerRequest: Hashable, Sendable {
    /// `configs` are Kafka topic configs by name, stored and spread with the topic (see `TopicDefinition`).
    case createTopic(name: String, partitions: Int, replicationFactor: Int, configs: [String: String] = [:])
    case electPreferredLeaders
    /// A broker about to leave asks for its leaderships to be moved away first.
    case controlledShutdown(broker: String)
    /// Deletes a topic: every node drops it and its partitions and reports `.topicDeleted`.
    case deleteTopic(name: String)
}

extension ControlMessage {
    private enum Tag: UInt8 {
        case leaseRequest = 1
        case leaseReply = 2
        case request = 3
        case response = 4
        case replicaCaughtUp = 5
    }

    private enum RequestTag: UInt8 {
        case createTopic = 1
        case electPreferredLeaders = 2
        case controlledShutdown = 3
        /// A creation with configs; one without keeps tag 1 and its layout.
        case createTopicWithConfigs = 4
        case deleteTopic = 5
    }

    private enum ResponseCode: UInt8 {
        case done = 0
        /// A refusal for no particular reason (`.invalidRequest`), as before reasons existed.
        case rejected = 1
        case notController = 2
        case noController = 3
        case timedOut = 4
        case shuttingDown = 5
        /// A refusal with a reason byte before the message.
        case rejectedWithReason = 6
    }

    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.write(WireFormat.version)
        w.write(WireFormat.controlKind)
        switch self {
        case .leaseRequest(let candidate, let epoch, let request):
            w.write(Tag.leaseRequest.rawValue)
            w.write(candidate)
            w.write(epoch)
            w.write(request)
        case .leaseReply(let voter, let candidate, let epoch, let request, let granted, let highestEpoch):
            w.write(Tag.leaseReply.rawValue)
            w.write(voter)
            w.write(candidate)
            w.write(epoch)
            w.write(request)
            w.write(UInt8(granted ? 1 : 0))
            w.write(highestEpoch)
        case .request(let id, let origin, let request):
            w.write(Tag.request.rawValue)
            w.write(id)
            w.write(origin)
            switch request {
            case .createTopic(let name, let partitions, let replicationFactor, let configs):
                w.write((configs.isEmpty ? RequestTag.createTopic : .createTopicWithConfigs).rawValue)
                w.write(name)
                w.write(UInt32(clamping: partitions))
                w.write(UInt32(clamping: replicationFactor))
                if !configs.isEmpty {
                    w.write(UInt16(clamping: configs.count))
                    for (key, value) in configs.sorted(by: { $0.key < $1.key }) {
                        w.write(key)
                        w.write(value)
                    }
                }
            case .electPreferredLeaders:
                w.write(RequestTag.electPreferredLeaders.rawValue)
            case .controlledShutdown(let broker):
                w.write(RequestTag.controlledShutdown.rawValue)
                w.write(broker)
            case .deleteTopic(let name):
                w.write(RequestTag.deleteTopic.rawValue)
                w.write(name)
            }
        case .response(let id, let error):
            w.write(Tag.response.rawValue)
            w.write(id)
            let (code, detail): (ResponseCode, String)
            switch error {
            case nil: (code, detail) = (.done, "")
            case .rejected(let message, .invalidRequest): (code, detail) = (.rejected, message)
            case .rejected(let message, _): (code, detail) = (.rejectedWithReason, message)
            case .notController(let name): (code, detail) = (.notController, name)
            case .noController: (code, detail) = (.noController, "")
            case .timedOut: (code, detail) = (.timedOut, "")
            case .shuttingDown: (code, detail) = (.shuttingDown, "")
            }
            w.write(code.rawValue)
            if code == .rejectedWithReason { w.write(error?.rejectionReason?.rawValue ?? 0) }
            w.write(detail)
        case .leaseRequestWithStates, .grantedStates, .storeStates, .storeAck, .alterPartition:
            encodeCommitMessage(into: &w)
        case .replicaCaughtUp(let replica, let partition, let leaderEpoch):
            w.write(Tag.replicaCaughtUp.rawValue)
            w.write(replica)
            w.write(partition.topic)
            w.write(UInt32(clamping: partition.partition))
            w.write(leaderEpoch.term)
            w.write(leaderEpoch.number)
        }
        return w.bytes
    }

    public init(decoding bytes: [UInt8]) throws(DecodeError) {
        var r = ByteReader(bytes)
        let version = try r.readUInt8()
        guard version == WireFormat.version else { throw .unknownVersion(version) }
        let kind = try r.readUInt8()
        guard kind == WireFormat.controlKind else { throw .unknownKind(kind) }
        let rawTag = try r.readUInt8()
        if let message = try Self.decodeCommitMessage(tag: rawTag, &r) {
            self = message
            try r.expectEnd()
            return
        }
        guard let tag = Tag(rawValue: rawTag) else { throw .unknownMessageType(rawTag) }
        switch tag {
        case .leaseRequest:
            self = .leaseRequest(candidate: try r.readName(), epoch: try r.readUInt64(), request: try r.readUInt64())
        case .leaseReply:
            let voter = try r.readName()
            let candidate = try r.readName()
            let epoch = try r.readUInt64()
            let request = try r.readUInt64()
            let granted = try r.readUInt8()
            guard granted <= 1 else { throw .invalidValue("granted flag") }
            self = .leaseReply(
                voter: voter,
                candidate: candidate,
                epoch: epoch,
                request: request,
                granted: granted == 1,
                highestEpoch: try r.readUInt64()
            )
        case .request:
            let id = try r.readUInt64()
            let origin = try r.readName()
            let rawRequest = try r.readUInt8()
            guard let requestTag = RequestTag(rawValue: rawRequest) else { throw .unknownMessageType(rawRequest) }
            switch requestTag {
            case .createTopic, .createTopicWithConfigs:
                let name = try r.readName()
                let partitions = Int(try r.readUInt32())
                let replicationFactor = Int(try r.readUInt32())
                var configs: [String: String] = [:]
                if requestTag == .createTopicWithConfigs {
                    let count = Int(try r.readUInt16())
                    guard count >= 1 else { throw .invalidValue("empty topic configs") }
                    guard count <= TopicDefinition.maxConfigs else { throw .oversized("topic config count") }
                    for _ in 0..<count {
                        let key = try r.readName()
                        guard configs[key] == nil else { throw .invalidValue("duplicate topic config") }
                        configs[key] = try r.readString()
                    }
                }
                self = .request(
                    id: id,
                    origin: origin,
                    .createTopic(
                        name: name,
                        partitions: partitions,
                        replicationFactor: replicationFactor,
                        configs: configs
                    )
                )
            case .electPreferredLeaders:
                self = .request(id: id, origin: origin, .electPreferredLeaders)
            case .controlledShutdown:
                self = .request(id: id, origin: origin, .controlledShutdown(broker: try r.readName()))
            case .deleteTopic:
                self = .request(id: id, origin: origin, .deleteTopic(name: try r.readName()))
            }
        case .response:
            let id = try r.readUInt64()
            guard let code = ResponseCode(rawValue: try r.readUInt8()) else { throw .invalidValue("response code") }
            var reason = RejectionReason.invalidRequest
            if code == .rejectedWithReason {
                // `.invalidRequest` has its own code, so every refusal has one encoding.
                guard let known = RejectionReason(rawValue: try r.readUInt8()), known != .invalidRequest else {
                    throw .invalidValue("rejection reason")
                }
                reason = known
            }
            let detail = try r.readString()
            let error: RequestFailure?
            switch code {
            case .done: error = nil
            case .rejected, .rejectedWithReason: error = .rejected(detail, reason: reason)
            case .notController: error = .notController(detail)
            case .noController: error = .noController
            case .timedOut: error = .timedOut
            case .shuttingDown: error = .shuttingDown
            }
            self = .response(id: id, error: error)
        case .replicaCaughtUp:
            self = .replicaCaughtUp(
                replica: try r.readName(),
                partition: PartitionID(topic: try r.readName(), partition: Int(try r.readUInt32())),
                leaderEpoch: LeaderEpoch(term: try r.readUInt64(), number: try r.readUInt64())
            )
        }
        try r.expectEnd()
    }
}
