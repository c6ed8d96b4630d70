/// Chooses partitions the way Kafka's Java client does by default: a keyed record goes to
/// `(murmur2(key) & 0x7fffffff) % partitions`, so every client puts a key in the same place; keyless records
/// stick to one partition until about a batch worth of bytes went there, then move to another (KIP-794), so
/// batches fill up instead of being spread thin.
public struct KafkaPartitioner: Sendable {
    /// Bytes sent to a sticky partition before switching (Kafka's `batch.size`, 16 KiB by default).
    public var stickyBatchBytes: Int
    private var sticky: [String: (partition: Int32, bytes: Int)] = [:]

    public init(stickyBatchBytes: Int = 16384) {
        self.stickyBatchBytes = stickyBatchBytes
    }

    /// The partition of a keyed record.
    public static func partition(forKey key: [UInt8], partitionCount: Int32) -> Int32 {
        guard partitionCount > 0 else { return 0 }
        return (Murmur2.hash(key) & 0x7fff_ffff) % partitionCount
    }

    /// The partition for a record of `recordBytes` bytes. Keyless records choose among `available` partitions
    /// (those with a leader) when there are any. The generator is the caller's, so tests can seed it.
    public mutating func partition<Generator: RandomNumberGenerator>(
        topic: String,
        key: [UInt8]?,
        partitionCount: Int32,
        available: [Int32] = [],
        recordBytes: Int,
        using generator: inout Generator
    ) -> Int32 {
        guard partitionCount > 0 else { return 0 }
        if let key { return Self.partition(forKey: key, partitionCount: partitionCount) }
        var state = sticky[topic] ?? (partition: -1, bytes: 0)
        if state.partition < 0 || state.partition >= partitionCount || state.bytes >= stickyBatchBytes {
            let choices = available.isEmpty ? Array(0..<partitionCount) : available
            state = (choices.randomElement(using: &generator) ?? 0, 0)
        }
        state.bytes += max(recordBytes, 0)
        sticky[topic] = state
        return state.partition
    }
}
