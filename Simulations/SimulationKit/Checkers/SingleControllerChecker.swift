import Gossip
import Partitions

/// (a) At most one node acts as controller at any virtual instant, each judged by its own clock.
public final class SingleControllerChecker: InvariantChecker {
    public let name = "single-controller"
    private let names: [String]

    public init(names: [String]) { self.names = names }

    public func controllerStartedActing(
        node: Int,
        epoch: UInt64,
        acting: [(node: Int, epoch: UInt64)],
        at time: Int64
    ) -> [String] {
        guard acting.count > 1 else { return [] }
        let list = acting.map { "\(names[$0.node]) (epoch \($0.epoch))" }.joined(separator: ", ")
        return ["\(acting.count) nodes act as controller at once: \(list); \(names[node]) just started"]
    }
}
