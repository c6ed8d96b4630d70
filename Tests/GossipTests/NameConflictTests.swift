import Primitives
import Testing

@testable import Gossip

/// Two nodes started with one name: each hears `alive` under its own name from the other's address.
@Suite("Name conflicts")
struct NameConflictTests {
    let home = PeerAddress(host: "10.0.0.1", port: 7946)
    let other = PeerAddress(host: "10.0.0.2", port: 7946)

    func node() -> SWIMInstance {
        var node = SWIMInstance(name: "a", address: home, metadata: NodeMetadata(), configuration: .lan, seed: 1)
        _ = node.start(seeds: [], now: Timestamp(nanoseconds: 0))
        return node
    }

    func alive(of name: String, at address: PeerAddress, incarnation: UInt64) -> [UInt8] {
        let update = AliveUpdate(name: name, incarnation: incarnation, address: address, metadata: NodeMetadata())
        return WireFormat.datagram([WireFormat.encode(.alive(update))])
    }

    @Test func aliveUnderOurNameFromAnotherAddressIsAConflict() throws {
        var node = node()
        let out = try node.receiveDatagram(
            alive(of: "a", at: other, incarnation: 1),
            from: other,
            now: Timestamp(nanoseconds: 1)
        )
        #expect(node.counters.nameConflicts == 1)
        // The other claimant hears of us directly, once.
        let told = out.filter { if case .send(_, let to) = $0 { to == other } else { false } }
        #expect(told.count == 1)
        let again = try node.receiveDatagram(
            alive(of: "a", at: other, incarnation: 1),
            from: other,
            now: Timestamp(nanoseconds: 2)
        )
        #expect(!again.contains { if case .send(_, let to) = $0 { to == other } else { false } })
        #expect(node.lastNameConflict == other)
        // It still outbids the claim, so the cluster keeps the address it knew.
        #expect(node.incarnation > 1)
    }

    @Test func newsOfAnEarlierLifeAtOurAddressIsNoConflict() throws {
        var node = node()
        _ = try node.receiveDatagram(
            alive(of: "a", at: home, incarnation: 5),
            from: other,
            now: Timestamp(nanoseconds: 1)
        )
        _ = try node.receiveDatagram(
            alive(of: "b", at: other, incarnation: 1),
            from: other,
            now: Timestamp(nanoseconds: 2)
        )
        #expect(node.counters.nameConflicts == 0)
        #expect(node.lastNameConflict == nil)
        #expect(node.incarnation > 5)
    }
}
