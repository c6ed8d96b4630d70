import Foundation

/// Hands out producer ids for idempotent producers, unique across the cluster and across restarts.
///
/// An id is the broker id in the high 32 bits and a counter in the low 32. The counter's ceiling is stored in the
/// data directory before ids under it are handed out, a block at a time, so a restart never repeats an id. (Ids
/// from the controller, committed to a voter majority, replace this with the idempotent-producer work.)
final class ProducerIDAllocator {
    static let blockSize: UInt32 = 1000
    private let nodeID: Int32
    private let path: String?
    private var next: UInt32
    private var ceiling: UInt32

    init(nodeID: Int32, dataDirectory: String?) {
        self.nodeID = nodeID
        path = dataDirectory.map { ($0 as NSString).appendingPathComponent("producer-id-block") }
        let stored =
            path.flatMap { FileManager.default.contents(atPath: $0) }
            .flatMap { String(data: $0, encoding: .utf8) }
            .flatMap { UInt32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } ?? 0
        next = stored
        ceiling = stored
    }

    /// A fresh producer id, or nil when the block could not be recorded (the caller answers with an error rather
    /// than risk a duplicate id).
    func allocate() -> Int64? {
        if next >= ceiling {
            guard ceiling <= UInt32.max - Self.blockSize else { return nil }
            let newCeiling = ceiling + Self.blockSize
            if let path {
                do {
                    try DurableFile.write(Array("\(newCeiling)\n".utf8), to: path, ownerOnly: false)
                } catch {
                    return nil
                }
            }
            ceiling = newCeiling
        }
        defer { next += 1 }
        return (Int64(nodeID) << 32) | Int64(next)
    }
}
