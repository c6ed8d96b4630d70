/// Cluster-state key names used by the partitions layer, and their one parser.
enum StateKeys {
    static let controller = "controller"
    static let topicPrefix = "t/"
    static let partitionPrefix = "p/"

    static func topic(_ name: String) -> String { topicPrefix + name }
    static func partition(_ id: PartitionID) -> String { "\(partitionPrefix)\(id.topic)/\(id.partition)" }

    /// The partition whose state lives under `key` (`p/<topic>/<partition>`); nil for any other key, including
    /// spellings `partition(_:)` never writes (such as a zero-padded or negative number).
    static func partitionID(fromKey key: String) -> PartitionID? {
        guard key.hasPrefix(partitionPrefix), let slash = key.lastIndex(of: "/") else { return nil }
        let topicStart = key.index(key.startIndex, offsetBy: partitionPrefix.count)
        guard topicStart < slash, let number = Int(key[key.index(after: slash)...]), number >= 0 else { return nil }
        let id = PartitionID(topic: String(key[topicStart..<slash]), partition: number)
        return partition(id) == key ? id : nil
    }
}

extension PartitionID {
    /// The partition whose state a cluster-state entry under `stateKey` holds; nil for keys of anything else.
    public init?(stateKey: String) {
        guard let id = StateKeys.partitionID(fromKey: stateKey) else { return nil }
        self = id
    }
}
