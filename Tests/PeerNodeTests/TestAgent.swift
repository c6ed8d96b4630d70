import Foundation
import Gossip
import Primitives

/// One real `peer agent` child process on 127.0.0.1, with its stdout and stderr captured in `logFile`.
///
/// It is started with `--exit-with-parent`, so it goes away even if the test runner itself is killed; `deinit`
/// kills it too, so a failing expectation never leaks a process.
final class TestAgent {
    let name: String
    let gossip: PeerAddress
    let rpc: PeerAddress
    /// The Kafka listener, passed as `--kafka` when the agent is a broker.
    let kafka: PeerAddress
    let dataDirectory: URL
    let logFile: URL
    private let process: Process

    /// Fast timings on top of the `local` profile, so joins, failures and leaves settle within a second or two.
    /// Agents that join at the same moment can miss each other's `alive` gossip (it is retransmitted only a few
    /// times in a small cluster) and then meet at the next push-pull, 15 s away in `local`; 2 s keeps tests short.
    static let fastTiming = [
        "--profile", "local", "--probe-interval", "200", "--probe-timeout", "100", "--gossip-interval", "50",
        "--suspicion-mult", "2", "--push-pull-interval", "2000",
    ]

    /// Launches the agent on fresh free ports; it is not necessarily listening yet when this returns.
    /// - Parameter extraArguments: more `peer agent` flags (roles, voters, lease timing).
    /// - Parameter rpcTokenFile: the file holding the RPC token changes need; nil leaves the RPC read-only.
    init(
        name: String,
        key: String,
        seeds: [PeerAddress],
        directory: URL,
        rpcTokenFile: URL? = nil,
        extraArguments: [String] = []
    ) throws {
        self.name = name
        gossip = PeerAddress(host: "127.0.0.1", port: try FreePort.next())
        rpc = PeerAddress(host: "127.0.0.1", port: try FreePort.next())
        kafka = PeerAddress(host: "127.0.0.1", port: try FreePort.next())
        let dataDirectory = directory.appendingPathComponent(name)
        self.dataDirectory = dataDirectory
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        logFile = dataDirectory.appendingPathComponent("agent-\(gossip.port).log")
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil) else {
            throw TestAgentError("cannot create \(logFile.path)")
        }
        let log = try FileHandle(forWritingTo: logFile)
        defer { try? log.close() }

        var arguments = [
            "agent", "--name", name, "--bind", gossip.description, "--rpc", rpc.description, "--key", key,
            "--data-dir", dataDirectory.path, "--exit-with-parent",
        ]
        if let rpcTokenFile { arguments += ["--rpc-token-file", rpcTokenFile.path] }
        arguments += Self.fastTiming + extraArguments
        if zip(extraArguments, extraArguments.dropFirst()).contains(where: { $0 == "--roles" && $1.contains("broker") }),
            !extraArguments.contains("--kafka")
        {
            arguments += ["--kafka", kafka.description]
        }
        for seed in seeds { arguments += ["--seed", seed.description] }

        process = Process()
        process.executableURL = try PeerBinary.url()
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    deinit {
        forceStop()
    }

    var isRunning: Bool { process.isRunning }
    var processIdentifier: Int32 { process.processIdentifier }

    /// Sends `signal` (e.g. SIGKILL to simulate a crash) if the agent is still running.
    func send(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// SIGKILL and reap; safe to call repeatedly.
    func forceStop() {
        send(SIGKILL)
        process.waitUntilExit()
    }

    /// Waits up to `timeout` for the process to exit; nil if it is still running then.
    func waitForExit(timeout: Duration) async -> (reason: Process.TerminationReason, status: Int32)? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return (process.terminationReason, process.terminationStatus)
    }

    /// The last `lines` lines of the agent's log, for failure reports.
    func logTail(lines: Int = 15) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? "(log unreadable)"
        let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
        return tail.joined(separator: "\n")
    }
}

struct TestAgentError: Error, CustomStringConvertible {
    var description: String

    init(_ description: String) {
        self.description = description
    }
}
