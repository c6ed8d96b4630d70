import NIOCore

/// Counts the open connections of one listener, in total and per source address, so a flood of connections is
/// closed on accept instead of each holding buffers and timers. Loop-confined: every child of the listener runs on
/// the agent's one event loop.
final class ConnectionLimiter {
    let maxTotal: Int
    let maxPerSource: Int
    private(set) var open = 0
    private var bySource: [String: Int] = [:]

    init(maxTotal: Int, maxPerSource: Int) {
        self.maxTotal = maxTotal
        self.maxPerSource = maxPerSource
    }

    /// Admits `channel` and releases its slot when it closes; false (and nothing counted) when a limit is reached.
    func admit(_ channel: any Channel) -> Bool {
        let source = channel.remoteAddress?.ipAddress ?? "unknown"
        guard open < maxTotal, bySource[source, default: 0] < maxPerSource else { return false }
        open += 1
        bySource[source, default: 0] += 1
        channel.closeFuture.assumeIsolated().whenComplete { [self] _ in
            open -= 1
            let left = (bySource[source] ?? 1) - 1
            bySource[source] = left > 0 ? left : nil
        }
        return true
    }
}

/// Fails a child channel's initializer so the listener closes a connection over the limits.
struct ConnectionRefused: Error {}
