import Gossip
import Primitives
import Testing

@testable import Partitions

/// A controller that learns of a newer controller epoch stops acting at once, whatever its lease says.
@Suite("Fencing")
struct FencingTests {
    static func announcement(by controller: String, epoch: UInt64) -> StateEntry {
        StateEntry(
            key: StateKeys.controller,
            version: StateVersion(major: epoch, minor: 1),
            value: ControllerAnnouncement(controller: controller, epoch: epoch, leaseRemaining: .seconds(2)).encoded()
        )
    }

    @Test func aNewerAnnouncedEpochStopsTheActingController() {
        let configuration = PartitionsConfiguration(voters: ["n1"])
        let members = SWIMInstance(
            name: "n1",
            address: PeerAddress(host: "127.0.0.1", port: 1),
            configuration: .lan,
            seed: 1
        )
        var instance = PartitionsInstance(
            name: "n1",
            metadata: NodeMetadata(roles: ["broker"]),
            configuration: configuration,
            seed: 1,
            now: .zero
        )
        // Past the voter's start-up quiet, the single voter grants itself epoch 3.
        let now = Timestamp.zero + .seconds(3)
        instance.requestLeaseAndSettle(epoch: 3, now: now, members: members)
        #expect(instance.isActingController(at: now))
        // Its own epoch, or an older one, announced again changes nothing.
        _ = instance.stateChanged(Self.announcement(by: "n1", epoch: 3), now: now, members: members)
        _ = instance.stateChanged(Self.announcement(by: "n2", epoch: 2), now: now, members: members)
        #expect(instance.isActingController(at: now))
        // A newer epoch, owned by someone else: stop now, not at the end of the lease.
        let later = now + .milliseconds(100)
        _ = instance.stateChanged(Self.announcement(by: "n2", epoch: 4), now: later, members: members)
        #expect(!instance.isActingController(at: later))
    }
}
