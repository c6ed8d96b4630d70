import Foundation

/// Finds the `peer` executable the integration tests launch.
///
/// `swift build --build-tests` puts it next to the test bundle, whatever the scratch path, so that directory is tried
/// first; `PEER_BINARY` overrides everything, and the package's default `.build/debug` is the last resort.
enum PeerBinary {
    /// The located binary, or a description of every place that was searched.
    static let location: Result<URL, PeerBinaryNotFound> = locate()

    /// The binary's URL; throws a readable error naming every candidate when it is missing.
    static func url() throws -> URL {
        try location.get()
    }

    private static func locate() -> Result<URL, PeerBinaryNotFound> {
        let environment = ProcessInfo.processInfo.environment
        if let override = environment["PEER_BINARY"], !override.isEmpty {
            let url = URL(fileURLWithPath: override)
            return isExecutable(url) ? .success(url) : .failure(PeerBinaryNotFound(searched: [url.path]))
        }
        let candidates = candidateDirectories().map { $0.appendingPathComponent("peer") }
        if let found = candidates.first(where: isExecutable) {
            return .success(found)
        }
        return .failure(PeerBinaryNotFound(searched: candidates.map(\.path)))
    }

    /// Directories that may hold the build's products, best first.
    private static func candidateDirectories() -> [URL] {
        var directories: [URL] = []
        if let argument = CommandLine.arguments.first, !argument.isEmpty {
            let runner = URL(fileURLWithPath: argument).resolvingSymlinksInPath()
            directories.append(runner.deletingLastPathComponent())
            // On macOS the runner sits inside `<bundle>.xctest/Contents/MacOS`.
            directories.append(
                contentsOf: ancestors(of: runner).filter { $0.pathExtension == "xctest" }
                    .map { $0.deletingLastPathComponent() }
            )
        }
        directories.append(Bundle.main.bundleURL)
        directories.append(Bundle.main.bundleURL.deletingLastPathComponent())
        if let executable = Bundle.main.executableURL {
            directories.append(executable.resolvingSymlinksInPath().deletingLastPathComponent())
        }
        // <package>/Tests/PeerNodeTests/PeerBinary.swift → <package>/.build/debug.
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        directories.append(package.appendingPathComponent(".build/debug"))
        var seen = Set<String>()
        return directories.filter { seen.insert($0.standardizedFileURL.path).inserted }
    }

    private static func ancestors(of url: URL) -> [URL] {
        var result: [URL] = []
        var current = url
        while current.path != "/" {
            current = current.deletingLastPathComponent()
            result.append(current)
        }
        return result
    }

    private static func isExecutable(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
            && FileManager.default.isExecutableFile(atPath: url.path)
    }
}

/// Raised when no `peer` binary exists: the tests need `swift build --build-tests` (see `scripts/test.sh`).
struct PeerBinaryNotFound: Error, CustomStringConvertible {
    var searched: [String]

    var description: String {
        "no `peer` executable found; build it first (scripts/test.sh runs `swift build --build-tests`) or set "
            + "PEER_BINARY. Searched: \(searched.joined(separator: ", "))"
    }
}
