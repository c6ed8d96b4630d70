import Testing

@testable import Partitions

@Suite("Cluster-state keys of partitions")
struct StateKeyTests {
    @Test("a partition's key parses back to the partition")
    func roundTrip() {
        for id in [PartitionID(topic: "t", partition: 0), PartitionID(topic: "orders.v2_x-y", partition: 1_234)] {
            #expect(PartitionID(stateKey: StateKeys.partition(id)) == id)
        }
    }

    @Test("keys of other things, and spellings never written, are not partitions")
    func rejects() {
        for key in [
            "controller", "t/orders", "p/", "p/t", "p//0", "p/t/", "p/t/x", "p/t/-1", "p/t/+1", "p/t/007", "q/t/0",
        ] {
            #expect(PartitionID(stateKey: key) == nil, "\(key)")
        }
    }
}
