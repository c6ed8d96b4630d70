import ArgumentParser
import Foundation
import Gossip
import Logging
import PeerNode
import Primitives
import Sealing
import ServiceLifecycle

/// `peer agent`: runs one cluster member until SIGINT/SIGTERM (graceful leave) or `peer leave`.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run a cluster agent.",
        discussion: """
            Gossip uses UDP and TCP on the bind port. The RPC endpoint (HTTP/JSON, used by the other commands) \
            listens on --rpc, 127.0.0.1:7373 by default; changes through it need the token from --rpc-token-file, \
            and without one it must stay on loopback. One of --key or --key-file is required unless \
            --data-dir already holds a keyring.json (which then wins over --key).
            """
    )

    @Option(help: "Unique member name (default: the host name).")
    var name: String?

    @Option(help: ArgumentHelp("Address to bind UDP and TCP to.", valueName: "host:port"))
    var bind: String = "0.0.0.0:\(AgentConfiguration.defaultGossipPort)"

    @Option(
        help: ArgumentHelp(
            "Address other members reach this one at (default: the bind address, or this host's first IPv4 "
                + "address when binding 0.0.0.0).",
            valueName: "host:port"
        )
    )
    var advertise: String?

    @Option(
        name: .customLong("seed"),
        help: ArgumentHelp("Address of a member to join through (repeatable).", valueName: "host:port")
    )
    var seeds: [String] = []

    @Option(help: ArgumentHelp("RPC listen address.", valueName: "host:port"))
    var rpc: String = AgentConfiguration.defaultRPCAddress.description

    @Option(
        help: ArgumentHelp(
            "File holding the RPC token that changes and the keyring require; without one the RPC is read-only and "
                + "must listen on loopback.",
            valueName: "path"
        )
    )
    var rpcTokenFile: String?

    @Option(help: ArgumentHelp("Cluster key, base64 (see `peer keygen`).", valueName: "base64"))
    var key: String?

    @Option(help: ArgumentHelp("File holding the base64 cluster key.", valueName: "path"))
    var keyFile: String?

    @Option(
        help: ArgumentHelp(
            "Timing profile: \(GossipConfiguration.profileNames.joined(separator: ", ")).",
            valueName: "name"
        )
    )
    var profile: String = "lan"

    @Option(help: ArgumentHelp("Comma-separated roles, e.g. broker,controller.", valueName: "roles"))
    var roles: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("A key=value tag (repeatable).", valueName: "key=value"))
    var tags: [String] = []

    @Option(
        help: ArgumentHelp(
            "Directory for keyring.json (rotations persist there) and the cluster state (topics, partitions).",
            valueName: "dir"
        )
    )
    var dataDir: String?

    @Option(
        help: ArgumentHelp(
            "Kafka listener address for brokers, or 'off' (default 0.0.0.0:9092 when the node has the broker role).",
            valueName: "host:port"
        )
    )
    var kafka: String?

    @Option(help: ArgumentHelp("Address Kafka clients are told to connect to.", valueName: "host:port"))
    var kafkaAdvertise: String?

    @Option(
        help: ArgumentHelp(
            "Kafka broker id (default: the one kept in --data-dir, else chosen once and kept there).",
            valueName: "n"
        )
    )
    var nodeId: Int32?

    @OptionGroup(title: "Timing overrides")
    var timing: TimingOverrides

    @OptionGroup(title: "Controller and partitions")
    var controller: ControllerOptions

    @Option(help: ArgumentHelp("Log level: trace, debug, info, notice, warning, error, critical.", valueName: "level"))
    var logLevel: String = "info"

    /// Used by `peer dev`: leave and exit when the parent process goes away, so children never outlive it.
    @Flag(help: .hidden)
    var exitWithParent = false

    func validate() throws {
        _ = try makeConfiguration()
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level: unknown level '\(logLevel)'")
        }
    }

    func run() async throws {
        let configuration = try makeConfiguration()
        let level = Logger.Level(rawValue: logLevel) ?? .info
        let renderMetrics = Observability.bootstrap(logLevel: level)
        var logger = Logger(label: "peer.agent")
        logger[metadataKey: "node"] = "\(configuration.name)"

        let service = PeerAgentService(configuration: configuration, logger: logger, renderMetrics: renderMetrics)
        var groupLogger = logger
        // The group's own lifecycle chatter is noise; our errors are reported as one line by the entry point.
        groupLogger.logLevel = .critical
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: groupLogger
            )
        )
        // Not part of the group: it only asks the group to shut down gracefully, and must not cancel it by finishing.
        let parentWatch: Task<Void, Never>? =
            exitWithParent
            ? Task { [logger] in
                guard await ParentWatch.waitForParentExit() else { return }
                logger.notice("parent process exited; leaving")
                await group.triggerGracefulShutdown()
            } : nil
        defer { parentWatch?.cancel() }
        try await group.run()
    }

    /// Builds and checks the whole configuration, throwing a one-line reason for the first problem found.
    func makeConfiguration() throws -> AgentConfiguration {
        let bindAddress = try AddressParsing.parse(bind, flag: "--bind")
        let advertiseAddress: PeerAddress
        if let advertise {
            advertiseAddress = try AddressParsing.parse(advertise, flag: "--advertise")
        } else if let chosen = AdvertiseAddress.choose(for: bindAddress) {
            advertiseAddress = chosen
        } else {
            throw ValidationError("--advertise is required: no usable IPv4 address found to advertise")
        }
        let seedAddresses = try seeds.map { try AddressParsing.parse($0, flag: "--seed") }
        if let dataDir {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dataDir, isDirectory: &isDirectory), !isDirectory.boolValue {
                throw ValidationError("--data-dir: \(dataDir) exists and is not a directory")
            }
        }
        let rpcAddress = try AddressParsing.parse(rpc, flag: "--rpc")

        guard var gossip = GossipConfiguration.profile(named: profile) else {
            throw ValidationError(
                "--profile: unknown profile '\(profile)' (expected \(GossipConfiguration.profileNames.joined(separator: ", ")))"
            )
        }
        timing.apply(to: &gossip)
        let nodeName = name ?? ProcessInfo.processInfo.hostName
        let partitions = try controller.configuration()
        var roles = try parsedRoles()
        if partitions.voters.contains(nodeName) && !roles.contains("controller") { roles.append("controller") }

        let configuration = AgentConfiguration(
            name: nodeName,
            bind: bindAddress,
            advertise: advertiseAddress,
            seeds: seedAddresses,
            rpcAddress: rpcAddress,
            rpcToken: try rpcToken(),
            keyring: try keyring(),
            gossip: gossip,
            partitions: partitions,
            metadata: NodeMetadata(roles: roles, tags: try parsedTags()),
            dataDirectory: dataDir,
            kafka: try kafkaListener(roles: roles)
        )
        let problems = configuration.validationErrors()
        guard problems.isEmpty else { throw ValidationError(problems.joined(separator: "; ")) }
        if configuration.keyring == nil, !(dataDir.map { KeyringStore(dataDirectory: $0).exists } ?? false) {
            throw ValidationError(
                "a cluster key is required: pass --key or --key-file (generate one with `peer keygen`)"
            )
        }
        return configuration
    }

    /// The Kafka listener: on by default for brokers, `--kafka off` turns it off.
    private func kafkaListener(roles: [String]) throws -> KafkaListenerConfiguration? {
        if kafka == "off" {
            if kafkaAdvertise != nil || nodeId != nil {
                throw ValidationError("--kafka-advertise and --node-id need a Kafka listener (not --kafka off)")
            }
            return nil
        }
        guard roles.contains("broker") else {
            if kafka != nil { throw ValidationError("--kafka needs the broker role (--roles broker)") }
            return nil
        }
        let bind = try AddressParsing.parse(
            kafka ?? "0.0.0.0:\(KafkaListenerConfiguration.defaultPort)",
            flag: "--kafka"
        )
        let advertise = try kafkaAdvertise.map { try AddressParsing.parse($0, flag: "--kafka-advertise") }
        return KafkaListenerConfiguration(bind: bind, advertise: advertise, nodeID: nodeId)
    }

    private func rpcToken() throws -> String? {
        guard let rpcTokenFile else { return nil }
        guard let contents = FileManager.default.contents(atPath: rpcTokenFile),
            let text = String(data: contents, encoding: .utf8)
        else {
            throw ValidationError("--rpc-token-file: cannot read \(rpcTokenFile)")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ValidationError("--rpc-token-file: \(rpcTokenFile) is empty") }
        return token
    }

    private func keyring() throws -> Keyring? {
        switch (key, keyFile) {
        case (.some, .some):
            throw ValidationError("pass only one of --key and --key-file")
        case (.some(let text), nil):
            return Keyring(primary: try parseKey(text, source: "--key"))
        case (nil, .some(let path)):
            guard let contents = FileManager.default.contents(atPath: path),
                let text = String(data: contents, encoding: .utf8)
            else {
                throw ValidationError("--key-file: cannot read \(path)")
            }
            return Keyring(primary: try parseKey(text, source: "--key-file \(path)"))
        case (nil, nil):
            return nil
        }
    }

    private func parseKey(_ text: String, source: String) throws -> ClusterKey {
        do {
            return try ClusterKey(base64: text)
        } catch {
            throw ValidationError("\(source): \(error.description)")
        }
    }

    private func parsedRoles() throws -> [String] {
        guard let roles else { return [] }
        let parsed = roles.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if parsed.isEmpty { throw ValidationError("--roles: expected a comma-separated list, e.g. broker,controller") }
        return parsed
    }

    private func parsedTags() throws -> [String: String] {
        var parsed: [String: String] = [:]
        for tag in tags {
            guard let equals = tag.firstIndex(of: "="), equals != tag.startIndex else {
                throw ValidationError("--tag: expected key=value, got '\(tag)'")
            }
            parsed[String(tag[..<equals])] = String(tag[tag.index(after: equals)...])
        }
        return parsed
    }
}

