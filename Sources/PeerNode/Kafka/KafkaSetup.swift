import Foundation
import Gossip
import Log
import Logging
import Primitives

/// What an agent prepares before it starts serving Kafka: its broker id (kept in the data directory), its
/// advertised listener in the gossip metadata, and its logs, recovered from the data directory.
struct KafkaSetup {
    static let logDirectoryName = "kafka-logs"

    let nodeID: Int32
    let advertised: PeerAddress
    let logs: LogManager
    let dataDirectory: String

    /// Resolves the broker id, opens (and recovers) the logs, and adds the Kafka tags to the node's metadata.
    static func prepare(
        _ kafka: KafkaListenerConfiguration,
        configuration: inout AgentConfiguration,
        logger: Logger
    ) throws -> KafkaSetup {
        guard let dataDirectory = configuration.dataDirectory else {
            throw AgentStartupError.invalidConfiguration(["a Kafka listener needs --data-dir for its logs"])
        }
        let nodeID: Int32
        do {
            nodeID = try BrokerIdentity.resolve(
                configured: kafka.nodeID,
                dataDirectory: dataDirectory,
                name: configuration.name
            )
        } catch {
            throw AgentStartupError.invalidConfiguration([error.description])
        }
        let advertised = kafka.advertisedAddress(gossipAdvertise: configuration.advertise)
        var tags = configuration.metadata.tags
        tags[KafkaMetadataTags.nodeID] = "\(nodeID)"
        tags[KafkaMetadataTags.address] = advertised.description
        configuration.metadata = NodeMetadata(roles: configuration.metadata.roles, tags: tags)
        // This broker stores records: it is in sync only once it holds the leader's data, which needs replication.
        configuration.partitions.rejoinsISRWithoutData = false

        let root = (dataDirectory as NSString).appendingPathComponent(logDirectoryName)
        let logs: LogManager
        do {
            logs = try LogManager(
                storage: POSIXLogStorage(),
                root: root,
                now: Int64(Date().timeIntervalSince1970 * 1000)
            )
        } catch {
            throw AgentStartupError.invalidConfiguration(["cannot open the Kafka logs in \(root): \(error)"])
        }
        for (partition, report) in logs.recoveryReports.sorted(by: { $0.key < $1.key }) where !report.isClean {
            logger.warning(
                "recovered a damaged log at start",
                metadata: ["partition": "\(partition)", "detail": "\(report)"]
            )
        }
        logger.info(
            "Kafka broker ready",
            metadata: ["node_id": "\(nodeID)", "listener": "\(advertised)", "logs": "\(logs.partitions.count)"]
        )
        return KafkaSetup(nodeID: nodeID, advertised: advertised, logs: logs, dataDirectory: dataDirectory)
    }

    func makeBroker(shell: GossipShell, logger: Logger) -> KafkaBroker {
        KafkaBroker(
            nodeID: nodeID,
            advertised: advertised,
            shell: shell,
            logs: logs,
            producerIDs: ProducerIDAllocator(nodeID: nodeID, dataDirectory: dataDirectory),
            logger: logger
        )
    }
}
