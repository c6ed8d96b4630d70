import Foundation
import Gossip
import PeerNode
import Sealing

/// One agent of a dev cluster.
struct DevNode: Sendable {
    var name: String
    var gossip: PeerAddress
    var rpc: PeerAddress
    var directory: URL

    var logFile: URL { directory.appendingPathComponent("agent.log") }
}

/// Real `peer agent` child processes on 127.0.0.1 for local experiments, sharing a freshly generated key.
///
/// Children are started with `--exit-with-parent`, so even if this process is killed outright they leave and
/// exit on their own; `stop()` is the normal path: SIGTERM (graceful leave), then SIGKILL after a timeout.
final class DevCluster {
    let nodes: [DevNode]
    let directory: URL
    private var processes: [Process] = []

    /// How long children get to leave gracefully before they are killed.
    static let stopTimeout: Duration = .seconds(5)

    /// Node `i` (0-based) gossips on `basePort + i` and serves RPC on `basePort + count + i`.
    init(count: Int, basePort: Int, directory: URL) {
        self.directory = directory
        nodes = (0..<count).map { index in
            DevNode(
                name: "node\(index + 1)",
                gossip: PeerAddress(host: "127.0.0.1", port: UInt16(basePort + index)),
                rpc: PeerAddress(host: "127.0.0.1", port: UInt16(basePort + count + index)),
                directory: directory.appendingPathComponent("node\(index + 1)")
            )
        }
    }

    /// Writes the key and starts every agent; each joins through the first node only. On failure every child
    /// already started is stopped before the error is thrown.
    func launch(executable: URL, profile: String) async throws {
        let keyFile = directory.appendingPathComponent("cluster.key")
        guard
            FileManager.default.createFile(
                atPath: keyFile.path,
                contents: Data((ClusterKey.generate().base64 + "\n").utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else {
            throw DevClusterError("cannot write \(keyFile.path)")
        }
        do {
            for (index, node) in nodes.enumerated() {
                try FileManager.default.createDirectory(at: node.directory, withIntermediateDirectories: true)
                // Every node is a broker; the first three are the controller voters.
                let voters = nodes.prefix(3).map(\.name).joined(separator: ",")
                var arguments = [
                    "agent", "--name", node.name, "--bind", node.gossip.description, "--rpc", node.rpc.description,
                    "--key-file", keyFile.path, "--data-dir", node.directory.path, "--profile", profile,
                    "--roles", "broker", "--voters", voters, "--exit-with-parent",
                ]
                if index > 0 { arguments += ["--seed", nodes[0].gossip.description] }
                try start(executable: executable, arguments: arguments, logFile: node.logFile)
            }
            // Catch immediate failures such as a port in use.
            try await Task.sleep(for: .milliseconds(500))
            for (node, process) in zip(nodes, processes) where !process.isRunning {
                throw DevClusterError("\(node.name) exited at startup: \(Self.lastLine(of: node.logFile))")
            }
        } catch {
            await stop()
            throw error
        }
    }

    /// SIGTERM to every child still running, then SIGKILL to any that has not exited after `stopTimeout`.
    func stop() async {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        let deadline = ContinuousClock.now + Self.stopTimeout
        while processes.contains(where: \.isRunning), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        for process in processes {
            process.waitUntilExit()
        }
        processes.removeAll()
    }

    private func start(executable: URL, arguments: [String], logFile: URL) throws {
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil) else {
            throw DevClusterError("cannot create \(logFile.path)")
        }
        let log = try FileHandle(forWritingTo: logFile)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        processes.append(process)
    }

    private static func lastLine(of file: URL) -> String {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        guard let last = text.split(separator: "\n").last else { return "no output (see \(file.path))" }
        // The child's own one-line error already carries the `peer: ` prefix.
        return last.hasPrefix("peer: ") ? String(last.dropFirst(6)) : String(last)
    }
}

struct DevClusterError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
