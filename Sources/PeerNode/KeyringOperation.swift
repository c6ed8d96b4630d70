import Sealing

/// A keyring change or query applied on every node, like `serf keyring`.
public enum KeyringOperation: Sendable, Equatable {
    case list
    case install(ClusterKey)
    case use(ClusterKey)
    case remove(ClusterKey)

    /// Applies the operation to `keyring`; `list` leaves it unchanged.
    func apply(to keyring: inout Keyring) throws(KeyError) {
        switch self {
        case .list: break
        case .install(let key): keyring.install(key)
        case .use(let key): try keyring.use(key)
        case .remove(let key): try keyring.remove(key)
        }
    }

    var changesKeyring: Bool { self != .list }

    var name: String {
        switch self {
        case .list: "list"
        case .install: "install"
        case .use: "use"
        case .remove: "remove"
        }
    }
}

/// The keyring request as sent, sealed, inside a stream frame. The key travels only inside sealed frames.
struct KeyringWireRequest: Codable {
    var operation: String
    var key: String?

    init(_ operation: KeyringOperation) {
        self.operation = operation.name
        switch operation {
        case .list: key = nil
        case .install(let key), .use(let key), .remove(let key): self.key = key.base64
        }
    }

    /// The operation, or a one-line reason it is not understood.
    func decoded() -> Result<KeyringOperation, KeyringOperationError> {
        if operation == "list" { return .success(.list) }
        guard let key else { return .failure(.malformed("missing key")) }
        let clusterKey: ClusterKey
        do {
            clusterKey = try ClusterKey(base64: key)
        } catch {
            return .failure(.malformed(error.description))
        }
        switch operation {
        case "install": return .success(.install(clusterKey))
        case "use": return .success(.use(clusterKey))
        case "remove": return .success(.remove(clusterKey))
        default: return .failure(.malformed("unknown operation \(operation)"))
        }
    }
}

/// One node's answer to a keyring request.
struct KeyringNodeReply: Codable, Sendable {
    var node: String
    /// Nil on success.
    var error: String?
    /// The fingerprint of every installed key, primary first, after the operation. Key material never leaves a
    /// node in a reply, so nothing that relays replies (the RPC) can leak it.
    var keys: [String]
    /// The primary key's fingerprint; empty when the node did not answer.
    var primary: String
}

enum KeyringOperationError: Error, CustomStringConvertible {
    case malformed(String)

    var description: String {
        switch self {
        case .malformed(let reason): "malformed keyring request: \(reason)"
        }
    }
}
