/// A topic partition, whose log lives in `<root>/<topic>-<partition>`.
public struct TopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var directoryName: String { "\(topic)-\(partition)" }

    public var description: String { directoryName }

    public static func < (lhs: TopicPartition, rhs: TopicPartition) -> Bool {
        (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
    }

    /// Parses `<topic>-<partition>` (the topic may contain dashes); nil for anything else.
    public init?(directoryName name: String) {
        guard let dash = name.lastIndex(of: "-") else { return nil }
        let topic = String(name[..<dash])
        let digits = name[name.index(after: dash)...]
        guard !digits.isEmpty, digits.allSatisfy({ $0 >= "0" && $0 <= "9" }), let partition = Int32(digits),
            Self.isValidTopicName(topic)
        else { return nil }
        self.init(topic: topic, partition: partition)
    }

    /// Kafka's rule: 1-249 characters of ASCII letters, digits, '.', '_' and '-', and not "." or "..".
    public static func isValidTopicName(_ topic: String) -> Bool {
        guard !topic.isEmpty, topic.utf8.count <= 249, topic != ".", topic != ".." else { return false }
        return topic.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x5F || byte == 0x2D
        }
    }
}

/// Every partition log of a broker under one root directory: opens (and recovers) them all at start, creates and
/// deletes them. Not thread-safe, like the logs it holds.
public final class LogManager {
    public let root: String
    let storage: any LogStorage
    public var defaultConfig: LogConfig
    private var logs: [TopicPartition: PartitionLog] = [:]

    /// Opens every `<topic>-<partition>` directory under `root` (creating `root`), recovering each; other entries
    /// are left alone. `configs` gives per-topic settings; others get `defaultConfig`.
    public init(
        storage: any LogStorage,
        root: String,
        defaultConfig: LogConfig = LogConfig(),
        configs: [String: LogConfig] = [:],
        now: Int64
    ) throws {
        self.storage = storage
        self.root = root
        self.defaultConfig = defaultConfig
        try storage.makeDirectory(root)
        for name in try storage.listDirectory(root).sorted() {
            guard let topicPartition = TopicPartition(directoryName: name),
                storage.isDirectory(joinPath(root, name))
            else { continue }
            logs[topicPartition] = try PartitionLog(
                storage: storage,
                directory: joinPath(root, name),
                topic: topicPartition.topic,
                partition: topicPartition.partition,
                config: configs[topicPartition.topic] ?? defaultConfig,
                now: now
            )
        }
    }

    /// The partitions with a log here, sorted.
    public var partitions: [TopicPartition] { logs.keys.sorted() }

    /// What opening each log found and repaired (only the ones that were not clean).
    public var recoveryReports: [TopicPartition: LogRecoveryReport] {
        logs.filter { !$0.value.recoveryReport.isClean }.mapValues(\.recoveryReport)
    }

    public func log(for topicPartition: TopicPartition) -> PartitionLog? {
        logs[topicPartition]
    }

    public func log(topic: String, partition: Int32) -> PartitionLog? {
        logs[TopicPartition(topic: topic, partition: partition)]
    }

    /// The log of a partition, created empty when missing.
    @discardableResult
    public func createLog(
        topic: String,
        partition: Int32,
        config: LogConfig? = nil,
        now: Int64
    ) throws
        -> PartitionLog
    {
        guard TopicPartition.isValidTopicName(topic) else { throw LogError.invalidTopicName(topic) }
        guard partition >= 0 else { throw LogError.invalidPartition(partition) }
        let topicPartition = TopicPartition(topic: topic, partition: partition)
        if let existing = logs[topicPartition] { return existing }
        let log = try PartitionLog(
            storage: storage,
            directory: joinPath(root, topicPartition.directoryName),
            topic: topic,
            partition: partition,
            config: config ?? defaultConfig,
            now: now
        )
        try storage.syncDirectory(root)
        logs[topicPartition] = log
        return log
    }

    /// Deletes a partition's log and its directory. No error when it does not exist. Callers drop their references
    /// to the `PartitionLog` first: its open handles would keep writing to unlinked files.
    public func deleteLog(topic: String, partition: Int32) throws {
        let topicPartition = TopicPartition(topic: topic, partition: partition)
        logs[topicPartition] = nil
        try storage.removeDirectory(joinPath(root, topicPartition.directoryName))
        try storage.syncDirectory(root)
    }

    /// Applies retention to every log; returns the logs that deleted something.
    public func applyRetention(now: Int64) throws -> [TopicPartition: RetentionResult] {
        var results: [TopicPartition: RetentionResult] = [:]
        for (topicPartition, log) in logs {
            let result = try log.applyRetention(now: now)
            if !result.deletedSegments.isEmpty { results[topicPartition] = result }
        }
        return results
    }

    /// The logs whose flush policy asks for a flush now.
    public func logsNeedingFlush(now: Int64) -> [PartitionLog] {
        logs.values.filter { $0.needsFlush(now: now) }
    }

    /// Writes every log's checkpoint (high watermarks), as Kafka does periodically.
    public func writeCheckpoints() throws {
        for log in logs.values { try log.writeCheckpoint() }
    }

    /// Flushes and checkpoints every log (clean shutdown).
    public func close(now: Int64) throws {
        for log in logs.values { try log.close(now: now) }
    }
}
