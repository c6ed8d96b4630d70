import Foundation

/// The full event log, one line per event: `<virtual seconds> <what>`. Buffered; written only with `--trace`.
final class TraceWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(url: URL) throws(ScenarioError) {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw ScenarioError("cannot create trace file \(url.path)")
        }
        do {
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw ScenarioError("cannot open trace file \(url.path): \(error.localizedDescription)")
        }
        buffer.reserveCapacity(1 << 16)
    }

    func line(_ time: Int64, _ text: String) {
        let seconds = time / 1_000_000_000
        let fraction = String(time % 1_000_000_000)
        let padded = String(repeating: "0", count: 9 - fraction.count) + fraction
        buffer.append(contentsOf: "\(seconds).\(padded) \(text)\n".utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    func close() {
        flush()
        try? handle.close()
    }
}
