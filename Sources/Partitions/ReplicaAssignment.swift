import Gossip
import Primitives

/// Spreads partitions' replicas and leaders evenly over brokers like Kafka's assignor: a random start and a shift
/// that grows every round of brokers; when brokers carry a `rack` tag, the broker list alternates racks so replicas
/// of a partition land on different racks.
enum ReplicaAssignment {
    struct Broker: Hashable, Sendable {
        var name: String
        var rack: String?
    }

    static func assign(
        partitions: Int,
        replicationFactor: Int,
        brokers: [Broker],
        using rng: inout SeededRandom
    ) -> [[String]] {
        let ordered = rackAlternated(brokers.sorted { $0.name < $1.name })
        let n = ordered.count
        guard n > 0, replicationFactor >= 1, replicationFactor <= n else { return [] }
        let start = Int.random(in: 0..<n, using: &rng)
        var shift = n > 1 ? Int.random(in: 0..<(n - 1), using: &rng) : 0
        var result: [[String]] = []
        for partition in 0..<partitions {
            if partition > 0 && partition % n == 0 { shift += 1 }
            let first = (partition + start) % n
            var replicas = [ordered[first].name]
            for j in 0..<(replicationFactor - 1) {
                let offset = 1 + (shift + j) % (n - 1)
                replicas.append(ordered[(first + offset) % n].name)
            }
            result.append(replicas)
        }
        return result
    }

    /// Interleaves racks: r1-b1, r2-b1, r3-b1, r1-b2, ...; brokers without a rack are one group.
    static func rackAlternated(_ brokers: [Broker]) -> [Broker] {
        guard brokers.contains(where: { $0.rack != nil }) else { return brokers }
        var byRack: [String: [Broker]] = [:]
        for broker in brokers { byRack[broker.rack ?? "", default: []].append(broker) }
        let racks = byRack.keys.sorted()
        var result: [Broker] = []
        var index = 0
        while result.count < brokers.count {
            for rack in racks where index < byRack[rack]!.count {
                result.append(byRack[rack]![index])
            }
            index += 1
        }
        return result
    }
}
