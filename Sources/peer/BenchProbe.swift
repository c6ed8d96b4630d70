import Foundation
import Gossip
import PeerNode
import PeerRPC
import Primitives

/// Concurrent RPC reads of many agents for `peer bench`. Short timeouts keep one slow or dead agent from
/// stretching a polling round; each answer carries the instant it arrived, so figures are not rounded up to the
/// end of the round.
struct BenchProbe: Sendable {
    let addresses: [PeerAddress]
    /// The agents' RPC token, for creating topics.
    var token: String?

    /// One agent's member list and when it was received.
    struct View: Sendable {
        var received: ContinuousClock.Instant
        var members: [MemberView]

        /// Status of `name` in this view, nil when it is not listed.
        func status(of name: String) -> String? {
            members.first { $0.name == name }?.status
        }

        var aliveNames: Set<String> {
            Set(members.filter { $0.status == "alive" }.map(\.name))
        }
    }

    /// Member lists of the agents at `indices`, keyed by index; agents that did not answer are absent.
    func views(of indices: [Int]) async -> [Int: View] {
        await withTaskGroup(of: (Int, View?).self) { group in
            for index in indices {
                let client = Self.client(for: addresses[index])
                group.addTask {
                    let members = try? await client.call(.GET, "/v1/members", as: MembersResponse.self).members
                    return (index, members.map { View(received: .now, members: $0) })
                }
            }
            var views: [Int: View] = [:]
            for await (index, view) in group {
                if let view { views[index] = view }
            }
            return views
        }
    }

    /// UDP datagrams and bytes (sealed, as sent on the wire) each agent at `indices` has sent so far, from its
    /// Prometheus `/metrics`; agents that did not answer are absent.
    func sentTraffic(of indices: [Int]) async -> [Int: SentTraffic] {
        await withTaskGroup(of: (Int, SentTraffic?).self) { group in
            for index in indices {
                let client = Self.client(for: addresses[index])
                group.addTask {
                    guard let reply = try? await client.request(.GET, "/metrics"), reply.status == 200 else {
                        return (index, nil)
                    }
                    return (index, SentTraffic(prometheusText: String(decoding: reply.body, as: UTF8.self)))
                }
            }
            var traffic: [Int: SentTraffic] = [:]
            for await (index, sent) in group {
                if let sent { traffic[index] = sent }
            }
            return traffic
        }
    }

    /// Partition tables of the agents at `indices` with the instant each arrived; agents that did not answer are
    /// absent.
    func partitions(of indices: [Int]) async -> [Int: (received: ContinuousClock.Instant, partitions: [PartitionView])]
    {
        await withTaskGroup(of: (Int, [PartitionView]?, ContinuousClock.Instant).self) { group in
            for index in indices {
                let client = Self.client(for: addresses[index])
                group.addTask {
                    let table = try? await client.call(.GET, "/v1/partitions", as: PartitionsResponse.self).partitions
                    return (index, table, .now)
                }
            }
            var tables: [Int: (received: ContinuousClock.Instant, partitions: [PartitionView])] = [:]
            for await (index, table, received) in group {
                if let table { tables[index] = (received, table) }
            }
            return tables
        }
    }

    /// Asks agent `index` to create a topic (it forwards to the controller).
    func createTopic(at index: Int, name: String, partitions: Int, replicationFactor: Int) async throws {
        var client = Self.client(for: addresses[index])
        client.requestTimeout = .seconds(10)
        client.token = token
        _ = try await client.call(
            .POST,
            "/v1/topics",
            body: CreateTopicRequest(name: name, partitions: partitions, replicationFactor: replicationFactor),
            as: RequestDoneResponse.self
        )
    }

    private static func client(for address: PeerAddress) -> RPCClient {
        var client = RPCClient(address: address)
        client.connectTimeout = .milliseconds(500)
        client.requestTimeout = .seconds(2)
        return client
    }
}

/// Cumulative UDP send counters of one agent.
struct SentTraffic: Sendable {
    var datagrams: Double
    var bytes: Double

    /// Reads `peer_datagrams_sent_total` and `peer_bytes_sent_total` (summed over any labels); nil if either is absent.
    init?(prometheusText text: String) {
        var datagrams: Double?
        var bytes: Double?
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let value = Double(parts[1]) else { continue }
            let metric = parts[0].prefix { $0 != "{" }
            if metric == "peer_datagrams_sent_total" { datagrams = (datagrams ?? 0) + value }
            if metric == "peer_bytes_sent_total" { bytes = (bytes ?? 0) + value }
        }
        guard let datagrams, let bytes else { return nil }
        self.datagrams = datagrams
        self.bytes = bytes
    }
}
