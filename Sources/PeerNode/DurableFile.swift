import Foundation
import PeerRPC

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Files in the data directory are written so that a crash at any moment leaves either the old or the new
/// contents, never a mix: a temporary file beside the target, fsync, rename over the target, fsync of the
/// directory. A file that cannot be trusted is moved aside, never overwritten, so nothing is lost silently.
enum DurableFile {
    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    /// Replaces `path` with `bytes` atomically and durably, readable by the owner only when `ownerOnly`.
    static func write(_ bytes: [UInt8], to path: String, ownerOnly: Bool = true) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory as NSString).appendingPathComponent(
            ".\((path as NSString).lastPathComponent).tmp"
        )
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, ownerOnly ? 0o600 : 0o644)
        guard descriptor >= 0 else { throw WriteError(description: "cannot create \(temporary): \(errnoText())") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
            guard written > 0 else {
                let reason = errnoText()
                close(descriptor)
                unlink(temporary)
                throw WriteError(description: "cannot write \(temporary): \(reason)")
            }
            offset += written
        }
        let synced = fsync(descriptor) == 0
        let reason = errnoText()
        close(descriptor)
        guard synced else {
            unlink(temporary)
            throw WriteError(description: "cannot sync \(temporary): \(reason)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw WriteError(description: "cannot rename \(temporary) to \(path): \(reason)")
        }
        syncDirectory(directory)
    }

    /// Renames an untrusted file to `<path>.corrupt-<unix seconds>` (with a counter if that exists) and returns the
    /// new path, or nil when even that failed.
    static func moveAside(_ path: String, now: Date = Date()) -> String? {
        let stamp = Int(now.timeIntervalSince1970)
        for attempt in 0..<100 {
            let candidate = "\(path).corrupt-\(stamp)" + (attempt == 0 ? "" : "-\(attempt)")
            guard !FileManager.default.fileExists(atPath: candidate) else { continue }
            guard rename(path, candidate) == 0 else { return nil }
            syncDirectory((path as NSString).deletingLastPathComponent)
            return candidate
        }
        return nil
    }

    /// Makes a rename in `directory` durable.
    private static func syncDirectory(_ directory: String) {
        let descriptor = open(directory.isEmpty ? "." : directory, O_RDONLY)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func errnoText() -> String {
        systemErrorText(errno)
    }
}

/// The C `write`, which `DurableFile.write` would otherwise shadow.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
