import PeerNode

/// Human views of the controller and of partitions; offline and under-replicated partitions are marked.
enum PartitionsTable {
    static func render(_ partitions: [PartitionView]) -> String {
        guard !partitions.isEmpty else { return "no partitions" }
        var table = TextTable(header: ["Topic", "Partition", "Leader", "LeaderEpoch", "Replicas", "ISR", "State"])
        for partition in partitions {
            let state =
                partition.isOffline ? "OFFLINE" : partition.isUnderReplicated ? "under-replicated" : "ok"
            table.append([
                partition.topic,
                "\(partition.partition)",
                partition.leader ?? "none",
                "\(partition.fullLeaderEpoch)",
                partition.replicas.joined(separator: ","),
                partition.isr.joined(separator: ","),
                state,
            ])
        }
        return table.render()
    }

    static func renderController(_ view: ControllerResponse) -> String {
        guard let controller = view.controller else {
            return "no controller (last epoch \(view.epoch))"
        }
        let lease = view.leaseRemainingMs.map { "\($0) ms" } ?? "unknown"
        return "controller \(controller)  epoch \(view.epoch)  lease remaining \(lease)"
    }
}
