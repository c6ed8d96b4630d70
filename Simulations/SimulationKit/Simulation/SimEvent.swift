import Gossip
import Partitions

/// Everything the simulation schedules. Node events carry the target's generation where a stale one (from a previous
/// life of the process) must be ignored.
enum SimEvent {
    case boot(node: Int32)
    case timer(node: Int32, generation: UInt32, timer: NodeTimer)
    case datagram(to: Int32, from: Int32, bytes: [UInt8])
    case streamRequest(to: Int32, from: Int32, generation: UInt32, bytes: [UInt8])
    case streamReply(to: Int32, generation: UInt32, from: Int32, bytes: [UInt8])
    case streamFailed(to: Int32, generation: UInt32, peer: Int32)
    /// A slow node finished the processing delay of its next queued event.
    case process(node: Int32, generation: UInt32)
    case fault(index: Int32)
    case checkpoint
    /// Try (again) to create topic `index` of the options.
    case createTopic(index: Int32)

    var target: Int? {
        switch self {
        case .timer(let node, _, _): Int(node)
        case .datagram(let to, _, _), .streamRequest(let to, _, _, _), .streamReply(let to, _, _, _),
            .streamFailed(let to, _, _):
            Int(to)
        case .boot, .process, .fault, .checkpoint, .createTopic: nil
        }
    }
}
