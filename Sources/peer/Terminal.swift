import Foundation

/// Small helpers for writing to the terminal.
enum Terminal {
    /// Writes `peer: <message>` to stderr.
    static func printError(_ message: String) {
        FileHandle.standardError.write(Data("peer: \(message)\n".utf8))
    }

    /// Whether stdout is an interactive terminal (live redraws make sense).
    static var stdoutIsTTY: Bool {
        isatty(STDOUT_FILENO) == 1
    }

    /// Moves the cursor home and clears the screen.
    static let clearScreen = "\u{1B}[H\u{1B}[2J"
}
