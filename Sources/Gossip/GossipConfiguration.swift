import Foundation
import Primitives

/// Every timing and size the SWIM core uses. Start from a profile (`lan`, `local`, `wan`, like memberlist's) and
/// override what you need.
public struct GossipConfiguration: Hashable, Sendable {
    /// Time between probes of successive members, before Lifeguard's health scaling.
    public var probeInterval: Duration
    /// How long to wait for a direct ack before asking others to probe indirectly.
    public var probeTimeout: Duration
    /// How many members are asked to probe indirectly (SWIM's k).
    public var indirectChecks: Int
    /// Lifeguard dynamic suspicion: minimum timeout = multiplier · max(1, log10 N) · probe interval (memberlist's
    /// lan profile uses 4).
    public var suspicionMultiplier: Double
    /// Lifeguard dynamic suspicion: the timeout starts at this multiple of the minimum.
    public var suspicionMaxMultiplier: Int
    /// Independent confirmations that shrink a suspicion's timeout from its maximum to its minimum (Lifeguard's k).
    public var suspicionConfirmations: Int
    /// About how many members, cluster-wide, probe a member as soon as they hear it is suspected, so confirmations
    /// of a real failure arrive within one probe round; 0 turns this off (memberlist's behaviour).
    public var confirmationProbes: Int
    /// How often queued updates are gossiped to `gossipFanout` random members, besides riding on probes.
    public var gossipInterval: Duration
    public var gossipFanout: Int
    /// Each update is sent about `retransmitMultiplier · ceil(log10(N + 1))` times.
    public var retransmitMultiplier: Int
    /// Anti-entropy full-state exchange with one random member; 0 disables it. Scaled up once N > 32.
    public var pushPullInterval: Duration
    /// Largest datagram on the wire, sealing included.
    public var maxDatagramSize: Int
    /// Bytes the shell's sealing adds to every datagram; the core packs payloads into the rest.
    public var sealingOverhead: Int
    /// Lifeguard local health: the score ranges over 0..<awarenessMaxMultiplier.
    public var awarenessMaxMultiplier: Int
    /// Dead members still receive gossip this long, so a falsely accused node hears it and refutes.
    public var gossipToTheDeadTime: Duration
    /// How often to try a push-pull with a random dead member, so partitions re-merge on their own (like serf's
    /// reconnect); 0 disables it.
    public var reconnectInterval: Duration
    /// Dead and left members are forgotten after this long.
    public var reapAfter: Duration
    /// How long a leaving node keeps gossiping its `left` message before it reports it may stop.
    public var leavePropagationDelay: Duration
    /// First retry delay when no seed answers; doubles up to `joinRetryMaxDelay`.
    public var joinRetryDelay: Duration
    public var joinRetryMaxDelay: Duration

    public static let lan = GossipConfiguration(
        probeInterval: .seconds(1),
        probeTimeout: .milliseconds(500),
        indirectChecks: 3,
        // memberlist uses 4 · log10 N s as the minimum; confirmation probes let us go down to 1 · log10 N s and
        // still need two independent confirmations, while a lone accuser waits as long as memberlist's maximum.
        suspicionMultiplier: 1,
        suspicionMaxMultiplier: 24,
        suspicionConfirmations: 2,
        confirmationProbes: 4,
        gossipInterval: .milliseconds(200),
        gossipFanout: 3,
        retransmitMultiplier: 4,
        pushPullInterval: .seconds(30),
        maxDatagramSize: 1400,
        sealingOverhead: 0,
        awarenessMaxMultiplier: 8,
        gossipToTheDeadTime: .seconds(30),
        reconnectInterval: .seconds(10),
        reapAfter: .seconds(3600),
        leavePropagationDelay: .milliseconds(600),
        joinRetryDelay: .seconds(1),
        joinRetryMaxDelay: .seconds(30)
    )

