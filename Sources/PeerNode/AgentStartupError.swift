import Gossip
import PeerRPC
import Primitives

/// Why an agent could not start. Each description is one line an operator can act on.
public enum AgentStartupError: Error, CustomStringConvertible {
    case invalidConfiguration([String])
    case noKey(dataDirectory: String?)
    case keyringFile(path: String, reason: String)
    case bindFailed(what: String, address: PeerAddress, reason: String)
    /// The agent found, after joining, that it cannot run (e.g. its Kafka broker id is taken).
    case refusedByCluster(String)
    /// While joining, another agent was found running under this name.
    case duplicateName(name: String, otherAddress: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let errors):
            return "invalid configuration: " + errors.joined(separator: "; ")
        case .noKey(let dataDirectory):
            if let dataDirectory {
                return "no cluster key: pass --key or --key-file, or put a keyring.json in \(dataDirectory)"
            }
            return "no cluster key: pass --key or --key-file"
        case .keyringFile(let path, let reason):
            return "cannot use keyring file \(path): \(reason)"
        case .bindFailed(let what, let address, let reason):
            return "cannot bind \(what) to \(address): \(reason)"
        case .refusedByCluster(let reason):
            return reason
        case .duplicateName(let name, let otherAddress):
            return "another agent already runs as \(name) at \(otherAddress); every agent needs a unique --name"
        }
    }
}
