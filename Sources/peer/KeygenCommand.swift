import ArgumentParser
import Sealing

/// `peer keygen`: prints a fresh random cluster key, alone on stdout so it can be captured.
struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Generate a new cluster key (base64)."
    )

    func run() {
        print(ClusterKey.generate().base64)
    }
}
