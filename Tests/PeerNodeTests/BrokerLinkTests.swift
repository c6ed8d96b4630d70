import Foundation
import Gossip
import KafkaProtocol
import LocalCluster
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Partitions
import Primitives
import Sealing
import Testing

@testable import PeerNode

/// Broker links over real loopback sockets: a client `BrokerLink` (or a hand-driven raw socket) against an
/// in-process broker agent, whose gossip TCP listener accepts the link.
@Suite("Broker links", .timeLimit(.minutes(2)))
struct BrokerLinkTests {
    /// An in-process agent that serves Kafka (and therefore links), with its own data directory.
    final class Broker {
        let agent: PeerAgent
        let name: String
        let gossip: PeerAddress
        let directory: String

        /// - Parameter port: the gossip port to bind; nil picks a free one.
        ///   - controller: also the only controller voter (a 1 s lease), so topics can be created.
        init(name: String, keyring: Keyring, port: UInt16? = nil, controller: Bool = false) async throws {
            self.name = name
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("link-\(UUID())").path
            var lastError: (any Error)?
            for _ in 0..<5 {
                let gossip = PeerAddress(host: "127.0.0.1", port: try port ?? FreePort.next())
                let configuration = AgentConfiguration(
                    name: name,
                    bind: gossip,
                    rpcAddress: nil,
                    keyring: keyring,
                    partitions: PartitionsConfiguration(
                        voters: controller ? [name] : [],
                        leaseDuration: .seconds(1),
                        renewInterval: .milliseconds(250)
                    ),
                    metadata: NodeMetadata(roles: controller ? ["broker", "controller"] : ["broker"]),
                    dataDirectory: directory,
                    kafka: KafkaListenerConfiguration(bind: PeerAddress(host: "127.0.0.1", port: try FreePort.next()))
                )
                do {
                    var logger = Logger(label: "broker-link-test")
                    logger.logLevel = .warning
                    agent = try await PeerAgent.start(configuration: configuration, logger: logger)
                    self.gossip = gossip
                    return
                } catch {
                    // Another process took a port between picking and binding it: try fresh ones.
                    lastError = error
                }
            }
            throw lastError ?? RawConnectionError("cannot start a broker")
        }

        func stop() async {
            await agent.stop()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    static let eventLoop = MultiThreadedEventLoopGroup.singleton.next()

    static func apiVersionsRequest(correlationId: Int32) -> [UInt8] {
        KafkaCodec.encodeRequest(
            .apiVersions(ApiVersionsRequest()),
            version: 3,
            correlationId: correlationId,
            clientId: "link-test"
        )
    }

    /// Decodes an ApiVersions reply and checks it is a real answer to `correlationId`.
    static func expectApiVersions(_ reply: [UInt8], correlationId: Int32) throws {
        let (received, response) = try KafkaCodec.decodeResponse(apiKey: .apiVersions, version: 3, frame: reply)
        #expect(received == correlationId)
        guard case .apiVersions(let versions) = response else {
            Issue.record("not an ApiVersions response: \(response)")
            return
        }
        #expect(versions.errorCode == .noError)
        #expect(versions.apiKeys.contains { $0.apiKey == ApiKey.fetch.rawValue })
    }

    static func link(to broker: Broker, from name: String = "follower", keyring: Keyring) -> BrokerLink {
        BrokerLink(to: broker.name, at: broker.gossip, from: name, keyring: { keyring }, on: eventLoop)
    }

    @Test("ApiVersions round trips over a sealed link, many in flight at once, each matched to its request")
    func roundTrip() async throws {
        let keyring = Keyring(primary: ClusterKey.generate())
        let broker = try await Broker(name: "leader", keyring: keyring)
        let link = Self.link(to: broker, keyring: keyring)

        let first = try await link.send(Self.apiVersionsRequest(correlationId: 1))
        try Self.expectApiVersions(first, correlationId: 1)
        #expect(try await link.isConnected().get())

        let futures = (2...41).map { id in (Int32(id), link.send(Self.apiVersionsRequest(correlationId: Int32(id)))) }
        for (id, future) in futures {
            try Self.expectApiVersions(try await future.get(), correlationId: id)
        }

        link.close()
        await #expect(throws: BrokerLinkError.stopped) {
            try await link.send(Self.apiVersionsRequest(correlationId: 99))
        }
        await broker.stop()
    }

