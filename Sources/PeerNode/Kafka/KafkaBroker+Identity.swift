import Gossip
import NIOCore

/// Two brokers must never share a Kafka broker id: clients would send one broker's partitions to the other.
extension KafkaBroker {
    /// How long after start a clash makes this broker give way (it is then the newcomer); later, both only log.
    static let clashGraceAfterStart = TimeAmount.seconds(30)

    func memberChanged(_ change: MemberChange) {
        let member = change.member
        guard member.name != shell.core.name, member.status.isActive,
            let other = KafkaMetadataTags.broker(from: member.metadata), other.nodeID == nodeID
        else { return }
        let isNewcomer = NIODeadline.now() - shell.startedAt < Self.clashGraceAfterStart
        logger.critical(
            "another broker uses this Kafka broker id",
            metadata: [
                "node_id": "\(nodeID)", "other": "\(member.name)", "other_address": "\(member.address)",
                "action":
                    "\(isNewcomer ? "stopping: this broker is the newcomer" : "both keep running; fix --node-id")",
            ]
        )
        if isNewcomer {
            onFatalError?(
                "Kafka broker id \(nodeID) is already used by \(member.name) (\(member.address)); "
                    + "pass another --node-id (or use another --data-dir)"
            )
        }
    }
}
