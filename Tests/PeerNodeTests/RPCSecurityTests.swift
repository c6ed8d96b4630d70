import Foundation
import Gossip
import PeerNode
import PeerRPC
import Sealing
import Testing

/// The RPC endpoint against an outsider on the same machine or a web page in a browser: no key material comes
/// back, nothing changes without the token, foreign Host and Origin headers are refused, and a slow request is
/// cut off.
@Suite("RPC access control", .timeLimit(.minutes(1)))
struct RPCSecurityTests {
    @Test("the keyring lists fingerprints, never the key itself")
    func keyringShowsOnlyFingerprints() async throws {
        let cluster = try TestCluster()
        let agent = try #require(try await cluster.start(count: 1).first)
        let reply = try await TestCluster.client(for: agent.rpc, token: cluster.rpcToken).request(.GET, "/v1/keyring")
        try reply.checkSuccess(from: agent.rpc)
        let body = String(decoding: reply.body, as: UTF8.self)
        let key = try ClusterKey(base64: cluster.key)
        #expect(!body.contains(cluster.key), "the key itself came back: \(body)")
        #expect(!body.contains(cluster.key.replacingOccurrences(of: "/", with: "\\/")), "\(body)")
        #expect(body.contains(key.fingerprint), "no fingerprint in \(body)")
    }

