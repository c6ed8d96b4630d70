/// The seam for a simulated disk; nothing conforms yet.
///
/// Today a host's only durable state is its `DataDirectory` (one small file the real shell rewrites whole). The data
/// plane's partition logs (`Log`, behind its storage interface) will need a disk that can fail the way disks do:
/// latency, full disks, torn and misdirected writes, corruption on read, and a crash that loses what was written but
/// not synced. That disk will conform to this protocol, hang off `Host.storage`, be driven by the same virtual time
/// and seeded generator as everything else, and give the log its storage interface. The host already tells it when
/// its process dies without a clean stop.
protocol HostStorage {
    /// The process died at virtual time `time` (a crash, or a kill before a restart): the disk decides what of the
    /// unsynced writes is lost.
    mutating func processDied(at time: Int64)
}
