import Foundation

#if canImport(Glibc)
import Glibc

private let streamSocket = Int32(SOCK_STREAM.rawValue)
private let datagramSocket = Int32(SOCK_DGRAM.rawValue)
#elseif canImport(Darwin)
import Darwin

private let streamSocket = SOCK_STREAM
private let datagramSocket = SOCK_DGRAM
#endif

/// Picks loopback ports that are free for both TCP and UDP, by letting the kernel choose (bind to port 0).
///
/// The sockets are closed before the agent binds, so another process could grab a port in between; callers that
/// launch agents on such ports relaunch them on fresh ones when they fail to start (see `LocalAgent.waitUntilReady`).
public enum FreePort {
    /// A port on 127.0.0.1 that TCP and UDP could both bind a moment ago.
    public static func next() throws -> UInt16 {
        for _ in 0..<50 {
            guard let (tcp, port) = bindLoopback(type: streamSocket, port: 0) else { continue }
            defer { close(tcp) }
            guard let (udp, _) = bindLoopback(type: datagramSocket, port: port) else { continue }
            close(udp)
            return port
        }
        throw FreePortError()
    }

    /// Binds a socket of `type` to 127.0.0.1:`port` and returns it with the port actually bound.
    private static func bindLoopback(type: Int32, port: UInt16) -> (Int32, UInt16)? {
        let descriptor = socket(AF_INET, type, 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            close(descriptor)
            return nil
        }
        return (descriptor, UInt16(bigEndian: actual.sin_port))
    }
}

public struct FreePortError: Error, CustomStringConvertible {
    public var description: String { "could not find a free loopback port" }
}
