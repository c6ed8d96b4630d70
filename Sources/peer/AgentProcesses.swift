import Foundation
import Sealing

/// What `peer dev` and `peer bench` share about running local `peer agent` children: the key file, the command line
/// of one node, spawning with a log file, and stopping (SIGTERM for a graceful leave, then SIGKILL).
enum AgentProcesses {
    /// Writes a freshly generated cluster key, readable by the owner only, unless the file exists.
    static func writeKeyFile(_ keyFile: URL) throws {
        guard !FileManager.default.fileExists(atPath: keyFile.path) else { return }
        guard
            FileManager.default.createFile(
                atPath: keyFile.path,
                contents: Data((ClusterKey.generate().base64 + "\n").utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else {
            throw AgentProcessError("cannot write \(keyFile.path)")
        }
    }

    /// The RPC token of the cluster in `directory`: read from `rpc.token` there, or generated into it (owner-only),
    /// so `peer dev` and `peer bench` can make changes through their agents' RPC.
    static func rpcToken(in directory: URL) throws -> (file: URL, token: String) {
        let file = directory.appendingPathComponent("rpc.token")
        if let contents = FileManager.default.contents(atPath: file.path),
            let text = String(data: contents, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !text.isEmpty
        {
            return (file, text)
        }
        let token = Secrets.generateToken()
        guard
            FileManager.default.createFile(
                atPath: file.path,
                contents: Data((token + "\n").utf8),
                attributes: [.posixPermissions: 0o600]
            )
        else {
            throw AgentProcessError("cannot write \(file.path)")
        }
        return (file, token)
    }

    /// The `peer agent` arguments of `node`: a broker joining through `seed`, with the controller `voters` if any.
    static func arguments(
        for node: DevNode,
        keyFile: URL,
        tokenFile: URL,
        profile: String,
        voters: [String],
        seed: DevNode?,
        extra: [String] = []
    ) -> [String] {
        var arguments = [
            "agent", "--name", node.name, "--bind", node.gossip.description, "--rpc", node.rpc.description,
            "--key-file", keyFile.path, "--rpc-token-file", tokenFile.path, "--data-dir", node.directory.path,
            "--profile", profile,
            "--roles", "broker", "--kafka", node.kafka.description, "--exit-with-parent",
        ]
        if !voters.isEmpty { arguments += ["--voters", voters.joined(separator: ",")] }
        if let seed { arguments += ["--seed", seed.gossip.description] }
        return arguments + extra
    }

    /// Spawns `executable` with stdout and stderr going to a fresh `logFile` (its data directory is created).
    static func spawn(_ executable: URL, arguments: [String], node: DevNode) throws -> Process {
        try FileManager.default.createDirectory(at: node.directory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: node.logFile.path, contents: nil) else {
            throw AgentProcessError("cannot create \(node.logFile.path)")
        }
        let log = try FileHandle(forWritingTo: node.logFile)
        defer { try? log.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// SIGTERM to every child still running, then SIGKILL to any still there after `timeout`; reaps them all.
    static func stop(_ children: [Process], timeout: Duration) async {
        for process in children where process.isRunning {
            kill(process.processIdentifier, SIGTERM)
        }
        let deadline = ContinuousClock.now + timeout
        while children.contains(where: \.isRunning), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        killAll(children)
    }

    /// SIGKILL to every child still running, and reap them all.
    static func killAll(_ children: [Process]) {
        for process in children where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        for process in children {
            process.waitUntilExit()
        }
    }

    /// A fresh private directory under the system's temporary folder, named `prefix-XXXXXX`.
    static func makeTemporaryDirectory(prefix: String) throws -> URL {
        var template = Array(
            FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-XXXXXX").path.utf8CString
        )
        guard let created = mkdtemp(&template) else {
            throw AgentProcessError("cannot create a temporary directory")
        }
        return URL(fileURLWithPath: String(cString: created))
    }

    /// The running `peer` binary, so children run exactly this build.
    static func currentExecutable() throws -> URL {
        guard let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            throw AgentProcessError("cannot resolve /proc/self/exe")
        }
        return URL(fileURLWithPath: resolved)
    }

    /// The last line an agent logged, without the CLI's own `peer: ` prefix.
    static func lastLine(of file: URL) -> String {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        guard let last = text.split(separator: "\n").last else { return "no output (see \(file.path))" }
        return last.hasPrefix("peer: ") ? String(last.dropFirst(6)) : String(last)
    }
}

struct AgentProcessError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