    @Test("a replayed or reordered link frame is rejected and the link closed")
    func replayAndReorderCloseTheLink() async throws {
        let keyring = Keyring(primary: ClusterKey.generate())
        let broker = try await Broker(name: "leader", keyring: keyring)

        // Replay: the first request is answered; the same sealed frame sent again closes the connection.
        var (connection, session) = try Self.handshake(with: broker, keyring: keyring)
        let request = Self.apiVersionsRequest(correlationId: 5)
        let sealed = Framing.frame(session.sender.seal(request))
        connection.send(sealed)
        let reply = try #require(Self.readPlaintext(from: connection, session: &session))
        try Self.expectApiVersions(Array(reply.dropFirst(4)), correlationId: 5)
        connection.send(sealed)
        #expect(connection.readToEnd().isEmpty, "a replayed frame was answered")
        #expect(connection.isClosedByPeer)

        // Reorder: the second frame arrives first; nothing is answered and the connection is closed.
        (connection, session) = try Self.handshake(with: broker, keyring: keyring)
        let frame0 = Framing.frame(session.sender.seal(Self.apiVersionsRequest(correlationId: 6)))
        let frame1 = Framing.frame(session.sender.seal(Self.apiVersionsRequest(correlationId: 7)))
        connection.send(frame1)
        connection.send(frame0)
        #expect(connection.readToEnd().isEmpty, "a reordered frame was answered")
        #expect(connection.isClosedByPeer)

        // A link keeps working meanwhile: the rejection was per connection.
        let link = Self.link(to: broker, keyring: keyring)
        try Self.expectApiVersions(try await link.send(Self.apiVersionsRequest(correlationId: 8)), correlationId: 8)
        link.close()
        await broker.stop()
    }

    @Test("a peer with another cluster key, or a hello meant for another node, fails the handshake")
    func wrongKeyFailsHandshake() async throws {
        let keyring = Keyring(primary: ClusterKey.generate())
        let broker = try await Broker(name: "leader", keyring: keyring)

        let stranger = Self.link(to: broker, keyring: Keyring(primary: ClusterKey.generate()))
        await Self.expectHandshakeFailure { try await stranger.send(Self.apiVersionsRequest(correlationId: 1)) }
        #expect(try await !stranger.isConnected().get())
        stranger.close()

        // The right key, but sealed for a node named otherwise: it does not open at this one.
        let misdirected = BrokerLink(
            to: "someone-else",
            at: broker.gossip,
            from: "follower",
            keyring: { keyring },
            on: Self.eventLoop
        )
        await Self.expectHandshakeFailure { try await misdirected.send(Self.apiVersionsRequest(correlationId: 2)) }
        misdirected.close()

        // The control: the same broker answers a link with the right key and name.
        let link = Self.link(to: broker, keyring: keyring)
        try Self.expectApiVersions(try await link.send(Self.apiVersionsRequest(correlationId: 3)), correlationId: 3)
        link.close()
        await broker.stop()
    }

