import Foundation
import Gossip
import Logging
import Partitions
import Primitives
import Testing

@testable import PeerNode

/// The cluster state file carries a checksum, so a flipped or missing byte is found; an agent that finds its file
/// unreadable moves it aside (never overwrites it) and says so.
@Suite("State files", .timeLimit(.minutes(1)))
struct StateFileTests {
    static func sampleState() -> ClusterState {
        var state = ClusterState()
        state.merge(StateEntry(key: "topic/orders", version: StateVersion(major: 3, minor: 1), value: Array("12".utf8)))
        state.merge(StateEntry(key: "controller", version: StateVersion(major: 7, minor: 2), value: Array("n1".utf8)))
        return state
    }

    @Test func roundTripsAndRejectsEveryFlippedByte() throws {
        let state = Self.sampleState()
        let encoded = ClusterStateStore.encode(state)
        #expect(try ClusterStateStore.decode(encoded).sortedEntries == state.sortedEntries)
        for index in encoded.indices {
            var damaged = encoded
            damaged[index] ^= 0x01
            #expect(throws: ClusterStateStore.FileError.self) { try ClusterStateStore.decode(damaged) }
        }
        #expect(throws: ClusterStateStore.FileError.self) { try ClusterStateStore.decode(Array(encoded.dropLast())) }
    }

    /// The voter record file: a round trip through the data dir, every flipped byte found, and an unreadable file
    /// moved aside.
    @Test func theVoterRecordFileRoundTripsAndAnUnreadableOneIsMovedAside() throws {
        let state = PartitionState(
            id: PartitionID(topic: "orders", partition: 1),
            replicas: ["n4", "n5"],
            leader: "n4",
            leaderEpoch: LeaderEpoch(term: 2, number: 1),
            isr: ["n4"],
            controllerEpoch: 2,
            partitionEpoch: 3
        )
        let record = VoterRecord(
            grantedTo: "n1",
            grantedEpoch: 2,
            highestEpoch: 2,
            highestEpochOwner: "n1",
            storeEpoch: 2,
            storedThrough: 5,
            states: [state.id: state]
        )
        let encoded = VoterRecordStore.encode(record)
        #expect(VoterRecordStore.decode(encoded) == record)
        for index in encoded.indices {
            var damaged = encoded
            damaged[index] ^= 0x01
            #expect(VoterRecordStore.decode(damaged) == nil)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("voter-record-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "test")
        #expect(VoterRecordStore.load(from: directory, logger: logger).record == nil, "no file yet")
        #expect(VoterRecordStore.save(record, to: directory, logger: logger))
        #expect(VoterRecordStore.load(from: directory, logger: logger).record == record)
        try Data(encoded.dropLast()).write(to: URL(fileURLWithPath: VoterRecordStore.path(in: directory)))
        let loaded = VoterRecordStore.load(from: directory, logger: logger)
        #expect(loaded.lost && loaded.record == nil)
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(names.contains { $0.hasPrefix(VoterRecordStore.fileName + ".corrupt-") }, "\(names)")
    }

    @Test func aVoterThatLostItsStateDoesNotVote() {
        let configuration = AgentConfiguration(
            name: "n1",
            bind: PeerAddress(host: "127.0.0.1", port: 7946),
            keyring: nil,
            partitions: PartitionsConfiguration(voters: ["n1", "n2", "n3"])
        )
        let logger = Logger(label: "test")
        let lost = ClusterStateStore.Loaded(state: nil, movedAside: "/tmp/x.corrupt-1")
        #expect(
            ClusterStateStore.partitionsConfiguration(configuration, after: lost, logger: logger).voters == [
                "n2", "n3",
            ]
        )
        let kept = ClusterStateStore.Loaded(state: Self.sampleState(), movedAside: nil)
        #expect(
            ClusterStateStore.partitionsConfiguration(configuration, after: kept, logger: logger).voters == [
                "n1", "n2", "n3",
            ]
        )
    }

    @Test("an agent moves an unreadable state file aside, keeps its bytes, reports it and still runs")
    func unreadableFileIsMovedAside() async throws {
        let cluster = try TestCluster()
        let dataDirectory = cluster.directory.appendingPathComponent("node1")
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        let stateFile = dataDirectory.appendingPathComponent(ClusterStateStore.fileName)
        let truncated = Array(ClusterStateStore.encode(Self.sampleState()).dropLast(3))
        try Data(truncated).write(to: stateFile)

        let agent = try #require(try await cluster.start(count: 1).first)
        let names = try FileManager.default.contentsOfDirectory(atPath: dataDirectory.path)
        let aside = names.filter { $0.hasPrefix(ClusterStateStore.fileName + ".corrupt-") }
        #expect(aside.count == 1, "files: \(names)")
        if let aside = aside.first {
            let kept = try Data(contentsOf: dataDirectory.appendingPathComponent(aside))
            #expect(Array(kept) == truncated, "the moved file lost its bytes")
        }
        let log = agent.logTail(lines: 50)
        #expect(log.contains("is unreadable") && log.contains("moved it aside"), "\(log)")
        #expect(agent.isRunning)
    }
}
