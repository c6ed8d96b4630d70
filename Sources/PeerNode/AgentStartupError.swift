import Gossip
import NIOCore
import NIOPosix
import Primitives

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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

/// A short lower-case reason for a network error, e.g. "connection refused" or "address already in use".
public func describeNetworkError(_ error: any Error) -> String {
    switch error {
    case let error as IOError:
        return systemErrorText(error.errnoCode)
    case let error as NIOConnectionError:
        if let first = error.connectionErrors.first {
            return describeNetworkError(first.error)
        }
        if let dnsError = error.dnsAError ?? error.dnsAAAAError {
            return "cannot resolve \(error.host): \(dnsError)"
        }
        return "cannot resolve \(error.host)"
    case let error as ChannelError:
        switch error {
        case .connectTimeout: return "connection timed out"
        case .ioOnClosedChannel, .alreadyClosed: return "connection closed"
        default: return "\(error)"
        }
    case let error as SocketAddressError:
        switch error {
        case .unknown(let host, _): return "cannot resolve \(host)"
        default: return "\(error)"
        }
    default:
        return "\(error)"
    }
}

/// `strerror` text in lower case, the way Unix tools print it.
func systemErrorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text).lowercased()
}