    @Test("every change and the keyring are refused without the right token, and nothing changes")
    func changesNeedTheToken() async throws {
        let cluster = try TestCluster()
        let agent = try #require(try await cluster.start(count: 1).first)
        let intruderKey = ClusterKey.generate().base64
        let keyBody = Array(#"{"key":"\#(intruderKey)"}"#.utf8)
        let posts: [(String, [UInt8]?)] = [
            ("/v1/keyring/install", keyBody),
            ("/v1/keyring/use", keyBody),
            ("/v1/keyring/remove", keyBody),
            ("/v1/topics", Array(#"{"name":"t","partitions":1,"replicationFactor":1}"#.utf8)),
            ("/v1/partitions/elect-preferred", nil),
            ("/v1/leave", nil),
        ]
        for token in [nil, "wrong-token-of-enough-length"] {
            let client = TestCluster.client(for: agent.rpc, token: token)
            let list = try await client.request(.GET, "/v1/keyring")
            #expect(list.status == 401, "GET /v1/keyring with token \(token ?? "none") got \(list.status)")
            for (path, body) in posts {
                let reply = try await client.request(.POST, path, body: body)
                #expect(reply.status == 401, "POST \(path) with token \(token ?? "none") got \(reply.status)")
            }
        }
        let info = try await TestCluster.client(for: agent.rpc).call(.GET, "/v1/info", as: InfoResponse.self)
        #expect(info.primaryKeyFingerprint == (try ClusterKey(base64: cluster.key)).fingerprint)
        #expect(info.installedKeys == 1)
        #expect(agent.isRunning)
        let keyringFile = cluster.directory.appendingPathComponent("node1/keyring.json")
        let stored = try Keyring(json: Array(Data(contentsOf: keyringFile)))
        #expect(stored.keys.map(\.base64) == [cluster.key])
    }

    @Test("an agent without a token serves reads but refuses every change")
    func noTokenMeansReadOnly() async throws {
        let cluster = try TestCluster()
        let agent = try await cluster.startOutsider(name: "solo", key: cluster.key, seeds: [], withToken: false)
        let client = TestCluster.client(for: agent.rpc, token: "any-token-at-all-1234")
        let members = try await client.request(.GET, "/v1/members")
        #expect(members.status == 200)
        let leave = try await client.request(.POST, "/v1/leave")
        #expect(leave.status == 403)
        #expect(agent.isRunning)
    }

    @Test("a foreign Host, a browser Origin and a non-JSON POST are refused")
    func browsersAndRebindingAreRefused() async throws {
        let cluster = try TestCluster()
        let agent = try #require(try await cluster.start(count: 1).first)
        let port = agent.rpc.port
        let auth = "Authorization: Bearer \(cluster.rpcToken)\r\n"
        let ok = try RawConnection.httpStatus(
            port: port,
            request: "GET /v1/members HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n"
        )
        #expect(ok == 200)
        let rebound = try RawConnection.httpStatus(
            port: port,
            request: "GET /v1/members HTTP/1.1\r\nHost: attacker.example:\(port)\r\nConnection: close\r\n\r\n"
        )
        #expect(rebound == 403)
        let noHost = try RawConnection.httpStatus(port: port, request: "GET /v1/members HTTP/1.0\r\n\r\n")
        #expect(noHost == 403)
        let crossSite = try RawConnection.httpStatus(
            port: port,
            request: "POST /v1/leave HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nOrigin: http://attacker.example\r\n"
                + auth + "Content-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
        #expect(crossSite == 403)
        let plainText = try RawConnection.httpStatus(
            port: port,
            request: "POST /v1/leave HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n" + auth
                + "Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}"
        )
        #expect(plainText == 415)
        #expect(agent.isRunning)
    }

    @Test("RPC connections beyond the limit are closed at once, and the RPC serves again when they go")
    func connectionsAreCapped() async throws {
        let cluster = try TestCluster()
        let agent = try #require(try await cluster.start(count: 1).first)
        let limit = RPCLimits().maxConnections
        var held: [RawConnection] = []
        for _ in 0..<(limit + 8) { held.append(try RawConnection(port: agent.rpc.port)) }
        try await Task.sleep(for: .milliseconds(500))
        let closed = held.filter(\.isClosedByPeer).count
        #expect(closed >= 8, "\(closed) of \(held.count) idle connections were closed")
        #expect(closed < held.count, "every connection was closed, not just those over the limit")
        held.removeAll()
        let members = await PartitionsIntegrationTests.eventually(timeout: .seconds(10)) {
            (try? await TestCluster.client(for: agent.rpc).request(.GET, "/v1/members").status) == 200
        }
        #expect(members)
    }

    @Test("malformed requests are 400, a wrong method 405")
    func statusCodesSayWhatWentWrong() async throws {
        let cluster = try TestCluster()
        let agent = try #require(try await cluster.start(count: 1).first)
        let client = TestCluster.client(for: agent.rpc, token: cluster.rpcToken)
        let zero = try await client.request(
            .POST,
            "/v1/topics",
            body: Array(#"{"name":"t","partitions":0,"replicationFactor":1}"#.utf8)
        )
        #expect(zero.status == 400)
        let badName = try await client.request(
            .POST,
            "/v1/topics",
            body: Array(#"{"name":"no spaces","partitions":1,"replicationFactor":1}"#.utf8)
        )
        #expect(badName.status == 400)
        let garbage = try await client.request(.POST, "/v1/topics", body: Array("{".utf8))
        #expect(garbage.status == 400)
        let wrongMethod = try await client.request(.DELETE, "/v1/topics")
        #expect(wrongMethod.status == 405)
    }

    @Test("a request body sent one byte at a time is cut off")
    func slowBodyIsCutOff() async throws {
        let cluster = try TestCluster()
        let agent = try #require(try await cluster.start(count: 1).first)
        let connection = try RawConnection(port: agent.rpc.port)
        let bodyLength = 10_000
        connection.send(
            "POST /v1/topics HTTP/1.1\r\nHost: \(agent.rpc)\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer \(cluster.rpcToken)\r\nContent-Length: \(bodyLength)\r\n\r\n"
        )
        // One byte every 200 ms resets any idle timer; only a bound on the whole request ends it. Sending the
        // whole body this way would take over half an hour.
        var sent = 0
        let giveUp = ContinuousClock.now + .seconds(40)
        while ContinuousClock.now < giveUp, sent < bodyLength, !connection.isClosedByPeer {
            guard connection.send([UInt8(ascii: " ")]) else { break }
            sent += 1
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(sent < bodyLength)
        #expect(connection.isClosedByPeer || !connection.send([UInt8(ascii: " ")]), "still open after \(sent) bytes")
        #expect(agent.isRunning)
    }
}
