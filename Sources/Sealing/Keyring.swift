import Foundation

/// The set of cluster keys a node accepts. The primary key seals outgoing traffic; every installed key is
/// tried when opening. Rotating is therefore: install the new key everywhere, `use` it everywhere, then
/// `remove` the old one, with no moment where two nodes cannot talk.
public struct Keyring: Sendable, Equatable {
    /// The key used to seal.
    public private(set) var primary: ClusterKey
    private var others: [ClusterKey]

    /// Builds a keyring; duplicates (including copies of the primary) in `others` are dropped.
    public init(primary: ClusterKey, others: [ClusterKey] = []) {
        self.primary = primary
        self.others = []
        for key in others {
            install(key)
        }
    }

    /// All installed keys, primary first, then the rest in installation order, without duplicates.
    public var keys: [ClusterKey] {
        [primary] + others
    }

    /// Whether `key` is installed (as primary or not).
    public func contains(_ key: ClusterKey) -> Bool {
        key == primary || others.contains(key)
    }

    /// Adds a key that will be accepted when opening. Installing an existing key does nothing.
    public mutating func install(_ key: ClusterKey) {
        guard !contains(key) else { return }
        others.append(key)
    }

    /// Makes an installed key the primary; the previous primary stays installed so in-flight traffic
    /// sealed under it still opens.
    public mutating func use(_ key: ClusterKey) throws(KeyError) {
        if key == primary { return }
        guard let index = others.firstIndex(of: key) else { throw .notInstalled(key.fingerprint) }
        others.remove(at: index)
        others.insert(primary, at: 0)
        primary = key
    }

    /// Stops accepting a key. The primary cannot be removed because it is needed to seal.
    public mutating func remove(_ key: ClusterKey) throws(KeyError) {
        if key == primary { throw .cannotRemovePrimary }
        guard let index = others.firstIndex(of: key) else { throw .notInstalled(key.fingerprint) }
        others.remove(at: index)
    }

    private struct File: Codable {
        var primary: String
        var keys: [String]?
    }

    /// The keyring file format: `{"keys":["base64",...],"primary":"base64"}` (`keys` lists every key,
    /// primary included). Output is stable (sorted keys) so files diff cleanly.
    public func encodedJSON() -> [UInt8] {
        let file = File(primary: primary.base64, keys: keys.map(\.base64))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding two strings and an array of strings cannot fail.
        return [UInt8](try! encoder.encode(file))
    }

    /// Parses a keyring file written by `encodedJSON()`. The primary is installed even if `keys` omits it.
    public init(json: [UInt8]) throws(KeyError) {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(json))
        } catch let error as DecodingError {
            throw .malformedKeyring(Self.describe(error))
        } catch {
            throw .malformedKeyring("not valid JSON")
        }
        let primary = try ClusterKey(base64: file.primary)
        var others: [ClusterKey] = []
        for text in file.keys ?? [] {
            others.append(try ClusterKey(base64: text))
        }
        self.init(primary: primary, others: others)
    }

    private static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _):
            return "missing field \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "field \"\(path)\" has the wrong type"
        case .dataCorrupted:
            return "not valid JSON"
        @unknown default:
            return "not valid JSON"
        }
    }
}