    public static let local: GossipConfiguration = {
        var config = GossipConfiguration.lan
        config.probeTimeout = .milliseconds(200)
        config.indirectChecks = 1
        config.suspicionMultiplier = 0.75
        config.suspicionMaxMultiplier = 24
        config.retransmitMultiplier = 2
        config.gossipInterval = .milliseconds(100)
        config.pushPullInterval = .seconds(15)
        config.gossipToTheDeadTime = .seconds(15)
        config.reconnectInterval = .seconds(5)
        return config
    }()

    public static let wan: GossipConfiguration = {
        var config = GossipConfiguration.lan
        config.probeInterval = .seconds(5)
        config.probeTimeout = .seconds(3)
        config.suspicionMultiplier = 1.5
        config.suspicionMaxMultiplier = 24
        config.gossipInterval = .milliseconds(500)
        config.gossipFanout = 4
        config.pushPullInterval = .seconds(60)
        config.gossipToTheDeadTime = .seconds(60)
        config.reconnectInterval = .seconds(30)
        config.leavePropagationDelay = .seconds(2)
        return config
    }()

    /// Lifeguard's shortest suspicion timeout in a cluster of `memberCount` members: `suspicionMultiplier ·
    /// max(1, log10 N) · probeInterval`, reached once enough members confirm the suspicion.
    public func minimumSuspicionTimeout(memberCount: Int) -> Duration {
        let nodeScale = max(1.0, log10(Double(max(memberCount, 1))))
        return probeInterval.scaled(by: suspicionMultiplier * nodeScale)
    }

    /// Lifeguard's longest suspicion timeout in a cluster of `memberCount` members (what a lone accuser waits before
    /// declaring a member dead): `suspicionMaxMultiplier` times the minimum. Shells and the simulator derive their
    /// settle and grace bounds from this rather than repeating the formula.
    public func maximumSuspicionTimeout(memberCount: Int) -> Duration {
        minimumSuspicionTimeout(memberCount: memberCount) * suspicionMaxMultiplier
    }

    /// A named profile, or nil.
    public static func profile(named name: String) -> GossipConfiguration? {
        switch name {
        case "lan": .lan
        case "local": .local
        case "wan": .wan
        default: nil
        }
    }

    public static let profileNames = ["lan", "local", "wan"]

    /// Reasons this configuration cannot run, or an empty list.
    public func validationErrors() -> [String] {
        var errors: [String] = []
        if probeInterval <= .zero { errors.append("probe interval must be positive") }
        if probeTimeout <= .zero || probeTimeout >= probeInterval {
            errors.append("probe timeout must be positive and shorter than the probe interval")
        }
        if indirectChecks < 0 { errors.append("indirect checks must not be negative") }
        if !(suspicionMultiplier > 0) { errors.append("suspicion multiplier must be positive") }
        if suspicionConfirmations < 0 { errors.append("suspicion confirmations must not be negative") }
        if confirmationProbes < 0 { errors.append("confirmation probes must not be negative") }
        if suspicionMaxMultiplier < 1 { errors.append("suspicion max multiplier must be at least 1") }
        if gossipInterval <= .zero { errors.append("gossip interval must be positive") }
        if gossipFanout < 1 { errors.append("gossip fanout must be at least 1") }
        if retransmitMultiplier < 1 { errors.append("retransmit multiplier must be at least 1") }
        if pushPullInterval < .zero { errors.append("push-pull interval must not be negative") }
        if maxDatagramSize - sealingOverhead < 512 { errors.append("datagram size leaves under 512 payload bytes") }
        if maxDatagramSize > 65_000 { errors.append("datagram size must be at most 65000 bytes") }
        if awarenessMaxMultiplier < 1 { errors.append("awareness max multiplier must be at least 1") }
        if reapAfter <= .zero { errors.append("reap-after must be positive") }
        return errors
    }

    /// Payload bytes available in one datagram.
    var payloadBudget: Int { maxDatagramSize - sealingOverhead }
}
