import Foundation
import Partitions

/// Which incarnation of its topic a local log belongs to, kept in a small file beside the segments.
///
/// A topic deleted while a broker was away and then created again under the same name is a different topic: the
/// broker must neither serve the old records as the new topic's nor delete the new topic's records when it hears
/// of the old deletion late. A log without the file predates incarnations and belongs to the original one.
enum LogIncarnation {
    static let fileName = "topic-incarnation"

    static func read(directory: String) -> TopicIncarnation {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)
        else { return .original }
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".")
        guard parts.count == 2, let epoch = UInt64(parts[0]), let sequence = UInt64(parts[1]) else {
            return .original
        }
        return TopicIncarnation(epoch: epoch, sequence: sequence)
    }

    /// Written before any record is appended, and synced, so a log never holds records of an unknown incarnation.
    static func write(_ incarnation: TopicIncarnation, directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(fileName)
        let text = "\(incarnation.epoch).\(incarnation.sequence)\n"
        try DurableFile.write(Array(text.utf8), to: path, ownerOnly: false)
    }
}
