import ArgumentParser
import Foundation

/// Parses and runs a command, printing failures as a single `peer: <reason>` line instead of a usage dump.
/// Help and version requests still print in full.
enum CommandLineEntry {
    static func run(_ root: any ParsableCommand.Type) async {
        do {
            var command = try root.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            fail(root, error)
        }
    }

    private static func fail(_ root: any ParsableCommand.Type, _ error: any Error) -> Never {
        if let exitCode = error as? ExitCode {
            exit(exitCode.rawValue)
        }
        let code = root.exitCode(for: error)
        if code == .success {
            // --help, --version and friends.
            root.exit(withError: error)
        }
        let message = root.message(for: error)
        let firstLine =
            message.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? "\(error)"
        Terminal.printError(firstLine)
        exit(code.rawValue)
    }
}
