import Foundation
import LocalCluster
import Testing

/// Bad input to the `peer` binary: one `peer: ...` line on stderr, a non-zero exit, and no crash.
@Suite("Command-line errors", .timeLimit(.minutes(1)))
struct CommandLineErrorTests {
    enum BadInput: String, CaseIterable, CustomTestStringConvertible {
        case malformedKey
        case shortKey
        case unreachableRPC
        case malformedRPCAddress
        case publicRPCWithoutToken
        case negativePartitions
        case portOutOfRange
        case portZero
        case dataDirIsAFile

        var testDescription: String { rawValue }

        static let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="

        /// Words the error must contain, where the input has a specific complaint.
        var expected: String? {
            switch self {
            case .publicRPCWithoutToken: "token"
            case .negativePartitions: "--partitions must be at least 1"
            case .portOutOfRange: "port 99999 is out of range"
            case .portZero: "port 0 is not allowed"
            case .dataDirIsAFile: "is not a directory"
            default: nil
            }
        }

        /// Ports are free ones, so nothing answers on them and an agent that wrongly started would not clash.
        func arguments() throws -> [String] {
            let port = try FreePort.next()
            let rpcPort = try FreePort.next()
            let agent = ["agent", "--name", "bad", "--bind", "127.0.0.1:\(port)", "--rpc", "127.0.0.1:\(rpcPort)"]
            switch self {
            case .malformedKey: return agent + ["--key", "not base64 at all!"]
            // Valid base64, but 16 bytes instead of 32.
            case .shortKey: return agent + ["--key", "AAAAAAAAAAAAAAAAAAAAAA=="]
            case .unreachableRPC: return ["members", "--json", "--rpc", "127.0.0.1:\(rpcPort)"]
            case .malformedRPCAddress: return ["members", "--rpc", "localhost"]
            case .publicRPCWithoutToken:
                return [
                    "agent", "--name", "bad", "--bind", "127.0.0.1:\(port)", "--rpc", "0.0.0.0:\(rpcPort)", "--key",
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                ]
            case .negativePartitions:
                return [
                    "topics", "create", "t", "--partitions", "-1", "--replication-factor", "1", "--rpc",
                    "127.0.0.1:\(rpcPort)",
                ]
            case .portOutOfRange: return ["agent", "--name", "bad", "--bind", "127.0.0.1:99999", "--key", Self.key]
            case .portZero: return ["agent", "--name", "bad", "--bind", "127.0.0.1:0", "--key", Self.key]
            case .dataDirIsAFile:
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("peer-not-a-dir-\(UUID())")
                try Data("x".utf8).write(to: file)
                return agent + ["--key", Self.key, "--data-dir", file.path]
            }
        }
    }

    @Test("bad input fails with a one-line error and a non-zero exit", arguments: BadInput.allCases)
    func badInputFailsCleanly(_ input: BadInput) async throws {
        let outcome = try await PeerCLI.run(try input.arguments())
        #expect(!outcome.timedOut, "\(outcome)")
        #expect(outcome.reason == .exit, "terminated by a signal: \(outcome)")
        #expect(outcome.status != 0, "\(outcome)")
        let lines = outcome.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "expected one line on stderr: \(outcome)")
        #expect(lines.first?.hasPrefix("peer: ") == true, "\(outcome)")
        #expect(outcome.stdout.isEmpty, "\(outcome)")
        if let expected = input.expected {
            #expect(outcome.stderr.contains(expected), "\(outcome)")
        }
    }
}
