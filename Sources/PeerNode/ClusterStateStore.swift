import Foundation
import Gossip
import Logging

/// Keeps the replicated cluster state (topic definitions, partition states) in the data directory, so a restarted
/// node still knows the topics even if it rejoins a cluster that lost them.
enum ClusterStateStore {
    static let fileName = "cluster-state.bin"

    static func load(from directory: String?, logger: Logger) -> ClusterState? {
        guard let directory else { return nil }
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        do {
            return try ClusterState(decoding: Array(data))
        } catch {
            // A damaged snapshot is not fatal: gossip brings the state back from the other members.
            logger.warning(
                "ignoring unreadable cluster state file",
                metadata: ["path": "\(path)", "error": "\(error)"]
            )
            return nil
        }
    }

    static func save(_ state: ClusterState, to directory: String?, logger: Logger) {
        guard let directory else { return }
        let path = (directory as NSString).appendingPathComponent(fileName)
        do {
            try Data(state.encoded()).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            logger.warning("cannot save cluster state", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}
