import Gossip
import Partitions

/// A host's data dir as the real shell keeps it: the cluster state (topics, partitions, the controller
/// announcement), saved at most once a second while it changes and at a graceful stop, and restored before a
/// restarted process starts. A crash loses up to a second of it. Without it, two voters restarting together could
/// reuse a controller epoch.
struct DataDirectory {
    /// The cluster state as last saved.
    var saved: ClusterState?
    /// The voter record as last written (the core acknowledges only what is written here; fsync is modelled as
    /// instant, so it survives any later crash).
    var voterRecord: VoterRecord?
    /// Virtual time of the last periodic save.
    var lastSave: Int64 = -1_000_000_000_000
    /// The state changed since the last save.
    var dirty = false

    /// Saves `state()` if it changed and the last save is at least a second old.
    mutating func saveIfDue(now: Int64, _ state: () -> ClusterState) {
        guard dirty, now - lastSave >= 1_000_000_000 else { return }
        saved = state()
        lastSave = now
        dirty = false
    }
}
