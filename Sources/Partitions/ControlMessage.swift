import Gossip

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
}

/// What a client can ask the controller to do.
public enum ControllerRequest: Hashable, Sendable {
    case createTopic(name: String, partitions: Int, replicationFactor: Int)
    case electPreferredLeaders
    /// A broker about to leave asks for its leaderships to be moved away first.
    case controlledShutdown(broker: String)
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
            case .createTopic(let name, let partitions, let replicationFactor):
                w.write(RequestTag.createTopic.rawValue)
                w.write(name)
                w.write(UInt32(clamping: partitions))
                w.write(UInt32(clamping: replicationFactor))
            case .electPreferredLeaders:
                w.write(RequestTag.electPreferredLeaders.rawValue)
            case .controlledShutdown(let broker):
                w.write(RequestTag.controlledShutdown.rawValue)
                w.write(broker)
            }
        case .response(let id, let error):
            w.write(Tag.response.rawValue)
            w.write(id)
            let (code, detail): (UInt8, String)
            switch error {
            case nil: (code, detail) = (0, "")
            case .rejected(let reason): (code, detail) = (1, reason)
            case .notController(let name): (code, detail) = (2, name)
            case .noController: (code, detail) = (3, "")
            case .timedOut: (code, detail) = (4, "")
            case .shuttingDown: (code, detail) = (5, "")
            }
            w.write(code)
            w.write(detail)
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
            case .createTopic:
                self = .request(
                    id: id,
                    origin: origin,
                    .createTopic(
                        name: try r.readName(),
                        partitions: Int(try r.readUInt32()),
                        replicationFactor: Int(try r.readUInt32())
                    )
                )
            case .electPreferredLeaders:
                self = .request(id: id, origin: origin, .electPreferredLeaders)
            case .controlledShutdown:
                self = .request(id: id, origin: origin, .controlledShutdown(broker: try r.readName()))
            }
        case .response:
            let id = try r.readUInt64()
            let code = try r.readUInt8()
            let detail = try r.readString()
            let error: RequestFailure?
            switch code {
            case 0: error = nil
            case 1: error = .rejected(detail)
            case 2: error = .notController(detail)
            case 3: error = .noController
            case 4: error = .timedOut
            case 5: error = .shuttingDown
            default: throw .invalidValue("response code")
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
