import ArgumentParser
import Foundation
import Gossip
import PeerRPC

/// The `--bootstrap HOST:PORT` option of the Kafka client commands. Defaults to `$PEER_KAFKA_BOOTSTRAP`, else
/// 127.0.0.1:9092 (node1 of `peer dev`).
struct KafkaOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "A broker's Kafka address, or several comma-separated (default: $PEER_KAFKA_BOOTSTRAP or 127.0.0.1:9092).",
            valueName: "host:port"
        )
    )
    var bootstrap: String?

    func validate() throws {
        _ = try addresses()
    }

    func addresses() throws -> [String] {
        let text =
            bootstrap ?? ProcessInfo.processInfo.environment["PEER_KAFKA_BOOTSTRAP"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "127.0.0.1:\(AgentDefaults.kafkaPort)"
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty else { throw ValidationError("--bootstrap: expected HOST:PORT[,HOST:PORT...]") }
        for part in parts { _ = try AddressParsing.parse(part, flag: "--bootstrap") }
        return parts
    }
}
