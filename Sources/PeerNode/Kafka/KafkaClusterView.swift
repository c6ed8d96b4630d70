import Gossip
import Partitions
import Primitives

/// A broker as Kafka clients see it: an id and an address to connect to.
struct KafkaBrokerEndpoint: Hashable, Sendable {
    var nodeID: Int32
    var address: PeerAddress
    var rack: String?
    /// The gossip member name, which the partition table uses for replicas.
    var name: String
}

/// The cluster as Kafka clients see it, read from gossip's member table and the partition table at one moment.
///
/// Any broker answers Metadata from this: brokers are the alive (and suspected) members with the broker role that advertise a Kafka
/// listener; replicas and ISRs are translated from member names to broker ids. A replica whose member is unknown
/// (reaped, or never gossiped its id) keeps a place in the list under id -1 only where Kafka allows it: we leave it
/// out of `replicas`/`isr`, so clients never dial an id they cannot resolve.
struct KafkaClusterView {
    let brokers: [KafkaBrokerEndpoint]
    private let idByName: [String: Int32]
    /// Ids of every known member that advertises one, alive or not (replica lists name dead brokers too).
    private let knownIDByName: [String: Int32]

    init(members: [Member], selfName: String, selfMetadata: NodeMetadata) {
        var brokers: [KafkaBrokerEndpoint] = []
        var idByName: [String: Int32] = [:]
        var knownIDByName: [String: Int32] = [:]
        var sawSelf = false
        for member in members {
            let metadata = member.name == selfName ? selfMetadata : member.metadata
            guard let broker = KafkaMetadataTags.broker(from: metadata) else { continue }
            knownIDByName[member.name] = broker.nodeID
            guard member.name == selfName || member.status.isActive, metadata.hasRole("broker") else { continue }
            if member.name == selfName { sawSelf = true }
            brokers.append(
                KafkaBrokerEndpoint(
                    nodeID: broker.nodeID,
                    address: broker.address,
                    rack: metadata.tags["rack"],
                    name: member.name
                )
            )
            idByName[member.name] = broker.nodeID
        }
        if !sawSelf, let broker = KafkaMetadataTags.broker(from: selfMetadata) {
            brokers.append(
                KafkaBrokerEndpoint(
                    nodeID: broker.nodeID,
                    address: broker.address,
                    rack: selfMetadata.tags["rack"],
                    name: selfName
                )
            )
            idByName[selfName] = broker.nodeID
            knownIDByName[selfName] = broker.nodeID
        }
        self.brokers = brokers.sorted { $0.nodeID < $1.nodeID }
        self.idByName = idByName
        self.knownIDByName = knownIDByName
    }

    /// The broker id of an alive (or suspected) broker.
    func aliveID(of name: String) -> Int32? { idByName[name] }

    /// The broker id of any member that ever advertised one.
    func knownID(of name: String) -> Int32? { knownIDByName[name] }

    /// The member name behind a broker id, among alive brokers.
    func name(ofBroker id: Int32) -> String? { brokers.first { $0.nodeID == id }?.name }
}
