import Gossip
import Primitives

/// A partition leader's request for a new ISR, fenced by the leader epoch and partition epoch it acts under, so a
/// deposed leader or one that missed a change cannot overwrite a newer state.
public struct AlterPartitionRequest: Hashable, Sendable {
    public var partition: PartitionID
    public var leaderEpoch: LeaderEpoch
    /// The partition epoch of the state the leader saw (`PartitionState.partitionEpoch`).
    public var partitionEpoch: UInt64
    /// The ISR the leader wants, which must include the leader.
    public var isr: [String]

    public init(partition: PartitionID, leaderEpoch: LeaderEpoch, partitionEpoch: UInt64, isr: [String]) {
        self.partition = partition
        self.leaderEpoch = leaderEpoch
        self.partitionEpoch = partitionEpoch
        self.isr = isr
    }
}

/// Codec of the commit messages (lease requests that gather states, stored-state pages, store batches and their
/// acknowledgements, AlterPartition). Their tags follow the older messages' tags, so older layouts are unchanged.
extension ControlMessage {
    enum CommitTag: UInt8 {
        case leaseRequestWithStates = 6
        case grantedStates = 7
        case storeStates = 8
        case storeAck = 9
        case alterPartition = 10
    }

    /// Encoded states a store batch or a gather page may carry, so the datagram stays within gossip's 1,400 bytes
    /// (one state alone may exceed it only with names far longer than a cluster uses).
    public static let statesBudget = 900
    /// Most states in one message; a larger count on the wire is refused before anything is allocated.
    static let maxStatesPerMessage = 4096

    /// Splits states into pages that fit `statesBudget`, each with at least one state; no states give one empty page.
    static func pages(of states: [PartitionState]) -> [[PartitionState]] {
        var pages: [[PartitionState]] = []
        var current: [PartitionState] = []
        var size = 0
        for state in states {
            let bytes = state.encoded().count + 4
            if !current.isEmpty && (size + bytes > statesBudget || current.count == maxStatesPerMessage) {
                pages.append(current)
                current = []
                size = 0
            }
            current.append(state)
            size += bytes
        }
        if !current.isEmpty || pages.isEmpty { pages.append(current) }
        return pages
    }

    func encodeCommitMessage(into w: inout ByteWriter) {
        switch self {
        case .leaseRequestWithStates(let candidate, let epoch, let request):
            w.write(CommitTag.leaseRequestWithStates.rawValue)
            w.write(candidate)
            w.write(epoch)
            w.write(request)
        case .grantedStates(let voter, let candidate, let epoch, let request, let page, let pageCount, let states):
            w.write(CommitTag.grantedStates.rawValue)
            w.write(voter)
            w.write(candidate)
            w.write(epoch)
            w.write(request)
            w.write(page)
            w.write(pageCount)
            Self.write(states, into: &w)
        case .storeStates(let controller, let epoch, let from, let through, let states):
            w.write(CommitTag.storeStates.rawValue)
            w.write(controller)
            w.write(epoch)
            w.write(from)
            w.write(through)
            Self.write(states, into: &w)
        case .storeAck(let voter, let controller, let epoch, let through, let stored, let highestEpoch):
            w.write(CommitTag.storeAck.rawValue)
            w.write(voter)
            w.write(controller)
            w.write(epoch)
            w.write(through)
            w.write(UInt8(stored ? 1 : 0))
            w.write(highestEpoch)
        case .alterPartition(let id, let origin, let request):
            w.write(CommitTag.alterPartition.rawValue)
            w.write(id)
            w.write(origin)
            w.write(request.partition.topic)
            w.write(UInt32(clamping: request.partition.partition))
            w.write(request.leaderEpoch.term)
            w.write(request.leaderEpoch.number)
            w.write(request.partitionEpoch)
            w.write(UInt16(clamping: request.isr.count))
            for member in request.isr.prefix(Int(UInt16.max)) { w.write(member) }
        default:
            break
        }
    }

    /// The commit message with this tag, or nil for any other tag.
    static func decodeCommitMessage(tag rawTag: UInt8, _ r: inout ByteReader) throws(DecodeError) -> ControlMessage? {
        guard let tag = CommitTag(rawValue: rawTag) else { return nil }
        switch tag {
        case .leaseRequestWithStates:
            return .leaseRequestWithStates(
                candidate: try r.readName(),
                epoch: try r.readUInt64(),
                request: try r.readUInt64()
            )
        case .grantedStates:
            let voter = try r.readName()
            let candidate = try r.readName()
            let epoch = try r.readUInt64()
            let request = try r.readUInt64()
            let page = try r.readUInt32()
            let pageCount = try r.readUInt32()
            guard page < pageCount else { throw .invalidValue("state page number") }
            return .grantedStates(
                voter: voter,
                candidate: candidate,
                epoch: epoch,
                request: request,
                page: page,
                pageCount: pageCount,
                states: try readStates(&r)
            )
        case .storeStates:
            let controller = try r.readName()
            let epoch = try r.readUInt64()
            let from = try r.readUInt64()
            let through = try r.readUInt64()
            guard from <= through else { throw .invalidValue("store batch range") }
            return .storeStates(
                controller: controller,
                epoch: epoch,
                from: from,
                through: through,
                states: try readStates(&r)
            )
        case .storeAck:
            let voter = try r.readName()
            let controller = try r.readName()
            let epoch = try r.readUInt64()
            let through = try r.readUInt64()
            let stored = try r.readUInt8()
            guard stored <= 1 else { throw .invalidValue("stored flag") }
            return .storeAck(
                voter: voter,
                controller: controller,
                epoch: epoch,
                through: through,
                stored: stored == 1,
                highestEpoch: try r.readUInt64()
            )
        case .alterPartition:
            let id = try r.readUInt64()
            let origin = try r.readName()
            let partition = PartitionID(topic: try r.readName(), partition: Int(try r.readUInt32()))
            let leaderEpoch = LeaderEpoch(term: try r.readUInt64(), number: try r.readUInt64())
            let partitionEpoch = try r.readUInt64()
            let count = Int(try r.readUInt16())
            var isr: [String] = []
            for _ in 0..<count {
                let member = try r.readName()
                guard !isr.contains(member) else { throw .invalidValue("duplicate ISR member") }
                isr.append(member)
            }
            return .alterPartition(
                id: id,
                origin: origin,
                AlterPartitionRequest(
                    partition: partition,
                    leaderEpoch: leaderEpoch,
                    partitionEpoch: partitionEpoch,
                    isr: isr
                )
            )
        }
    }

    private static func write(_ states: [PartitionState], into w: inout ByteWriter) {
        w.write(UInt16(clamping: states.count))
        for state in states.prefix(Int(UInt16.max)) {
            let bytes = state.encoded()
            w.write(UInt16(clamping: bytes.count))
            w.bytes.append(contentsOf: bytes.prefix(Int(UInt16.max)))
        }
    }

    private static func readStates(_ r: inout ByteReader) throws(DecodeError) -> [PartitionState] {
        let count = Int(try r.readUInt16())
        guard count <= maxStatesPerMessage else { throw .oversized("state count") }
        var states: [PartitionState] = []
        for _ in 0..<count {
            let length = Int(try r.readUInt16())
            states.append(try PartitionState(decoding: try r.readBytes(length)))
        }
        return states
    }
}
