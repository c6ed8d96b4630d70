import Foundation

/// Lets a child agent notice that the process that started it is gone (even after SIGKILL), so `peer dev`
/// never leaves orphans behind.
enum ParentWatch {
    /// Returns true once the parent process has exited (we get re-parented), false if cancelled first.
    static func waitForParentExit() async -> Bool {
        let parent = getppid()
        while !Task.isCancelled {
            if getppid() != parent { return true }
            try? await Task.sleep(for: .milliseconds(500))
        }
        return false
    }
}
