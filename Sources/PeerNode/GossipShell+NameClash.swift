import Gossip
import NIOCore

/// What the shell remembers about other nodes claiming its name.
struct NameClashWatch {
    /// Whether our join through the seeds completed (or there were none) before any clash was seen: then we are the
    /// established node, and the other one is the newcomer.
    var joinCompleted = false
    /// `GossipCounters.nameConflicts` when last looked at.
    var seen: UInt64 = 0
    /// When the established node last logged a clash, so a running clash logs every few seconds, not every message.
    var lastLogged: NIODeadline?
}

/// Two agents started with one `--name` would refute each other forever and make every other member flip the name
/// between two addresses. The core counts alive messages under our name from another address; here a node that
/// sees one while still joining refuses to run, and a node already in the cluster says so loudly (and keeps
/// outbidding the newcomer, so the cluster keeps its address).
extension GossipShell {
    static let nameClashLogInterval = TimeAmount.seconds(5)

    func checkNameClash() {
        let conflicts = core.counters.nameConflicts
        guard conflicts > nameClash.seen, !isStopped else { return }
        nameClash.seen = conflicts
        let other = core.lastNameConflict.map(\.description) ?? "unknown"
        if !nameClash.joinCompleted {
            logger.critical(
                "another agent already runs as \(core.name) at \(other); refusing to join with a duplicate name",
                metadata: ["name": "\(core.name)", "other_address": "\(other)", "address": "\(core.address)"]
            )
            let callback = onFatalError
            onFatalError = nil
            callback?(.duplicateName(name: core.name, otherAddress: other))
            return
        }
        let now = NIODeadline.now()
        if let last = nameClash.lastLogged, now - last < Self.nameClashLogInterval { return }
        nameClash.lastLogged = now
        logger.error(
            "another agent claims this agent's name \(core.name) from \(other); every agent needs a unique --name",
            metadata: ["name": "\(core.name)", "other_address": "\(other)", "clashes": "\(conflicts)"]
        )
    }
}
