import Primitives
import Testing

@testable import Gossip

/// The compact member table against a plain dictionary: random adds, updates and removals (reaping) must leave
/// both agreeing on every lookup, count and active count, and the broadcast queue must never send news about a
/// member whose slot was reused.
@Suite struct MemberTableTests {
    private func member(_ i: Int, status: MemberStatus, incarnation: UInt64, roles: [String]) -> Member {
        Member(
            name: "node-\(i)",
            address: PeerAddress(host: "10.0.\(i / 256).\(i % 256)", port: 7946),
            status: status,
            incarnation: incarnation,
            metadata: NodeMetadata(roles: roles),
            statusChangedAt: Timestamp(nanoseconds: Int64(i))
        )
    }

    @Test func agreesWithADictionaryUnderRandomChurn() {
        var rng = SeededRandom(seed: 42)
        var table = MemberTable()
        var model: [String: Member] = [:]
        let statuses = MemberStatus.allCases
        for step in 0..<20_000 {
            let i = Int.random(in: 0..<600, using: &rng)
            let name = "node-\(i)"
            if Int.random(in: 0..<4, using: &rng) == 0 {
                table[name] = nil
                model[name] = nil
            } else {
                let status = statuses[Int.random(in: 0..<statuses.count, using: &rng)]
                let roles = [["broker"], ["broker", "controller"], []][Int.random(in: 0..<3, using: &rng)]
                let row = member(i, status: status, incarnation: UInt64(step), roles: roles)
                table[name] = row
                model[name] = row
            }
            if step % 500 == 0 { table.reserve(additional: Int.random(in: 0..<300, using: &rng)) }
        }
        #expect(table.count == model.count)
        #expect(table.activeCount == model.values.filter { $0.status.isActive }.count)
        for i in 0..<600 {
            #expect(table["node-\(i)"] == model["node-\(i)"])
        }
        #expect(Set(table.members.map(\.name)) == Set(model.keys))
    }

    @Test func queuedNewsOfAReapedMemberIsNotSentAboutItsSlotsNextOccupant() {
        var queue = BroadcastQueue()
        var table = MemberTable()
        let gone = member(1, status: .dead, incarnation: 3, roles: [])
        let slot = table.put(gone)
        queue.enqueue(.member(slot), accuser: "node-9")
        table[gone.name] = nil
        queue.drop(.member(slot))
        let newcomer = member(2, status: .alive, incarnation: 0, roles: [])
        #expect(table.put(newcomer) == slot)
        var sent: Set<Int32> = []
        var subjects: [BroadcastSubject] = []
        let taken = queue.take(budget: 1400, maxCount: 10, transmitLimit: 4, alreadySent: &sent) { subject, _ in
            subjects.append(subject)
            return [1, 2, 3]
        }
        #expect(taken.isEmpty)
        #expect(subjects.isEmpty)
        #expect(queue.isEmpty)
    }
}
