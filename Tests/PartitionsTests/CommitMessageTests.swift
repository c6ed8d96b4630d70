import Gossip
import Primitives
import Testing

@testable import Partitions

/// The commit messages (gathering lease requests, stored-state pages, store batches and acknowledgements,
/// AlterPartition) and the voter record: exact round trips, and typed errors for anything malformed.
@Suite("Commit messages and the voter record")
struct CommitMessageTests {
    static let state = PartitionState(
        id: PartitionID(topic: "orders", partition: 4),
        replicas: ["n4", "n5", "n6"],
        leader: "n4",
        leaderEpoch: LeaderEpoch(term: 3, number: 2),
        isr: ["n4", "n5"],
        controllerEpoch: 3,
        partitionEpoch: 9
    )
    static let other = PartitionState(
        id: PartitionID(topic: "orders", partition: 5),
        replicas: ["n5", "n6"],
        leader: nil,
        leaderEpoch: LeaderEpoch(term: 2, number: 7),
        isr: ["n5"],
        controllerEpoch: 2,
        partitionEpoch: 4,
        topicIncarnation: TopicIncarnation(epoch: 2, sequence: 1)
    )

    static let messages: [ControlMessage] = [
        .leaseRequestWithStates(candidate: "n1", epoch: 7, request: 3),
        .grantedStates(voter: "n2", candidate: "n1", epoch: 7, request: 3, page: 0, pageCount: 1, states: []),
        .grantedStates(
            voter: "n2",
            candidate: "n1",
            epoch: 7,
            request: 3,
            page: 1,
            pageCount: 2,
            states: [state, other]
        ),
        .storeStates(controller: "n1", epoch: 7, from: 4, through: 9, states: [state]),
        .storeStates(controller: "n1", epoch: 7, from: 9, through: 9, states: []),
        .storeAck(voter: "n2", controller: "n1", epoch: 7, through: 9, stored: true, highestEpoch: 7),
        .storeAck(voter: "n3", controller: "n1", epoch: 6, through: 0, stored: false, highestEpoch: 8),
        .alterPartition(
            id: 12,
            origin: "n4",
            AlterPartitionRequest(
                partition: state.id,
                leaderEpoch: state.leaderEpoch,
                partitionEpoch: 9,
                isr: ["n4", "n6"]
            )
        ),
        .response(id: 12, error: .rejected("stale", reason: .fencedLeaderEpoch)),
        .response(id: 12, error: .rejected("stale", reason: .invalidUpdateVersion)),
        .response(id: 12, error: .rejected("dead", reason: .ineligibleReplica)),
        .response(id: 12, error: .rejected("which", reason: .unknownPartition)),
    ]

    @Test func everyMessageRoundTripsAndEveryTruncationIsRejected() throws {
        for message in Self.messages {
            let bytes = message.encoded()
            #expect(try ControlMessage(decoding: bytes) == message)
            for length in 0..<bytes.count {
                #expect(throws: DecodeError.self) { try ControlMessage(decoding: Array(bytes.prefix(length))) }
            }
            #expect(throws: DecodeError.self) { try ControlMessage(decoding: bytes + [0]) }
        }
    }