    @Test("thousands of datagrams from the follower's key holder do not get link frames rejected")
    func datagramVolumeDoesNotRejectLinkFrames() async throws {
        let keyring = Keyring(primary: ClusterKey.generate())
        let broker = try await Broker(name: "leader", keyring: keyring)
        let link = Self.link(to: broker, keyring: keyring)
        try Self.expectApiVersions(try await link.send(Self.apiVersionsRequest(correlationId: 1)), correlationId: 1)

        // One sender pushes far more datagrams than the sealer's replay window (1024 sequences) holds, while link
        // requests are in flight: a link frame checked against that window would now be "too far behind".
        var sealer = Sealer(keyring: keyring, senderID: .random(in: .min ... .max))
        var random = SystemRandomNumberGenerator()
        // What the issue warns of: a stream frame sealed by the same sealer before the flood, opened after it by a
        // receiver that saw the flood, is refused. Link frames are not subject to that window.
        var receiver = Sealer(keyring: keyring, senderID: 0)
        let early = sealer.seal([1], nowMillis: Int64(Date().timeIntervalSince1970 * 1000), using: &random)
        var inFlight: [(Int32, EventLoopFuture<[UInt8]>)] = []
        for index in 0..<3 * ReplayGuard.windowSize {
            let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
            let datagram = sealer.seal(
                [0xFF, UInt8(truncatingIfNeeded: index)],
                to: broker.gossip.description,
                nowMillis: nowMillis,
                using: &random
            )
            try RawConnection.sendDatagram(datagram, to: broker.gossip.port)
            _ = try receiver.open(datagram, at: [broker.gossip.description], nowMillis: nowMillis)
            if index.isMultiple(of: 256) {
                let id = Int32(100 + index / 256)
                inFlight.append((id, link.send(Self.apiVersionsRequest(correlationId: id))))
            }
        }
        for (id, future) in inFlight {
            try Self.expectApiVersions(try await future.get(), correlationId: id)
        }
        #expect(throws: SealingError.replayed) {
            try receiver.open(early, nowMillis: Int64(Date().timeIntervalSince1970 * 1000))
        }

        // The control: the broker opens that sender's datagrams (a ghost it announces, sealed with the newest
        // sequence, is listed; resent until one gets through the flooded socket buffer).
        let ghost = WireFormat.datagram([
            WireFormat.encode(
                .alive(
                    AliveUpdate(
                        name: "ghost",
                        incarnation: 1,
                        address: PeerAddress(host: "127.0.0.1", port: 9),
                        metadata: NodeMetadata()
                    )
                )
            )
        ])
        let deadline = ContinuousClock.now + .seconds(20)
        var names: [String] = []
        while !names.contains("ghost"), ContinuousClock.now < deadline {
            let nowMillis = Int64(Date().timeIntervalSince1970 * 1000)
            try RawConnection.sendDatagram(
                sealer.seal(ghost, to: broker.gossip.description, nowMillis: nowMillis, using: &random),
                to: broker.gossip.port
            )
            try await Task.sleep(for: .milliseconds(100))
            names = try await broker.agent.members().map(\.name)
        }
        #expect(names.contains("ghost"), "the broker did not accept the flooding sender's datagrams")

        try Self.expectApiVersions(try await link.send(Self.apiVersionsRequest(correlationId: 2)), correlationId: 2)
        link.close()
        await broker.stop()
    }

