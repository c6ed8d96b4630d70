import Foundation

/// One reading of a process's memory and CPU time from Linux's /proc, for `peer bench`.
struct ProcessSample {
    /// Resident set size (VmRSS), in KiB.
    var residentKiB: Int
    /// User plus system CPU time consumed so far, in seconds.
    var cpuSeconds: Double

    /// Clock ticks per second, the unit of utime and stime in /proc/PID/stat.
    private static let ticksPerSecond = Double(max(1, sysconf(Int32(_SC_CLK_TCK))))

    /// Reads /proc/PID/status and /proc/PID/stat; nil when the process is gone or the files are not as expected.
    static func read(pid: Int32) -> ProcessSample? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let resident = residentKiB(fromStatus: status),
            let ticks = cpuTicks(fromStat: stat)
        else { return nil }
        return ProcessSample(residentKiB: resident, cpuSeconds: Double(ticks) / ticksPerSecond)
    }

    /// The `VmRSS:   12345 kB` line.
    static func residentKiB(fromStatus status: String) -> Int? {
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
    }

    /// utime + stime: fields 14 and 15 of /proc/PID/stat. The command name (field 2) may contain spaces and
    /// parentheses, so fields are counted from after its closing parenthesis, where field 3 starts.
    static func cpuTicks(fromStat stat: String) -> UInt64? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 12, let user = UInt64(fields[11]), let system = UInt64(fields[12]) else { return nil }
        return user + system
    }
}
