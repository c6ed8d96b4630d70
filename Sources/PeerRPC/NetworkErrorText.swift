import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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
public func systemErrorText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text).lowercased()
}
