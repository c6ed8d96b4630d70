import Gossip
import Partitions
import Primitives
import SimulationEngine

/// Boots and stops of host processes, and what every part hears about them.
extension Simulation {
    func metadata(_ i: Int) -> NodeMetadata {
        NodeMetadata(roles: i < voters.count ? ["broker", "controller"] : ["broker"])
    }

    /// Boots (or restarts) host `i`'s process.
    mutating func boot(_ i: Int) {
        if hosts[i].up { stop(i, reason: "restarted") }
        let life = hosts[i].boot(
            now: now,
            metadata: metadata(i),
            gossip: configuration,
            partitions: partitionsConfiguration
        )
        transport.attach(i, senderID: life.senderID, sealRng: life.sealRng)
        let joined = membership.nodeBooted(i, firstBoot: !life.isRestart, now: now)
        partitions.nodeBooted(i, at: now)
        checkers.nodeBooted(i, now: now)
        traceWriter?.line(now, "\(life.isRestart ? "restart" : "boot") \(hosts[i].name)")
        membershipChanged(joined)
        // The first boot joins through node 0. A restart lists three seeds (nodes 0–3, itself excepted), as an
        // operator would: with node 0 alone, a restart while node 0 was down stayed alone for good (swarm seed 139).
        let seeds: [PeerAddress] =
            life.isRestart
            ? (0..<min(n, 4)).filter { $0 != i }.prefix(3).map { hosts[$0].address }
            : (i == 0 ? [] : [hosts[0].address])
        let directives = hosts[i].process.start(seeds: seeds, now: hosts[i].localTimestamp(now))
        apply(directives, from: i, declaring: false)
    }

    /// The process is gone (crash, stop after leaving, or before a restart).
    mutating func stop(_ i: Int, reason: String) {
        guard hosts[i].up else { return }
        if reason != "left" {
            partitions.recordLoss(i, cause: reason == "crashed" ? "crash" : reason, hosts: hosts, now: now)
        }
        hosts[i].stop(now: now, graceful: reason == "left", gossip: configuration, partitions: partitionsConfiguration)
        let joined = membership.nodeStopped(i, now: now)
        partitions.nodeStopped(i, at: now)
        checkers.nodeStopped(i, now: now)
        traceWriter?.line(now, "stop \(hosts[i].name) (\(reason))")
        membershipChanged(joined)
    }

    /// Crashes every listed host that is up: in-memory state lost, no goodbye.
    mutating func crash(_ list: [Int]) {
        for i in list where hosts[i].up {
            stop(i, reason: "crashed")
            membershipChanged(membership.crashed(i, name: hosts[i].name, now: now))
        }
    }
}
