import Foundation

/// Runs one short-lived `peer` command (a client command, or an agent expected to fail at once) and captures its
/// output. A command still running after `timeout` is killed, so a hang fails the test instead of stalling it.
enum PeerCLI {
    struct Outcome: CustomStringConvertible {
        var reason: Process.TerminationReason
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool

        var succeeded: Bool { !timedOut && reason == .exit && status == 0 }

        var description: String {
            let how = timedOut ? "timed out" : reason == .exit ? "exit \(status)" : "signal \(status)"
            return "\(how); stdout: \(stdout.debugDescription); stderr: \(stderr.debugDescription)"
        }
    }

    static func run(_ arguments: [String], timeout: Duration = .seconds(15)) async throws -> Outcome {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("peer-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Files, not pipes: a chatty child can never block on a full pipe while we wait for it.
        let stdoutFile = directory.appendingPathComponent("stdout")
        let stderrFile = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        let stdout = try FileHandle(forWritingTo: stdoutFile)
        let stderr = try FileHandle(forWritingTo: stderrFile)
        defer {
            try? stdout.close()
            try? stderr.close()
        }

        let process = Process()
        process.executableURL = try PeerBinary.url()
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()

        let deadline = ContinuousClock.now + timeout
        var timedOut = false
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                timedOut = true
                kill(process.processIdentifier, SIGKILL)
                break
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        return Outcome(
            reason: process.terminationReason,
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "",
            timedOut: timedOut
        )
    }
}
