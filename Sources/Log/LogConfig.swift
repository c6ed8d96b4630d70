/// A topic's log settings, with Kafka's names and defaults.
public struct LogConfig: Sendable, Equatable {
    /// `segment.bytes`: roll to a new segment when the active one would grow past this.
    public var segmentBytes: Int = 1 << 30
    /// `segment.ms`: roll when the active segment is older than this.
    public var segmentMs: Int64 = 7 * 24 * 60 * 60 * 1000
    /// `retention.bytes`: delete old segments while the log is larger than this; -1 = no size limit.
    public var retentionBytes: Int64 = -1
    /// `retention.ms`: delete segments whose newest record is older than this; -1 = keep forever.
    public var retentionMs: Int64 = 7 * 24 * 60 * 60 * 1000
    /// `max.message.bytes`: the largest batch accepted.
    public var maxMessageBytes: Int = 1_048_588
    /// `flush.messages`: fdatasync after this many records; Int64.max = never (durability from replication).
    public var flushMessages: Int64 = Int64.max
    /// `flush.ms`: fdatasync when unflushed data is older than this; Int64.max = never.
    public var flushMs: Int64 = Int64.max
    /// `index.interval.bytes`: bytes of log between two sparse index entries.
    public var indexIntervalBytes: Int = 4096

    public init() {}

    /// The settings this type knows, by Kafka name.
    public static let knownKeys: [String] = [
        "segment.bytes", "segment.ms", "retention.bytes", "retention.ms", "max.message.bytes", "flush.messages",
        "flush.ms", "index.interval.bytes",
    ]

    /// Defaults overridden by the given Kafka-named settings. Unknown keys are ignored (topics carry settings that
    /// belong to others, such as `cleanup.policy`); a known key with a bad value is a `LogConfigError`.
    public init(_ settings: [String: String]) throws {
        self.init()
        for (key, text) in settings {
            switch key {
            case "segment.bytes":
                segmentBytes = Int(try Self.integer(key, text, min: 14, max: Int64(Int32.max)))
            case "segment.ms": segmentMs = try Self.integer(key, text, min: 1, max: Int64.max)
            case "retention.bytes": retentionBytes = try Self.integer(key, text, min: -1, max: Int64.max)
            case "retention.ms": retentionMs = try Self.integer(key, text, min: -1, max: Int64.max)
            case "max.message.bytes":
                maxMessageBytes = Int(try Self.integer(key, text, min: 0, max: Int64(Int32.max)))
            case "flush.messages": flushMessages = try Self.integer(key, text, min: 1, max: Int64.max)
            case "flush.ms": flushMs = try Self.integer(key, text, min: 0, max: Int64.max)
            case "index.interval.bytes":
                indexIntervalBytes = Int(try Self.integer(key, text, min: 0, max: Int64(Int32.max)))
            default: continue
            }
        }
    }

    /// The settings as Kafka-named strings (for DescribeConfigs).
    public var settings: [String: String] {
        [
            "segment.bytes": String(segmentBytes), "segment.ms": String(segmentMs),
            "retention.bytes": String(retentionBytes), "retention.ms": String(retentionMs),
            "max.message.bytes": String(maxMessageBytes), "flush.messages": String(flushMessages),
            "flush.ms": String(flushMs), "index.interval.bytes": String(indexIntervalBytes),
        ]
    }

    private static func integer(_ key: String, _ text: String, min: Int64, max: Int64) throws -> Int64 {
        guard let value = Int64(text.trimmingWhitespace) else {
            throw LogConfigError(key: key, value: text, reason: "not an integer")
        }
        guard value >= min, value <= max else {
            throw LogConfigError(key: key, value: text, reason: "must be between \(min) and \(max)")
        }
        return value
    }
}

/// A topic setting with a value the log cannot use.
public struct LogConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var key: String
    public var value: String
    public var reason: String

    public var description: String { "invalid value \"\(value)\" for \(key): \(reason)" }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
