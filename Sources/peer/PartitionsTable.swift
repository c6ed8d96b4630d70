import PeerRPC

/// Human views of the controller and of partitions; offline and under-replicated partitions are marked.
enum PartitionsTable {
    /// - Parameter rates: bytes per second appended, by "topic/partition", when known (the dev view measures it).
    static func render(_ partitions: [PartitionView], rates: [String: Double] = [:]) -> String {
        guard !partitions.isEmpty else { return "no partitions" }
        var header = ["Topic", "Partition", "Leader", "LeaderEpoch", "Replicas", "ISR", "LogEnd", "HighWatermark"]
        if !rates.isEmpty { header.append("Bytes/s") }
        header.append("State")
        var table = TextTable(header: header)
        for partition in partitions {
            let state =
                partition.isOffline ? "OFFLINE" : partition.isUnderReplicated ? "under-replicated" : "ok"
            var row = [
                partition.topic,
                "\(partition.partition)",
                partition.leader ?? "none",
                "\(partition.fullLeaderEpoch)",
                partition.replicas.joined(separator: ","),
                partition.isr.joined(separator: ","),
                partition.log.map { "\($0.logEndOffset)" } ?? "-",
                partition.log.map { "\($0.highWatermark)" } ?? "-",
            ]
            if !rates.isEmpty {
                row.append(rates["\(partition.topic)/\(partition.partition)"].map { String(format: "%.0f", $0) } ?? "-")
            }
            row.append(state)
            table.append(row)
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
