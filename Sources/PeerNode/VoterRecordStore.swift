import Foundation
import Logging
import Partitions

/// Keeps a controller voter's record (the lease epochs it granted, the partition states controllers asked it to
/// store) in the data directory. The partitions core acknowledges a grant or a store only after this file is
/// written and fsync'd, so what a voter promised survives a crash.
///
/// The file is `PVR1`, a CRC-32C of the rest (u32 big-endian), then the encoded record; it is replaced atomically
/// (`DurableFile`). A file that fails its checksum or does not decode is moved aside, never overwritten, and the
/// voter then runs without a vote (see `ClusterStateStore.partitionsConfiguration`).
enum VoterRecordStore {
    static let fileName = "voter-record.bin"
    static let magic: [UInt8] = Array("PVR1".utf8)

    struct Loaded {
        var record: VoterRecord?
        /// The file was there but unreadable; where it was moved to.
        var movedAside: String?
        var lost: Bool { movedAside != nil }
    }

    static func path(in directory: String) -> String {
        (directory as NSString).appendingPathComponent(fileName)
    }

    static func load(from directory: String?, logger: Logger) -> Loaded {
        guard let directory else { return Loaded() }
        let path = path(in: directory)
        guard let data = FileManager.default.contents(atPath: path) else { return Loaded() }
        if let record = decode(Array(data)) { return Loaded(record: record) }
        let aside = DurableFile.moveAside(path)
        logger.error(
            "voter record \(path) is unreadable; moved it aside to \(aside ?? "nowhere (rename failed)")",
            metadata: ["path": "\(path)", "moved_to": "\(aside ?? "")"]
        )
        return Loaded(movedAside: aside ?? path)
    }

    /// Writes the record durably; returns false (after logging) when it could not, so nothing is acknowledged.
    static func save(_ record: VoterRecord, to directory: String?, logger: Logger) -> Bool {
        guard let directory else { return true }
        let path = path(in: directory)
        do {
            try DurableFile.write(encode(record), to: path)
            return true
        } catch {
            logger.error("cannot save the voter record", metadata: ["path": "\(path)", "error": "\(error)"])
            return false
        }
    }

    static func encode(_ record: VoterRecord) -> [UInt8] {
        ChecksummedFile.encode(magic: magic, payload: record.encoded())
    }

    static func decode(_ bytes: [UInt8]) -> VoterRecord? {
        guard let payload = (try? ChecksummedFile.payload(of: bytes, magic: magic)) ?? nil else { return nil }
        return try? VoterRecord(decoding: Array(payload))
    }
}
