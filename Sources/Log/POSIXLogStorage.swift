#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The real storage: POSIX calls on the local file system (open, pwrite, pread, ftruncate, fdatasync, rename).
public final class POSIXLogStorage: LogStorage {
    public init() {}

    public func listDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw posixError("opendir", path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    public func makeDirectory(_ path: String) throws {
        if isDirectory(path) { return }
        let parent = parentDirectory(path)
        if !parent.isEmpty, parent != path, !isDirectory(parent) { try makeDirectory(parent) }
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw posixError("mkdir", path) }
    }

    public func openFile(_ path: String, create: Bool) throws -> any LogFile {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let descriptor = open(path, flags, 0o644)
        guard descriptor >= 0 else { throw posixError("open", path) }
        return POSIXLogFile(path: path, descriptor: descriptor)
    }

    public func rename(_ from: String, to: String) throws {
        guard renameFile(from, to) == 0 else { throw posixError("rename to \(to)", from) }
    }

    public func removeFile(_ path: String) throws {
        if unlink(path) != 0, errno != ENOENT { throw posixError("unlink", path) }
    }

    public func removeDirectory(_ path: String) throws {
        guard isDirectory(path) else { return }
        for name in try listDirectory(path) {
            let child = joinPath(path, name)
            if isDirectory(child) { try removeDirectory(child) } else { try removeFile(child) }
        }
        if rmdir(path) != 0, errno != ENOENT { throw posixError("rmdir", path) }
    }

    public func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError("open directory", path) }
        defer { closeDescriptor(descriptor) }
        guard fsync(descriptor) == 0 else { throw posixError("fsync directory", path) }
    }

    private func parentDirectory(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }
}

/// A file descriptor kept open for a segment or index.
final class POSIXLogFile: LogFile {
    let path: String
    private let fileDescriptor: Int32

    init(path: String, descriptor: Int32) {
        self.path = path
        self.fileDescriptor = descriptor
    }

    var descriptor: Int32? { fileDescriptor }

    deinit { closeDescriptor(fileDescriptor) }

    func size() throws -> Int64 {
        var info = stat()
        guard fstat(fileDescriptor, &info) == 0 else { throw posixError("fstat", path) }
        return Int64(info.st_size)
    }

    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        var done = 0
        while done < bytes.count {
            guard let base = bytes.baseAddress else { return }
            let written = pwrite(fileDescriptor, base + done, bytes.count - done, off_t(offset) + off_t(done))
            if written < 0 {
                if errno == EINTR { continue }
                throw posixError("pwrite", path)
            }
            done += written
        }
    }

    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard count > 0 else { return [] }
        var done = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while done < count {
                guard let base = buffer.baseAddress else { break }
                let got = pread(fileDescriptor, base + done, count - done, off_t(offset) + off_t(done))
                if got < 0 {
                    if errno == EINTR { continue }
                    initialized = done
                    throw posixError("pread", path)
                }
                if got == 0 { break }
                done += got
            }
            initialized = done
        }
        return bytes
    }

    func truncate(to size: Int64) throws {
        guard ftruncate(fileDescriptor, off_t(size)) == 0 else { throw posixError("ftruncate", path) }
    }

    func sync() throws {
        guard syncData(fileDescriptor) == 0 else { throw posixError("fdatasync", path) }
    }

}

private func posixError(_ operation: String, _ path: String) -> LogStorageError {
    let code = errno
    return LogStorageError(operation: operation, path: path, code: code, detail: String(cString: strerror(code)))
}

private func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

private func renameFile(_ from: String, _ to: String) -> Int32 {
    rename(from, to)
}

private func syncData(_ descriptor: Int32) -> Int32 {
    #if os(Linux)
    return fdatasync(descriptor)
    #else
    return fsync(descriptor)
    #endif
}