    @Test func mutationsDecodeExactlyOrThrowATypedError() {
        var rng = SeededRandom(seed: 12)
        var decoded = 0
        var refused = 0
        for round in 0..<4_000 {
            var bytes = Self.messages[round % Self.messages.count].encoded()
            bytes[Int.random(in: 2..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            do throws(DecodeError) {
                let message = try ControlMessage(decoding: bytes)
                decoded += 1
                #expect(message.encoded() == bytes, "round \(round): \(message)")
            } catch {
                refused += 1
            }
        }
        #expect(decoded > 100 && refused > 100)
    }

    @Test func malformedFieldsAreRefused() throws {
        func bytes(_ message: ControlMessage) -> [UInt8] { message.encoded() }
        // A page number at or beyond the page count.
        var page = bytes(
            .grantedStates(voter: "n2", candidate: "n1", epoch: 7, request: 3, page: 0, pageCount: 1, states: [])
        )
        let pageOffset = 3 + 4 + 4 + 8 + 8
        page[pageOffset + 3] = 1
        #expect(throws: DecodeError.invalidValue("state page number")) { try ControlMessage(decoding: page) }
        // A batch whose range runs backwards.
        let batch = bytes(.storeStates(controller: "n1", epoch: 7, from: 9, through: 4, states: []))
        #expect(throws: DecodeError.invalidValue("store batch range")) { try ControlMessage(decoding: batch) }
        // A stored flag other than 0 or 1.
        var ack = bytes(.storeAck(voter: "n2", controller: "n1", epoch: 7, through: 9, stored: true, highestEpoch: 7))
        ack[3 + 4 + 4 + 8 + 8] = 2
        #expect(throws: DecodeError.invalidValue("stored flag")) { try ControlMessage(decoding: ack) }
        // An ISR naming a member twice.
        let twice = bytes(
            .alterPartition(
                id: 1,
                origin: "n4",
                AlterPartitionRequest(
                    partition: Self.state.id,
                    leaderEpoch: .none,
                    partitionEpoch: 1,
                    isr: ["n4", "n4"]
                )
            )
        )
        #expect(throws: DecodeError.invalidValue("duplicate ISR member")) { try ControlMessage(decoding: twice) }
        // A state inside a batch that does not decode.
        var broken = bytes(.storeStates(controller: "n1", epoch: 7, from: 0, through: 1, states: [Self.state]))
        broken[3 + 4 + 8 + 8 + 8 + 2 + 2] = 9
        #expect(throws: DecodeError.unknownVersion(9)) { try ControlMessage(decoding: broken) }
    }

    @Test func pagesStayWithinTheBudgetAndKeepEveryState() {
        let states = (0..<50).map { index -> PartitionState in
            var state = Self.state
            state.id = PartitionID(topic: "orders", partition: index)
            return state
        }
        let pages = ControlMessage.pages(of: states)
        #expect(pages.count > 1)
        #expect(pages.flatMap { $0 } == states)
        for page in pages {
            #expect(!page.isEmpty)
            #expect(page.reduce(0) { $0 + $1.encoded().count + 4 } <= ControlMessage.statesBudget)
            let message = ControlMessage.storeStates(controller: "n1", epoch: 1, from: 0, through: 50, states: page)
            #expect(message.encoded().count < 1_300, "a page fits a gossip datagram with its sealing")
        }
        #expect(ControlMessage.pages(of: []) == [[]], "no states still make one (empty) page")
    }

    @Test func theVoterRecordRoundTripsAndRefusesCorruption() throws {
        let record = VoterRecord(
            grantedTo: "n1",
            grantedEpoch: 7,
            highestEpoch: 8,
            highestEpochOwner: "n2",
            storeEpoch: 7,
            storedThrough: 40,
            states: [Self.state.id: Self.state, Self.other.id: Self.other]
        )
        let bytes = record.encoded()
        #expect(try VoterRecord(decoding: bytes) == record)
        #expect(try VoterRecord(decoding: VoterRecord().encoded()) == VoterRecord())
        for length in 0..<bytes.count {
            #expect(throws: DecodeError.self) { try VoterRecord(decoding: Array(bytes.prefix(length))) }
        }
        var wrongFormat = bytes
        wrongFormat[0] = 2
        #expect(throws: DecodeError.unknownVersion(2)) { try VoterRecord(decoding: wrongFormat) }
    }

    /// A voter restored from its record refuses every epoch it granted before, even after the start-up quiet.
    @Test func aRestoredVoterRefusesTheEpochsItGranted() {
        let configuration = PartitionsConfiguration(voters: ["n1", "n2", "n3"])
        let record = VoterRecord(grantedTo: "n1", grantedEpoch: 7, highestEpoch: 7, highestEpochOwner: "n1")
        let restart = Timestamp.zero + .seconds(100)
        var voter = LeaseVoter(startedAt: restart, configuration: configuration, restoring: record)
        let later = restart + .seconds(10)
        let seven = voter.consider(candidate: "n2", epoch: 7, now: later, configuration: configuration)
        let six = voter.consider(candidate: "n2", epoch: 6, now: later, configuration: configuration)
        let eight = voter.consider(candidate: "n2", epoch: 8, now: later, configuration: configuration)
        #expect(!seven && !six && eight)
        var fresh = LeaseVoter(startedAt: restart, configuration: configuration)
        let forgotten = fresh.consider(candidate: "n2", epoch: 7, now: later, configuration: configuration)
        #expect(forgotten, "a voter without its record would grant epoch 7 again")
    }
}