/// Per-setting overrides of the chosen profile.
struct TimingOverrides: ParsableArguments {
    @Option(help: ArgumentHelp("Probe interval.", valueName: "ms"))
    var probeInterval: Int?

    @Option(help: ArgumentHelp("Direct probe timeout.", valueName: "ms"))
    var probeTimeout: Int?

    @Option(name: .customLong("suspicion-mult"), help: ArgumentHelp("Suspicion timeout multiplier.", valueName: "n"))
    var suspicionMultiplier: Double?

    @Option(help: ArgumentHelp("Gossip interval.", valueName: "ms"))
    var gossipInterval: Int?

    @Option(help: ArgumentHelp("Push-pull interval; 0 disables anti-entropy.", valueName: "ms"))
    var pushPullInterval: Int?

    @Option(help: ArgumentHelp("Forget dead and left members after this long.", valueName: "s"))
    var reapAfter: Int?

    @Option(help: ArgumentHelp("Members asked to probe indirectly.", valueName: "n"))
    var indirectChecks: Int?

    func apply(to gossip: inout GossipConfiguration) {
        if let probeInterval { gossip.probeInterval = .milliseconds(probeInterval) }
        if let probeTimeout { gossip.probeTimeout = .milliseconds(probeTimeout) }
        if let suspicionMultiplier { gossip.suspicionMultiplier = suspicionMultiplier }
        if let gossipInterval { gossip.gossipInterval = .milliseconds(gossipInterval) }
        if let pushPullInterval { gossip.pushPullInterval = .milliseconds(pushPullInterval) }
        if let reapAfter { gossip.reapAfter = .seconds(reapAfter) }
        if let indirectChecks { gossip.indirectChecks = indirectChecks }
    }
}
