import Gossip
import NIOCore
import PeerRPC

/// Read-only snapshots of the shell's state for the RPC endpoint.
extension GossipShell {
    /// Every member this node knows, itself included, sorted by name.
    var membersResponse: MembersResponse {
        MembersResponse(members: core.members.map(MemberView.init))
    }

    var infoResponse: InfoResponse {
        var counts = Dictionary(uniqueKeysWithValues: MemberStatus.allCases.map { ($0.description, 0) })
        for member in core.members { counts[member.status.description, default: 0] += 1 }
        let uptime = NIODeadline.now() - startedAt
        return InfoResponse(
            name: core.name,
            address: core.address.description,
            incarnation: core.incarnation,
            healthScore: core.localHealth.score,
            joined: core.hasJoined,
            leaving: core.isLeaving,
            roles: core.metadata.roles,
            tags: core.metadata.tags,
            members: counts,
            counters: CountersView(core.counters),
            uptimeSeconds: Double(uptime.nanoseconds) / 1e9,
            primaryKeyFingerprint: sealer.keyring.primary.fingerprint,
            installedKeys: sealer.keyring.keys.count,
            streamsRejected: metrics.streamsRejected
        )
    }
}
