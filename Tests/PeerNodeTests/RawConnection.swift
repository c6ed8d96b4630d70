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

/// A plain TCP connection to 127.0.0.1, for sending exactly the bytes an attacker would (hand-made HTTP, junk
/// frames) where a real client would refuse to. Closed on deinit.
final class RawConnection {
    private let descriptor: Int32

    init(port: UInt16) throws {
        descriptor = socket(AF_INET, streamSocket, 0)
        guard descriptor >= 0 else { throw RawConnectionError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw RawConnectionError("cannot connect to 127.0.0.1:\(port)")
        }
    }

    deinit {
        close(descriptor)
    }

    /// Writes every byte; false once the peer has closed the connection.
    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { buffer in
                Foundation.send(descriptor, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    func send(_ text: String) -> Bool {
        send(Array(text.utf8))
    }

    /// Everything the peer sends until it closes, or until `timeout` passes.
    func readToEnd(timeout: Duration = .seconds(10)) -> [UInt8] {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) >= 0 else { break }
            guard poller.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += chunk.prefix(count)
        }
        return received
    }

    /// Exactly `count` bytes, or nil if the peer closes first or `timeout` passes.
    func read(exactly count: Int, timeout: Duration = .seconds(10)) -> [UInt8]? {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        while received.count < count, ContinuousClock.now < deadline {
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) >= 0 else { return nil }
            guard poller.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: count - received.count)
            let read = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard read > 0 else { return nil }
            received += chunk.prefix(read)
        }
        return received.count == count ? received : nil
    }

    /// Whether the peer has closed (or reset) the connection, looking without waiting.
    var isClosedByPeer: Bool {
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) > 0 else { return false }
        var byte: UInt8 = 0
        let count = recv(descriptor, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return count <= 0
    }

    /// Sends one UDP datagram to 127.0.0.1:`port`.
    static func sendDatagram(_ bytes: [UInt8], to port: UInt16) throws {
        let descriptor = socket(AF_INET, datagramSocket, 0)
        guard descriptor >= 0 else { throw RawConnectionError("socket() failed") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bytes.withUnsafeBytes {
                    sendto(
                        descriptor,
                        $0.baseAddress,
                        $0.count,
                        0,
                        socketAddress,
                        socklen_t(MemoryLayout<sockaddr_in>.size)
                    )
                }
            }
        }
        guard sent == bytes.count else { throw RawConnectionError("sendto() failed") }
    }

    /// The status code of a raw HTTP request's answer; nil when the connection closed without one.
    static func httpStatus(port: UInt16, request: String) throws -> Int? {
        let connection = try RawConnection(port: port)
        connection.send(request)
        let answer = String(decoding: connection.readToEnd(), as: UTF8.self)
        guard answer.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(answer.dropFirst(9).prefix(3))
    }
}

struct RawConnectionError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
