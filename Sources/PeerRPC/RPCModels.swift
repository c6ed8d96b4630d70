import Gossip

/// JSON bodies of the agent's HTTP RPC. The CLI decodes the same types the agent encodes.

/// `GET /v1/members`.
public struct MembersResponse: Codable, Sendable {
    public var members: [MemberView]

    public init(members: [MemberView]) {
        self.members = members
    }
}

/// One member as the RPC shows it.
public struct MemberView: Codable, Sendable, Equatable {
    public var name: String
    public var address: String
    /// One of alive, suspect, dead, left.
    public var status: String
    public var incarnation: UInt64
    public var roles: [String]
    public var tags: [String: String]

    public init(_ member: Member) {
        name = member.name
        address = member.address.description
        status = member.status.description
        incarnation = member.incarnation
        roles = member.metadata.roles
        tags = member.metadata.tags
    }
}

/// `GET /v1/info`.
public struct InfoResponse: Codable, Sendable {
    public var name: String
    public var address: String
    public var incarnation: UInt64
    public var healthScore: Int
    public var joined: Bool
    public var leaving: Bool
    public var roles: [String]
    public var tags: [String: String]
    /// Member counts by status, this node included.
    public var members: [String: Int]
    public var counters: CountersView
    public var uptimeSeconds: Double
    /// Fingerprint of the primary key (never the key itself).
    public var primaryKeyFingerprint: String
    public var installedKeys: Int
    /// Inbound TCP streams dropped unanswered: over the connection limits, oversized, unsealed or incomplete.
    public var streamsRejected: UInt64

    public init(
        name: String,
        address: String,
        incarnation: UInt64,
        healthScore: Int,
        joined: Bool,
        leaving: Bool,
        roles: [String],
        tags: [String: String],
        members: [String: Int],
        counters: CountersView,
        uptimeSeconds: Double,
        primaryKeyFingerprint: String,
        installedKeys: Int,
        streamsRejected: UInt64
    ) {
        self.name = name
        self.address = address
        self.incarnation = incarnation
        self.healthScore = healthScore
        self.joined = joined
        self.leaving = leaving
        self.roles = roles
        self.tags = tags
        self.members = members
        self.counters = counters
        self.uptimeSeconds = uptimeSeconds
        self.primaryKeyFingerprint = primaryKeyFingerprint
        self.installedKeys = installedKeys
        self.streamsRejected = streamsRejected
    }
}

/// The core's `GossipCounters`.
public struct CountersView: Codable, Sendable {
    public var datagramsSent: UInt64
    public var bytesSent: UInt64
    public var datagramsReceived: UInt64
    public var decodeErrors: UInt64
    public var probes: UInt64
    public var indirectProbes: UInt64
    public var failedProbes: UInt64
    public var suspicionsRaised: UInt64
    public var refutations: UInt64
    public var membersDeclaredDead: UInt64
    public var pushPulls: UInt64
    public var joinRetries: UInt64

    public init(_ counters: GossipCounters) {
        datagramsSent = counters.datagramsSent
        bytesSent = counters.bytesSent
        datagramsReceived = counters.datagramsReceived
        decodeErrors = counters.decodeErrors
        probes = counters.probes
        indirectProbes = counters.indirectProbes
        failedProbes = counters.failedProbes
        suspicionsRaised = counters.suspicionsRaised
        refutations = counters.refutations
        membersDeclaredDead = counters.membersDeclaredDead
        pushPulls = counters.pushPulls
        joinRetries = counters.joinRetries
    }
}

/// Body of `POST /v1/keyring/install|use|remove`.
public struct KeyRequest: Codable, Sendable {
    public var key: String

    public init(key: String) {
        self.key = key
    }
}

/// Answer to every keyring endpoint: how many alive or suspect nodes (this one included) were asked and answered, the
/// per-node errors, and for `list` the keys found.
public struct KeyringResponse: Codable, Sendable {
    public var numNodes: Int
    public var numResponded: Int
    /// Node name → error, for nodes that failed or did not answer.
    public var errors: [String: String]
    /// Only for `list`: every key seen, by fingerprint, with how many nodes have it installed and use it as primary.
    public var keys: [KeyringKeyView]?

    public init(numNodes: Int, numResponded: Int, errors: [String: String], keys: [KeyringKeyView]?) {
        self.numNodes = numNodes
        self.numResponded = numResponded
        self.errors = errors
        self.keys = keys
    }
}

/// One key seen by `list`, by fingerprint only: the RPC never returns key material.
public struct KeyringKeyView: Codable, Sendable {
    public var fingerprint: String
    public var installedOn: Int
    public var primaryOn: Int

    public init(fingerprint: String, installedOn: Int, primaryOn: Int) {
        self.fingerprint = fingerprint
        self.installedOn = installedOn
        self.primaryOn = primaryOn
    }
}

/// `POST /v1/leave`.
public struct LeaveResponse: Codable, Sendable {
    public var leaving: Bool
    public var name: String

    public init(leaving: Bool, name: String) {
        self.leaving = leaving
        self.name = name
    }
}

/// Every non-2xx answer.
public struct ErrorResponse: Codable, Sendable {
    public var error: String

    public init(error: String) {
        self.error = error
    }
}
