import Foundation
import Gossip
import PeerNode
import PeerRPC
import Testing

/// The gossip TCP port against a peer without the key: frames announcing megabytes are refused before they are
/// buffered, connections are capped, and every dropped stream is counted in `peer info`.
@Suite("Gossip stream floods", .timeLimit(.minutes(1)))
struct StreamFloodTests {
    /// Resident memory of `pid` in bytes, from /proc; nil where there is no /proc.
    static func residentBytes(of pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kilobytes * 1024
    }

    @Test("100 connections announcing 8 MiB frames leave memory bounded, and each is counted")
    func oversizedFramesAreNotBuffered() async throws {
        let cluster = try TestCluster()
        let agent = try #require(try await cluster.start(count: 1).first)
        let before = try #require(Self.residentBytes(of: agent.processIdentifier))

        let junk = [UInt8](repeating: 0x5a, count: 64 * 1024)
        var connections: [RawConnection] = []
        for index in 0..<100 {
            let connection = try RawConnection(port: agent.gossip.port)
            if index.isMultiple(of: 2) {
                // A frame of 8 MiB announced, then junk: the peer has proven nothing, so none of it is kept.
                connection.send([0x00, 0x80, 0x00, 0x00])
                for _ in 0..<64 where connection.send(junk) {}
            } else {
                // A small frame that is no sealed hello.
                connection.send([0x00, 0x00, 0x01, 0x00] + [UInt8](repeating: 0x33, count: 256))
            }
            connections.append(connection)
        }
        // Every stream is refused or cut: the agent closes each connection itself.
        let deadline = ContinuousClock.now + .seconds(20)
        while connections.contains(where: { !$0.isClosedByPeer }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        let open = connections.filter { !$0.isClosedByPeer }.count
        #expect(open == 0, "\(open) of 100 junk connections still open")

        let after = try #require(Self.residentBytes(of: agent.processIdentifier))
        let growth = after - before
        #expect(growth < 64 << 20, "RSS grew by \(growth >> 20) MiB (from \(before >> 20) MiB)")

        let info = try await TestCluster.client(for: agent.rpc).call(.GET, "/v1/info", as: InfoResponse.self)
        #expect(info.streamsRejected >= 100, "streamsRejected is \(info.streamsRejected)")
        connections.removeAll()
    }
}
