import Foundation
import Gossip
import Logging
import Partitions
import Primitives

/// Keeps the replicated cluster state (topic definitions, partition states) in the data directory, so a restarted
/// node still knows the topics even if it rejoins a cluster that lost them.
///
/// The file is `PCS1`, a CRC-32C of the rest (u32 big-endian), then the encoded state; it is replaced atomically
/// (`DurableFile`). A file that fails its checksum or does not decode is moved aside, never overwritten, and the
/// node says so in one error: gossip then brings the state back from the other members.
enum ClusterStateStore {
    static let fileName = "cluster-state.bin"
    static let magic: [UInt8] = Array("PCS1".utf8)

    /// What was found in the data directory.
    struct Loaded {
        var state: ClusterState?
        /// The file was there but unreadable (so this node lost what it knew); where it was moved to.
        var movedAside: String?
        var lost: Bool { movedAside != nil }
    }

    enum FileError: Error, CustomStringConvertible {
        case truncated
        case checksumMismatch
        case undecodable(DecodeError)

        var description: String {
            switch self {
            case .truncated: "the file is shorter than its header"
            case .checksumMismatch: "checksum mismatch (the file is corrupt)"
            case .undecodable(let error): "it does not decode (\(error))"
            }
        }
    }

    static func path(in directory: String) -> String {
        (directory as NSString).appendingPathComponent(fileName)
    }

    static func load(from directory: String?, logger: Logger) -> Loaded {
        guard let directory else { return Loaded() }
        let path = path(in: directory)
        guard let data = FileManager.default.contents(atPath: path) else { return Loaded() }
        do {
            return Loaded(state: try decode(Array(data)))
        } catch {
            let aside = DurableFile.moveAside(path)
            logger.error(
                "cluster state file \(path) is unreadable: \(error); moved it aside to \(aside ?? "nowhere (rename failed)"); the topics and partitions will be relearned from the other members",
                metadata: ["path": "\(path)", "moved_to": "\(aside ?? "")", "error": "\(error)"]
            )
            return Loaded(movedAside: aside ?? path)
        }
    }

    /// The controller configuration to run with. A voter remembers the epochs it granted only through this file, so
    /// one whose file was unreadable must not vote as if it remembered: it runs without a vote (it neither grants
    /// nor stands) until it is restarted, by which time it has saved the state re-learned from the other members.
    static func partitionsConfiguration(
        _ configuration: AgentConfiguration,
        after loaded: Loaded,
        logger: Logger
    ) -> PartitionsConfiguration {
        var partitions = configuration.partitions
        guard loaded.lost, partitions.voters.contains(configuration.name) else { return partitions }
        partitions.voters.removeAll { $0 == configuration.name }
        logger.error(
            "this controller voter lost its cluster state, so it will not vote (grant or stand) until it is restarted"
        )
        return partitions
    }

    static func save(_ state: ClusterState, to directory: String?, logger: Logger) {
        guard let directory else { return }
        let path = path(in: directory)
        do {
            try DurableFile.write(encode(state), to: path)
        } catch {
            logger.warning("cannot save cluster state", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }

    static func encode(_ state: ClusterState) -> [UInt8] {
        ChecksummedFile.encode(magic: magic, payload: state.encoded())
    }

    /// The state in a file; files from before checksums (no `PCS1` header) are still read.
    static func decode(_ bytes: [UInt8]) throws(FileError) -> ClusterState {
        let payload: ArraySlice<UInt8>
        do {
            payload = try ChecksummedFile.payload(of: bytes, magic: magic) ?? bytes[...]
        } catch .truncated {
            throw .truncated
        } catch {
            throw .checksumMismatch
        }
        do {
            return try ClusterState(decoding: Array(payload))
        } catch {
            throw .undecodable(error)
        }
    }
}
