import ArgumentParser
import BatchCompression
import Foundation
import KafkaClient
import KafkaProtocol
import Records

/// `peer consume TOPIC`: reads partitions from an offset up to the high watermark, or follows them.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print a topic's records: values one per line, or JSON lines with --json.",
        discussion: """
            Reads every partition (or --partition) from --offset up to the high watermark and exits, or keeps \
            waiting for new records with --follow (long-polling fetches). Records are printed per partition in \
            offset order.
            """
    )

    @Argument(help: "The topic.")
    var topic: String

    @Option(help: ArgumentHelp("Read only this partition.", valueName: "n"))
    var partition: Int32?

    @Option(help: ArgumentHelp("earliest, latest, or an offset.", valueName: "where"))
    var offset: String = "earliest"

    @Flag(help: "Keep waiting for new records (Ctrl-C stops).")
    var follow = false

    @Option(help: ArgumentHelp("Stop after this many records.", valueName: "n"))
    var count: Int?

    @Flag(help: "One JSON object per record: topic, partition, offset, timestamp, key, value, headers.")
    var json = false

    @OptionGroup var kafka: KafkaOptions

    enum StartOffset: Equatable {
        case earliest, latest
        case exactly(Int64)
    }

    func startOffset() throws -> StartOffset {
        switch offset {
        case "earliest": return .earliest
        case "latest": return .latest
        default:
            guard let value = Int64(offset), value >= 0 else {
                throw ValidationError("--offset: expected earliest, latest or a non-negative offset, got '\(offset)'")
            }
            return .exactly(value)
        }
    }

    func validate() throws {
        _ = try startOffset()
        if let count, count < 1 { throw ValidationError("--count must be positive") }
        if let partition, partition < 0 { throw ValidationError("--partition must be zero or positive") }
    }

    func run() async throws {
        let client = KafkaClient(configuration: .init(bootstrap: try kafka.addresses()))
        do {
            try await consume(with: client)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    private func consume(with client: KafkaClient) async throws {
        let info = try await client.topic(topic)
        let partitions = partition.map { [$0] } ?? Array(0..<info.partitionCount)
        if let partition, partition >= info.partitionCount {
            throw ValidationError("topic \(topic) has no partition \(partition) (it has \(info.partitionCount))")
        }
        var positions: [Int32: Int64] = [:]
        for partition in partitions {
            switch try startOffset() {
            case .earliest:
                positions[partition] = try await client.listOffset(
                    topic: topic,
                    partition: partition,
                    timestamp: KafkaClient.earliest
                )
            case .latest:
                positions[partition] = try await client.listOffset(
                    topic: topic,
                    partition: partition,
                    timestamp: KafkaClient.latest
                )
            case .exactly(let value): positions[partition] = value
            }
        }
        var printed = 0
        var done: Set<Int32> = []
        while done.count < partitions.count {
            for partition in partitions where !done.contains(partition) {
                guard let position = positions[partition] else { continue }
                let result = try await client.fetch(
                    topic: topic,
                    partition: partition,
                    offset: position,
                    maxWaitMs: follow ? 500 : 100
                )
                if result.error == .offsetOutOfRange {
                    throw ValidationError(
                        "offset \(position) is out of range for \(topic)-\(partition) (log start \(result.logStartOffset), high watermark \(result.highWatermark))"
                    )
                }
                for record in try result.records(decompressor: RecordCompression.decompressor()) {
                    print(render(record, partition: partition))
                    printed += 1
                    if let count, printed >= count { return }
                }
                positions[partition] = max(position, result.nextOffset)
                if !follow, positions[partition, default: 0] >= result.highWatermark { done.insert(partition) }
            }
        }
    }

    private func render(_ record: Record, partition: Int32) -> String {
        guard json else { return String(decoding: record.value ?? [], as: UTF8.self) }
        let object = ConsumedRecord(
            topic: topic,
            partition: partition,
            offset: record.offset,
            timestamp: record.timestamp,
            key: record.key.map { String(decoding: $0, as: UTF8.self) },
            value: record.value.map { String(decoding: $0, as: UTF8.self) },
            headers: record.headers.map {
                .init(key: $0.key, value: $0.value.map { String(decoding: $0, as: UTF8.self) })
            }
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(object)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// One record of `peer consume --json`.
struct ConsumedRecord: Codable {
    struct Header: Codable {
        var key: String
        var value: String?
    }
    var topic: String
    var partition: Int32
    var offset: Int64
    var timestamp: Int64
    var key: String?
    var value: String?
    var headers: [Header]
}
