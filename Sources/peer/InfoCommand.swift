import ArgumentParser
import Foundation
import PeerRPC

/// `peer info`: the agent's own state and counters.
struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the agent's own state, member counts and protocol counters."
    )

    @OptionGroup var rpc: RPCOptions

    @Flag(help: "Print the raw /v1/info JSON.")
    var json = false

    func run() async throws {
        let client = try rpc.client()
        let reply = try await client.request(.GET, "/v1/info")
        try reply.checkSuccess(from: client.address)
        if json {
            FileHandle.standardOutput.write(Data(reply.body))
            return
        }
        guard let info = try? JSONDecoder().decode(InfoResponse.self, from: Data(reply.body)) else {
            throw RPCClientError.badResponse(address: client.address, reason: "unexpected response body")
        }
        print(Self.render(info))
    }

    static func render(_ info: InfoResponse) -> String {
        let counters = info.counters
        let rows: [(String, String)] = [
            ("name", info.name),
            ("address", info.address),
            ("incarnation", "\(info.incarnation)"),
            ("health score", "\(info.healthScore)"),
            ("joined", "\(info.joined)"),
            ("leaving", "\(info.leaving)"),
            ("roles", info.roles.isEmpty ? "-" : info.roles.joined(separator: ",")),
            (
                "tags",
                info.tags.isEmpty
                    ? "-" : info.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            ),
            ("uptime", String(format: "%.1fs", info.uptimeSeconds)),
            ("primary key", info.primaryKeyFingerprint),
            ("installed keys", "\(info.installedKeys)"),
            (
                "members",
                ["alive", "suspect", "dead", "left"].map { "\($0)=\(info.members[$0] ?? 0)" }.joined(separator: " ")
            ),
            ("datagrams sent", "\(counters.datagramsSent) (\(counters.bytesSent) bytes)"),
            ("datagrams received", "\(counters.datagramsReceived)"),
            ("decode errors", "\(counters.decodeErrors)"),
            ("probes", "\(counters.probes) (indirect \(counters.indirectProbes), failed \(counters.failedProbes))"),
            ("suspicions raised", "\(counters.suspicionsRaised)"),
            ("refutations", "\(counters.refutations)"),
            ("declared dead", "\(counters.membersDeclaredDead)"),
            ("push-pulls", "\(counters.pushPulls)"),
            ("join retries", "\(counters.joinRetries)"),
            ("streams rejected", "\(info.streamsRejected)"),
        ]
        let width = rows.map(\.0.count).max() ?? 0
        return rows.map { "\($0.0.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.1)" }
            .joined(separator: "\n")
    }
}
