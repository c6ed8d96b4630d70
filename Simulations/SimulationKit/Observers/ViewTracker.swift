import Gossip

/// Who believes what about whom, maintained incrementally from `memberChanged` directives so convergence and
/// detection can be checked in O(1) per change.
///
/// `view[v·n + m]` holds viewer v's status for member m (0 unknown, else status + 1). A member is *active* in a view
/// when alive or suspect. Only live viewers (up and not leaving) count: `activeViewers[m]` is how many live viewers
/// hold m active; `livePairs` sums that over live members and `stalePairs` over the rest. The cluster has converged
/// when every live node holds every other live node active and no live node holds a departed one active.
struct ViewTracker {
    let n: Int
    private(set) var view: [UInt8]
    private(set) var live: [Bool]
    private(set) var liveCount = 0
    private(set) var activeViewers: [Int32]
    private(set) var livePairs = 0
    private(set) var stalePairs = 0

    init(nodes: Int) {
        n = nodes
        view = [UInt8](repeating: 0, count: nodes * nodes)
        live = [Bool](repeating: false, count: nodes)
        activeViewers = [Int32](repeating: 0, count: nodes)
    }

    @inline(__always)
    static func isActive(_ code: UInt8) -> Bool {
        code == 1 + MemberStatus.alive.rawValue || code == 1 + MemberStatus.suspect.rawValue
    }

    var isConverged: Bool {
        liveCount > 0 && livePairs == liveCount * (liveCount - 1) && stalePairs == 0
    }

    func status(viewer: Int, member: Int) -> MemberStatus? {
        let code = view[viewer * n + member]
        return code == 0 ? nil : MemberStatus(rawValue: code - 1)
    }

    @inline(__always)
    private mutating func adjust(member m: Int, by delta: Int) {
        activeViewers[m] += Int32(delta)
        if live[m] { livePairs += delta } else { stalePairs += delta }
    }

    /// Records viewer v's new status for member m (nil: forgotten).
    mutating func set(viewer v: Int, member m: Int, status: MemberStatus?) {
        guard v != m else { return }
        let index = v * n + m
        let old = view[index]
        let new = status.map { $0.rawValue + 1 } ?? 0
        guard old != new else { return }
        view[index] = new
        guard live[v] else { return }
        let was = Self.isActive(old)
        let now = Self.isActive(new)
        if was != now { adjust(member: m, by: now ? 1 : -1) }
    }

    mutating func setLive(_ x: Int, _ newLive: Bool) {
        guard live[x] != newLive else { return }
        let count = Int(activeViewers[x])
        if newLive {
            stalePairs -= count
            livePairs += count
        } else {
            livePairs -= count
            stalePairs += count
        }
        live[x] = newLive
        liveCount += newLive ? 1 : -1
        let delta = newLive ? 1 : -1
        let base = x * n
        for m in 0..<n where m != x && Self.isActive(view[base + m]) {
            adjust(member: m, by: delta)
        }
    }

    /// Forgets viewer v's whole view (its process is gone).
    mutating func clearRow(_ v: Int) {
        let base = v * n
        for m in 0..<n where view[base + m] != 0 {
            set(viewer: v, member: m, status: nil)
        }
    }
}
