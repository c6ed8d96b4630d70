import Log
import Replication

// The shell's one line: the real leader-epoch cache is the follower's view of its epochs.
extension LeaderEpochCache: LeaderEpochLookup {}

/// A leader-epoch cache from (epoch, start offset) pairs.
func epochCache(_ pairs: [(Int32, Int64)]) -> LeaderEpochCache {
    LeaderEpochCache(entries: pairs.map { LeaderEpochEntry(epoch: $0.0, startOffset: $0.1) })
}
