import ArgumentParser
import BatchCompression
import Foundation
import KafkaClient
import Records

/// `peer produce TOPIC`: one record per line of standard input, through the project's own Kafka client.
struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Produce one record per line of standard input to a topic.",
        discussion: """
            Without --partition, keyed records go where Kafka's Java client puts them (murmur2 of the key) and \
            keyless ones are spread over the partitions in sticky batches. Records are batched (64 KiB) with up to \
            5 requests in flight; the command exits once every record is acknowledged, printing the count on stderr.
            """
    )

    @Argument(help: "The topic.")
    var topic: String

    @Option(help: ArgumentHelp("Send every record to this partition.", valueName: "n"))
    var partition: Int32?

    @Option(help: ArgumentHelp("The key of every record.", valueName: "key"))
    var key: String?

    @Option(
        help: ArgumentHelp(
            "Split each line at the first SEP into key and value (like kcat -K).",
            valueName: "sep"
        )
    )
    var keySeparator: String?

    @Option(name: .customLong("header"), help: ArgumentHelp("A header on every record (repeatable).", valueName: "k=v"))
    var headers: [String] = []

    @Option(help: ArgumentHelp("0, 1 or all.", valueName: "acks"))
    var acks: String = "all"

    @Option(help: ArgumentHelp("none, gzip, snappy, lz4 or zstd.", valueName: "codec"))
    var compression: String = "none"

    @OptionGroup var kafka: KafkaOptions

    func validate() throws {
        _ = try acksValue()
        _ = try codec()
        _ = try parsedHeaders()
        if key != nil, keySeparator != nil { throw ValidationError("pass only one of --key and --key-separator") }
        if keySeparator == "" { throw ValidationError("--key-separator must not be empty") }
        if let partition, partition < 0 { throw ValidationError("--partition must be zero or positive") }
    }

    func acksValue() throws -> Int16 {
        switch acks {
        case "0": return 0
        case "1": return 1
        case "all", "-1": return -1
        default: throw ValidationError("--acks: expected 0, 1 or all, got '\(acks)'")
        }
    }

    func codec() throws -> CompressionCodec? {
        switch compression {
        case "none": return nil
        case "gzip": return .gzip
        case "snappy": return .snappy
        case "lz4": return .lz4
        case "zstd": return .zstd
        default: throw ValidationError("--compression: expected none, gzip, snappy, lz4 or zstd, got '\(compression)'")
        }
    }

    func parsedHeaders() throws -> [RecordHeader] {
        try headers.map { header in
            guard let equals = header.firstIndex(of: "="), equals != header.startIndex else {
                throw ValidationError("--header: expected key=value, got '\(header)'")
            }
            return RecordHeader(
                key: String(header[..<equals]),
                value: Array(header[header.index(after: equals)...].utf8)
            )
        }
    }

    func run() async throws {
        let client = KafkaClient(configuration: .init(bootstrap: try kafka.addresses()))
        let producer = KafkaProducer(
            client: client,
            acks: try acksValue(),
            compression: try codec().map { ($0, RecordCompression.compressor()) }
        )
        let headers = try parsedHeaders()
        var count = 0
        do {
            _ = try await client.topic(topic)
            while let line = readLine(strippingNewline: true) {
                var recordKey = key.map { Array($0.utf8) }
                var value = Array(line.utf8)
                if let keySeparator, let range = line.range(of: keySeparator) {
                    recordKey = Array(line[..<range.lowerBound].utf8)
                    value = Array(line[range.upperBound...].utf8)
                }
                try await producer.send(
                    topic: topic,
                    partition: partition,
                    key: recordKey,
                    value: value,
                    headers: headers,
                    timestamp: Int64(Date().timeIntervalSince1970 * 1000)
                )
                count += 1
            }
            try await producer.flush()
        } catch {
            await client.close()
            throw error
        }
        await client.close()
        FileHandle.standardError.write(Data("produced \(count) records to \(topic)\n".utf8))
    }
}
