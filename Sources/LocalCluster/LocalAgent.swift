import Foundation
import Gossip
import PeerRPC
import Primitives

/// One running `peer agent` child process, with its stdout and stderr captured in its node's log file.
///
/// `deinit` kills it, so a dropped agent (a failed test, say) never outlives its owner; children also run with
/// `--exit-with-parent`, so they go away even when the parent is killed outright.
public final class LocalAgent: @unchecked Sendable {
    public let node: LocalNode
    private let process: Process

    /// Starts `executable` with `arguments` (usually an `AgentCommandLine`'s), creating the node's data directory and
    /// a fresh log file. The agent is not necessarily listening yet when this returns (see `waitUntilReady`).
    public init(executable: URL, arguments: [String], node: LocalNode) throws {
        self.node = node
        try FileManager.default.createDirectory(at: node.directory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: node.logFile.path, contents: nil) else {
            throw LocalClusterError("cannot create \(node.logFile.path)")
        }
        let log = try FileHandle(forWritingTo: node.logFile)
        defer { try? log.close() }
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    deinit {
        forceStop()
    }

    public var name: String { node.name }
    public var gossip: PeerAddress { node.gossip }
    public var rpc: PeerAddress { node.rpc }
    public var kafka: PeerAddress { node.kafka }
    public var dataDirectory: URL { node.directory }
    public var logFile: URL { node.logFile }

    public var isRunning: Bool { process.isRunning }
    public var processIdentifier: Int32 { process.processIdentifier }

    /// Sends `signal` (SIGTERM for a graceful leave, SIGKILL for a crash) if the agent is still running.
    public func send(_ signal: Int32) {
        if process.isRunning { kill(process.processIdentifier, signal) }
    }

    /// SIGKILL and reap; safe to call repeatedly.
    public func forceStop() {
        send(SIGKILL)
        process.waitUntilExit()
    }

    /// Waits up to `timeout` for the process to exit; nil if it is still running then.
    public func waitForExit(timeout: Duration) async -> (reason: Process.TerminationReason, status: Int32)? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return (process.terminationReason, process.terminationStatus)
    }

    /// Polls the agent's RPC until it answers `/v1/info`; false if the agent exits or `timeout` passes first.
    public func waitUntilReady(timeout: Duration) async -> Bool {
        var client = RPCClient(address: node.rpc)
        client.connectTimeout = .milliseconds(500)
        client.requestTimeout = .seconds(2)
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline {
            if (try? await client.call(.GET, "/v1/info", as: InfoResponse.self)) != nil { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// The last `lines` lines of the agent's log, for failure reports.
    public func logTail(lines: Int = 15) -> String {
        let text = (try? String(contentsOf: node.logFile, encoding: .utf8)) ?? "(log unreadable)"
        let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines)
        return tail.joined(separator: "\n")
    }

    /// The last line the agent logged, without the CLI's own `peer: ` prefix: why it exited, usually.
    public func lastLogLine() -> String {
        let text = (try? String(contentsOf: node.logFile, encoding: .utf8)) ?? ""
        guard let last = text.split(separator: "\n").last else { return "no output (see \(node.logFile.path))" }
        return last.hasPrefix("peer: ") ? String(last.dropFirst(6)) : String(last)
    }
}

/// Why a local cluster could not be set up or run; one line, ready for stderr.
public struct LocalClusterError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
