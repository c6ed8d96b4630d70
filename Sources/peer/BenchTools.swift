import Foundation
import Primitives

/// The outside programs `peer bench kafka` measures the machine and the broker with: `dd` for the data directory's
/// write bandwidth, `iperf3` for loopback TCP, and `kcat` as a second, independent Kafka client.
enum BenchTools {
    /// What one run of a program left behind.
    struct Run {
        var status: Int32
        var output: String
        var errors: String
        var seconds: Double
    }

    /// The absolute path of `name` on $PATH, or an error that says how to install it.
    static func locate(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw BenchError(
            "\(name) is not installed; `scripts/ensure-deps.sh --bench` installs it (Debian: apt-get install \(name))"
        )
    }

    /// Runs a program to its end with the C locale (so numbers print with a decimal point), optionally reading
    /// `input`; returns its exit status, output and wall time from spawn to exit.
    static func run(_ executable: URL, _ arguments: [String], input: URL? = nil) throws -> Run {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C"
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let inputHandle = try input.map { try FileHandle(forReadingFrom: $0) }
        defer { try? inputHandle?.close() }
        process.standardInput = inputHandle ?? FileHandle.nullDevice
        let started = ContinuousClock.now
        try process.run()
        // Read both pipes to their ends before waiting, so a chatty program cannot block on a full pipe.
        let errorData = DataBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            errorData.data = errors.fileHandleForReading.readDataToEndOfFile()
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let seconds = (ContinuousClock.now - started).seconds
        return Run(
            status: process.terminationStatus,
            output: String(decoding: outputData, as: UTF8.self),
            errors: String(decoding: errorData.data, as: UTF8.self),
            seconds: seconds
        )
    }

    /// Carries the stderr bytes out of the reading thread; the DispatchGroup wait orders the accesses.
    private final class DataBox: @unchecked Sendable {
        var data = Data()
    }

    // MARK: dd

    /// The exact dd flags: 1 GiB of zeros in 1 MiB writes through the page cache (no O_DIRECT, no sync per write);
    /// with `syncAtEnd`, one fdatasync before dd reports, so the figure is what reaches the disk.
    static func ddArguments(file: URL, syncAtEnd: Bool) -> [String] {
        ["if=/dev/zero", "of=\(file.path)", "bs=1M", "count=1024"] + (syncAtEnd ? ["conv=fdatasync"] : [])
    }

    /// Sequential buffered write bandwidth into a new `file`, in bytes per second, as dd reports it. The caller
    /// deletes the file, after all dd runs: on this VM, memory that a deleted file just freed is written several
    /// times faster than memory touched for the first time, and the broker's log always writes fresh pages.
    static func ddWriteBandwidth(into file: URL, syncAtEnd: Bool) throws -> Double {
        let dd = try locate("dd")
        let run = try run(dd, ddArguments(file: file, syncAtEnd: syncAtEnd))
        guard run.status == 0 else { throw BenchError("dd failed: \(run.errors)") }
        guard let rate = parseDD(run.errors) else { throw BenchError("cannot read dd's summary: \(run.errors)") }
        return rate
    }

    /// Bytes per second from dd's last line, "N bytes (...) copied, S s, R MB/s": N / S, not the rounded R.
    static func parseDD(_ text: String) -> Double? {
        guard let line = text.split(separator: "\n").last(where: { $0.contains(" copied, ") }),
            let bytes = line.split(separator: " ").first.flatMap({ Double($0) })
        else { return nil }
        let afterCopied = line.components(separatedBy: " copied, ").last ?? ""
        guard let seconds = afterCopied.split(separator: " ").first.flatMap({ Double($0) }), seconds > 0 else {
            return nil
        }
        return bytes / seconds
    }

    // MARK: iperf3

    /// Loopback TCP bandwidth in bytes per second: a one-shot iperf3 server on `port` and one client stream to it
    /// for `seconds`, as the receiver counted it.
    static func loopbackBandwidth(port: Int, seconds: Int) async throws -> Double {
        let iperf3 = try locate("iperf3")
        let server = Process()
        server.executableURL = iperf3
        server.arguments = ["--server", "--one-off", "--bind", "127.0.0.1", "--port", "\(port)"]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            if server.isRunning { server.terminate() }
            server.waitUntilExit()
        }
        var lastError = ""
        // The server needs a moment to listen; a refused client is retried.
        for _ in 0..<20 {
            try await Task.sleep(for: .milliseconds(100))
            let client = try run(
                iperf3,
                ["--client", "127.0.0.1", "--port", "\(port)", "--time", "\(seconds)", "--json"]
            )
            if client.status == 0, let rate = parseIperf3(client.output) { return rate }
            lastError = client.errors.isEmpty ? String(client.output.prefix(300)) : client.errors
        }
        throw BenchError("iperf3 did not measure loopback: \(lastError)")
    }

    /// `end.sum_received.bits_per_second` of iperf3's JSON, in bytes per second.
    static func parseIperf3(_ json: String) -> Double? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
            let end = object["end"] as? [String: Any],
            let received = end["sum_received"] as? [String: Any],
            let bits = received["bits_per_second"] as? Double
        else { return nil }
        return bits / 8
    }

    // MARK: kcat

    /// Writes `count` lines of 1,023 printable bytes and a newline: 1 KiB each, and kcat makes each line a record.
    static func writeLines(to file: URL, count: Int) throws {
        var line = [UInt8](repeating: 0, count: 1024)
        var generator = SystemRandomNumberGenerator()
        for index in 0..<1023 { line[index] = UInt8(ascii: "a") &+ UInt8(generator.next() % 26) }
        line[1023] = UInt8(ascii: "\n")
        guard FileManager.default.createFile(atPath: file.path, contents: nil) else {
            throw BenchError("cannot create \(file.path)")
        }
        let handle = try FileHandle(forWritingTo: file)
        defer { try? handle.close() }
        let linesPerChunk = 1024
        let chunk = Data((0..<linesPerChunk).flatMap { _ in line })
        var written = 0
        while written < count {
            let lines = min(linesPerChunk, count - written)
            try handle.write(contentsOf: lines == linesPerChunk ? chunk : chunk.prefix(lines * 1024))
            written += lines
        }
    }

    /// The kcat command line of the produce run: acks=1, 5 ms linger, batches up to 1 MB, no compression.
    static func kcatArguments(bootstrap: String, topic: String, file: URL) -> [String] {
        [
            "-P", "-b", bootstrap, "-t", topic, "-l",
            "-X", "acks=1", "-X", "linger.ms=5", "-X", "batch.size=1000000", "-X", "compression.codec=none",
            file.path,
        ]
    }

    /// Runs kcat to its end (it exits once every record is acknowledged); returns the wall time in seconds.
    static func kcatProduce(bootstrap: String, topic: String, file: URL) throws -> Double {
        let kcat = try locate("kcat")
        let run = try run(kcat, kcatArguments(bootstrap: bootstrap, topic: topic, file: file))
        guard run.status == 0 else { throw BenchError("kcat failed (status \(run.status)): \(run.errors)") }
        return run.seconds
    }
}
