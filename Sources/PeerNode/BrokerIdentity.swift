import Foundation
import Gossip

/// Chooses the Kafka broker id and keeps it in the data directory, so a broker is the same broker across restarts
/// (its replicas and its place in every ISR are recorded by id).
///
/// Like Kafka's `meta.properties`: a configured id must match the stored one; with none configured the stored id
/// is used, or a new one is chosen and stored at first start.
enum BrokerIdentity {
    static let fileName = "broker.id"

    enum Failure: Error, CustomStringConvertible {
        case mismatch(configured: Int32, stored: Int32, path: String)
        case unreadable(path: String, reason: String)
        case unwritable(path: String, reason: String)

        var description: String {
            switch self {
            case .mismatch(let configured, let stored, let path):
                return "--node-id \(configured) differs from the broker id \(stored) stored in \(path); "
                    + "a data directory belongs to one broker"
            case .unreadable(let path, let reason):
                return "cannot read the broker id in \(path): \(reason)"
            case .unwritable(let path, let reason):
                return "cannot store the broker id in \(path): \(reason)"
            }
        }
    }

    /// The broker id for this start.
    ///
    /// With nothing configured or stored, the id comes from the member name's hash, so a node without a data
    /// directory keeps its id across restarts too.
    static func resolve(configured: Int32?, dataDirectory: String?, name: String) throws(Failure) -> Int32 {
        guard let dataDirectory else { return configured ?? derived(from: name) }
        let path = (dataDirectory as NSString).appendingPathComponent(fileName)
        if let stored = try read(path) {
            if let configured, configured != stored {
                throw .mismatch(configured: configured, stored: stored, path: path)
            }
            return stored
        }
        let chosen = configured ?? derived(from: name)
        do {
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            try DurableFile.write(Array("\(chosen)\n".utf8), to: path, ownerOnly: false)
        } catch {
            throw .unwritable(path: path, reason: "\(error)")
        }
        return chosen
    }

    /// A positive id from the member name: stable, and spread widely enough that clashes are rare (a clash with an
    /// alive member is refused at start).
    static func derived(from name: String) -> Int32 {
        Int32(truncatingIfNeeded: fnv1a(name) % 1_000_000) + 1
    }

    /// FNV-1a: the same in every process (Swift's `Hasher` is seeded per process).
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    private static func read(_ path: String) throws(Failure) -> Int32? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)
        else { throw .unreadable(path: path, reason: "not a text file") }
        guard let id = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), id >= 0 else {
            throw .unreadable(path: path, reason: "expected a non-negative integer, found '\(text.prefix(40))'")
        }
        return id
    }
}
