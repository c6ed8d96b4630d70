/// The narrow file-system interface the log reaches the disk through. `POSIXLogStorage` is the real one;
/// `InMemoryLogStorage` serves tests, and the simulator can model page cache versus durable bytes behind it.
///
/// Paths are plain strings joined with "/". Errors are `LogStorageError`.
public protocol LogStorage: AnyObject, Sendable {
    /// Names (not paths) of the entries of a directory, in no particular order.
    func listDirectory(_ path: String) throws -> [String]
    /// Whether `path` is an existing directory.
    func isDirectory(_ path: String) -> Bool
    /// Whether `path` exists (file or directory).
    func exists(_ path: String) -> Bool
    /// Creates a directory and any missing parents; no error when it exists.
    func makeDirectory(_ path: String) throws
    /// Opens a file for reading and writing, creating it empty when `create` is set and it is missing.
    func openFile(_ path: String, create: Bool) throws -> any LogFile
    /// Renames (atomically replaces) a file.
    func rename(_ from: String, to: String) throws
    /// Removes a file; no error when it is missing.
    func removeFile(_ path: String) throws
    /// Removes a directory and everything in it; no error when it is missing.
    func removeDirectory(_ path: String) throws
    /// Makes creations, renames and removals in a directory durable (fsync of the directory).
    func syncDirectory(_ path: String) throws
}

/// An open file. Handles stay open while a segment is in use, so appends cost one write and no open; the handle is
/// released when its last reference goes, so a reader holding one can finish after the segment was deleted.
public protocol LogFile: AnyObject, Sendable {
    var path: String { get }
    /// The current size in bytes.
    func size() throws -> Int64
    /// Writes all of `bytes` at `offset` (appending when `offset` is the size).
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws
    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    func read(at offset: Int64, count: Int) throws -> [UInt8]
    /// Cuts the file to `size` bytes.
    func truncate(to size: Int64) throws
    /// Makes the written data durable (fdatasync).
    func sync() throws
    /// The POSIX file descriptor, when there is one (see the extension).
    var descriptor: Int32? { get }
}

/// Why a storage operation failed.
public struct LogStorageError: Error, Equatable, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    /// The POSIX errno, or 0 when the failure has none (in-memory storage).
    public var code: Int32
    public var detail: String

    public init(operation: String, path: String, code: Int32 = 0, detail: String = "") {
        self.operation = operation
        self.path = path
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(operation) \(path) failed: \(detail) (errno \(code))" }
}

extension LogFile {
    /// The POSIX file descriptor behind the handle, when there is one (nil for in-memory files). Borrowed: it stays
    /// open as long as the handle lives; `dup` it before giving it to something that closes it.
    public var descriptor: Int32? { nil }

    /// Writes all of `bytes` at `offset`.
    public func write(_ bytes: [UInt8], at offset: Int64) throws {
        try bytes.withUnsafeBytes { try write($0, at: offset) }
    }
}

/// Joins path components with "/".
func joinPath(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
}
