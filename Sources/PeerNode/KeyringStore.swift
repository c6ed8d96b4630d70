import Foundation
import Sealing

/// The keyring file `<data-dir>/keyring.json`. When present at start it wins over a key given on the command
/// line (like serf's keyring file), so rotations survive restarts.
public struct KeyringStore: Sendable {
    public static let fileName = "keyring.json"

    public let path: String

    public init(dataDirectory: String) {
        path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(Self.fileName).path
    }

    public var exists: Bool {
        FileManager.default.fileExists(atPath: path)
    }

    /// The stored keyring, or nil when there is no file.
    public func load() throws(AgentStartupError) -> Keyring? {
        guard exists else { return nil }
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw .keyringFile(path: path, reason: "cannot read it")
        }
        do {
            return try Keyring(json: bytes)
        } catch {
            throw .keyringFile(path: path, reason: error.description)
        }
    }

    /// Writes the keyring atomically and durably (`DurableFile`), readable by the owner only, creating the directory
    /// if needed.
    public func save(_ keyring: Keyring) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(),
            withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700]
        )
        try DurableFile.write(keyring.encodedJSON(), to: url.path)
    }
}