    @Test("a link whose peer went away fails its requests, then reconnects once the peer is back")
    func reconnects() async throws {
        let keyring = Keyring(primary: ClusterKey.generate())
        let first = try await Broker(name: "leader", keyring: keyring)
        let link = Self.link(to: first, keyring: keyring)
        try Self.expectApiVersions(try await link.send(Self.apiVersionsRequest(correlationId: 1)), correlationId: 1)
        await first.stop()

        // Nobody listens now: requests fail (the connection was lost, or the reconnect was refused).
        await #expect(throws: BrokerLinkError.self) {
            try await link.send(Self.apiVersionsRequest(correlationId: 2))
        }
        // The connection is dropped (its close is noticed just after the request fails).
        var connected = true
        let closeDeadline = ContinuousClock.now + .seconds(10)
        while connected, ContinuousClock.now < closeDeadline {
            connected = try await link.isConnected().get()
            if connected { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(!connected)

        // The peer restarts at the same address: the same link reconnects after its backoff.
        let second = try await Broker(name: "leader", keyring: keyring, port: first.gossip.port)
        var answered = false
        let deadline = ContinuousClock.now + .seconds(20)
        var id: Int32 = 10
        while !answered, ContinuousClock.now < deadline {
            id += 1
            if let reply = try? await link.send(Self.apiVersionsRequest(correlationId: id)) {
                try Self.expectApiVersions(reply, correlationId: id)
                answered = true
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        #expect(answered, "the link did not reconnect")
        link.close()
        await second.stop()
    }

    @Test("the registry resolves a member's address, keeps one link per member, and fails unknown names")
    func registry() async throws {
        let keyring = Keyring(primary: ClusterKey.generate())
        let broker = try await Broker(name: "leader", keyring: keyring)
        let address = NIOLockedValueBox(broker.gossip)
        let links = BrokerLinks(
            localName: "follower",
            keyring: { keyring },
            resolve: { $0 == "leader" ? address.withLockedValue { $0 } : nil },
            on: Self.eventLoop
        )
        let reply = try await links.send(Self.apiVersionsRequest(correlationId: 4), to: "leader")
        try Self.expectApiVersions(reply, correlationId: 4)
        let first = try await Self.eventLoop.submit { links.link(to: "leader") }.get()
        let same = try await Self.eventLoop.submit { links.link(to: "leader") === first }.get()
        #expect(same)
        await #expect(throws: BrokerLinkError.unknownNode("nobody")) {
            try await links.send(Self.apiVersionsRequest(correlationId: 5), to: "nobody")
        }
        await #expect(throws: BrokerLinkError.unknownNode("follower")) {
            try await links.send(Self.apiVersionsRequest(correlationId: 5), to: "follower")
        }

        // Gossip now has the member at another address (it restarted elsewhere): the old link is replaced.
        let moved = try await Broker(name: "leader", keyring: keyring)
        address.withLockedValue { $0 = moved.gossip }
        try Self.expectApiVersions(
            try await links.send(Self.apiVersionsRequest(correlationId: 6), to: "leader"),
            correlationId: 6
        )
        let replaced = try await Self.eventLoop.submit { links.link(to: "leader") }.get()
        #expect(replaced !== first)
        #expect(replaced?.address == moved.gossip)
        await #expect(throws: BrokerLinkError.stopped) {
            try await first?.send(Self.apiVersionsRequest(correlationId: 7))
        }

        links.closeAll()
        await #expect(throws: BrokerLinkError.stopped) {
            try await links.send(Self.apiVersionsRequest(correlationId: 8), to: "leader")
        }
        await moved.stop()
        await broker.stop()
    }

    static func expectHandshakeFailure(_ body: () async throws -> [UInt8]) async {
        do {
            _ = try await body()
            Issue.record("the request was answered")
        } catch BrokerLinkError.handshakeFailed {
        } catch {
            Issue.record("expected a failed handshake, got \(error)")
        }
    }

    // MARK: A hand-driven link over a raw socket

    /// Connects to the broker's gossip port and runs the client handshake by hand.
    static func handshake(with broker: Broker, keyring: Keyring) throws -> (RawConnection, LinkSession) {
        let connection = try RawConnection(port: broker.gossip.port)
        var random = SystemRandomNumberGenerator()
        let (hello, pending) = try LinkHandshake.start(
            from: "raw-follower",
            to: broker.name,
            keyring: keyring,
            using: &random
        )
        connection.send(Framing.frame(hello))
        let serverHello = try #require(readFrame(from: connection))
        return (connection, try pending.finish(serverHello))
    }

    static func readFrame(from connection: RawConnection) -> [UInt8]? {
        guard let prefix = connection.read(exactly: 4) else { return nil }
        let length = prefix.reduce(0) { $0 << 8 | Int($1) }
        return connection.read(exactly: length)
    }

    /// One link frame, opened: a Kafka response (size prefix included) fits in one frame.
    static func readPlaintext(from connection: RawConnection, session: inout LinkSession) throws -> [UInt8]? {
        guard let frame = readFrame(from: connection) else { return nil }
        return try session.receiver.open(frame)
    }
}
