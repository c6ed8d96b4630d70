import Foundation
import Gossip
import LocalCluster
import PeerNode
import Primitives
import Sealing
import Testing

/// A datagram sealed for one member and replayed to another is rejected there: the recipient is authenticated.
@Suite("Datagram recipients", .timeLimit(.minutes(1)))
struct DatagramReplayTests {
    /// An `alive` announcement of a member nobody runs, sealed with the cluster key for `recipient`.
    static func ghostAnnouncement(key: String, recipient: PeerAddress) throws -> [UInt8] {
        let ghost = AliveUpdate(
            name: "ghost",
            incarnation: 1,
            address: PeerAddress(host: "127.0.0.1", port: 9),
            metadata: NodeMetadata()
        )
        let datagram = WireFormat.datagram([WireFormat.encode(.alive(ghost))])
        var sealer = Sealer(
            keyring: Keyring(primary: try ClusterKey(base64: key)),
            senderID: .random(in: .min ... .max)
        )
        var rng = SystemRandomNumberGenerator()
        let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
        return sealer.seal(datagram, to: recipient.description, nowMillis: nowMillis, using: &rng)
    }

    @Test("a datagram sealed for another member is not accepted; the same sealed for this one is")
    func replayToAThirdNodeIsRejected() async throws {
        let cluster = try TestCluster()
        let agent = try #require(try await cluster.start(count: 1).first)
        let elsewhere = PeerAddress(host: "127.0.0.1", port: try FreePort.next())

        try RawConnection.sendDatagram(
            try Self.ghostAnnouncement(key: cluster.key, recipient: elsewhere),
            to: agent.gossip.port
        )
        try await Task.sleep(for: .seconds(1))
        let afterMisdirected = await cluster.views(of: [agent])[agent.name]?.map(\.name) ?? []
        #expect(!afterMisdirected.contains("ghost"), "a datagram sealed for \(elsewhere) was accepted")

        // The control: sealed for this agent, the same announcement is accepted, so the test can fail.
        try RawConnection.sendDatagram(
            try Self.ghostAnnouncement(key: cluster.key, recipient: agent.gossip),
            to: agent.gossip.port
        )
        await cluster.waitUntil("the agent lists the ghost", observers: [agent]) { views in
            views[agent.name]?.contains { $0.name == "ghost" } == true
        }
    }
}
