import Foundation
import Gossip
import PeerNode
import Testing

/// A second agent started with a name already in use refuses to run, the running one logs the clash, and the
/// cluster keeps the running one's address.
@Suite("Duplicate names", .timeLimit(.minutes(1)))
struct DuplicateNameTests {
    @Test("an agent joining under a name in use exits with an error; the running one logs it")
    func duplicateNameIsRefused() async throws {
        let cluster = try TestCluster()
        let agents = try await cluster.start(count: 2)
        guard await cluster.waitUntilConverged(observers: agents, expected: agents) else { return }
        let original = agents[0]

        let duplicate = try TestAgent(
            name: original.name,
            key: cluster.key,
            seeds: [agents[1].gossip],
            directory: cluster.directory.appendingPathComponent("duplicate"),
            rpcTokenFile: cluster.rpcTokenFile
        )
        defer { duplicate.forceStop() }
        let exit = await duplicate.waitForExit(timeout: .seconds(20))
        #expect(exit != nil, "the duplicate is still running:\n\(duplicate.logTail())")
        #expect(exit?.reason == .exit && exit?.status != 0, "exit \(String(describing: exit))")
        let duplicateLog = duplicate.logTail(lines: 40)
        #expect(duplicateLog.contains("already runs as \(original.name)"), "\(duplicateLog)")

        await cluster.waitUntil("the original logs the clash", observers: agents) { _ in
            original.logTail(lines: 200).contains("claims this agent's name")
        }
        await cluster.waitUntil("node2 keeps the original's address", observers: agents) { views in
            views[agents[1].name]?.first { $0.name == original.name }?.address == original.gossip.description
        }
        #expect(original.isRunning)
    }
}
