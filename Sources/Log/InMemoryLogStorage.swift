#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Storage in memory, for tests and the simulator. Each file keeps its current bytes (the page cache) and the bytes
/// its last `sync` made durable; `crash()` throws away everything not synced, as a power loss would. Directory
/// operations (create, rename, remove) count as durable at once.
public final class InMemoryLogStorage: LogStorage, @unchecked Sendable {
    /// One file's contents; shared by every handle opened on it.
    final class Node: @unchecked Sendable {
        var bytes: [UInt8] = []
        var durable: [UInt8] = []
    }

    private let lock = MutexLock()
    private var files: [String: Node] = [:]
    private var directories: Set<String> = ["", "/"]

    public init() {}

    public func listDirectory(_ path: String) throws -> [String] {
        try lock.withLock {
            let directory = normalize(path)
            guard directories.contains(directory) else {
                throw LogStorageError(operation: "list", path: path, code: ENOENT, detail: "no such directory")
            }
            let prefix = directory == "/" ? "/" : directory + "/"
            var names = Set<String>()
            for candidate in files.keys.map({ $0 }) + Array(directories) where candidate.hasPrefix(prefix) {
                let rest = candidate.dropFirst(prefix.count)
                if !rest.isEmpty, !rest.contains("/") { names.insert(String(rest)) }
            }
            return Array(names)
        }
    }

    public func isDirectory(_ path: String) -> Bool {
        lock.withLock { directories.contains(normalize(path)) }
    }

    public func exists(_ path: String) -> Bool {
        lock.withLock { directories.contains(normalize(path)) || files[normalize(path)] != nil }
    }

    public func makeDirectory(_ path: String) throws {
        lock.withLock {
            var current = normalize(path)
            while !current.isEmpty, !directories.contains(current) {
                directories.insert(current)
                guard let slash = current.lastIndex(of: "/") else { break }
                current = String(current[..<slash])
            }
        }
    }

    public func openFile(_ path: String, create: Bool) throws -> any LogFile {
        try lock.withLock {
            let name = normalize(path)
            if let node = files[name] { return InMemoryLogFile(path: name, node: node, lock: lock) }
            guard create else {
                throw LogStorageError(operation: "open", path: path, code: ENOENT, detail: "no such file")
            }
            guard directories.contains(parent(name)) else {
                throw LogStorageError(operation: "open", path: path, code: ENOENT, detail: "no such directory")
            }
            let node = Node()
            files[name] = node
            return InMemoryLogFile(path: name, node: node, lock: lock)
        }
    }

    public func rename(_ from: String, to: String) throws {
        try lock.withLock {
            guard let node = files.removeValue(forKey: normalize(from)) else {
                throw LogStorageError(operation: "rename", path: from, code: ENOENT, detail: "no such file")
            }
            files[normalize(to)] = node
        }
    }

    public func removeFile(_ path: String) throws {
        lock.withLock { _ = files.removeValue(forKey: normalize(path)) }
    }

    public func removeDirectory(_ path: String) throws {
        lock.withLock {
            let directory = normalize(path)
            let prefix = directory + "/"
            files = files.filter { !$0.key.hasPrefix(prefix) }
            directories = directories.filter { $0 != directory && !$0.hasPrefix(prefix) }
        }
    }

    public func syncDirectory(_ path: String) throws {}

    /// Every file falls back to the bytes its last sync made durable, as after a power loss.
    public func crash() {
        lock.withLock {
            for node in files.values { node.bytes = node.durable }
        }
    }

    /// An independent copy of every file (current and durable bytes) and directory.
    public func snapshot() -> InMemoryLogStorage {
        let copy = InMemoryLogStorage()
        lock.withLock {
            for (path, node) in files {
                let cloned = Node()
                cloned.bytes = node.bytes
                cloned.durable = node.durable
                copy.files[path] = cloned
            }
            copy.directories = directories
        }
        return copy
    }

    /// Paths of all files, sorted.
    public var filePaths: [String] {
        lock.withLock { files.keys.sorted() }
    }

    /// The current bytes of a file (tests use this to damage files).
    public func contents(of path: String) -> [UInt8]? {
        lock.withLock { files[normalize(path)]?.bytes }
    }

    /// Replaces a file's current (and durable) bytes, creating it; tests use this to damage files.
    public func setContents(of path: String, to bytes: [UInt8]) {
        lock.withLock {
            let node = files[normalize(path)] ?? Node()
            node.bytes = bytes
            node.durable = bytes
            files[normalize(path)] = node
        }
    }

    private func normalize(_ path: String) -> String {
        var result = path
        while result.count > 1, result.hasSuffix("/") { result.removeLast() }
        return result
    }

    private func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// A handle on an in-memory file.
final class InMemoryLogFile: LogFile, @unchecked Sendable {
    let path: String
    private let node: InMemoryLogStorage.Node
    private let lock: MutexLock

    init(path: String, node: InMemoryLogStorage.Node, lock: MutexLock) {
        self.path = path
        self.node = node
        self.lock = lock
    }

    func size() throws -> Int64 {
        lock.withLock { Int64(node.bytes.count) }
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        try lock.withLock {
            guard offset >= 0, offset <= Int64(node.bytes.count) else {
                throw LogStorageError(operation: "write", path: path, code: EINVAL, detail: "write past the end")
            }
            let start = Int(offset)
            let overlap = min(bytes.count, node.bytes.count - start)
            if overlap > 0 {
                node.bytes.replaceSubrange(start..<(start + overlap), with: bytes[0..<overlap])
            }
            node.bytes.append(contentsOf: bytes[overlap...])
        }
    }

    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        lock.withLock {
            guard offset >= 0, offset < Int64(node.bytes.count), count > 0 else { return [] }
            let start = Int(offset)
            return Array(node.bytes[start..<min(node.bytes.count, start + count)])
        }
    }

    func truncate(to size: Int64) throws {
        lock.withLock {
            let keep = Int(clamping: max(0, size))
            if keep < node.bytes.count {
                node.bytes.removeSubrange(keep...)
            } else {
                node.bytes.append(contentsOf: repeatElement(0, count: keep - node.bytes.count))
            }
            if keep < node.durable.count { node.durable.removeSubrange(keep...) }
        }
    }

    func sync() throws {
        lock.withLock { node.durable = node.bytes }
    }
}

/// A pthread mutex, so the in-memory storage can be shared across threads like a real file system.
final class MutexLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
