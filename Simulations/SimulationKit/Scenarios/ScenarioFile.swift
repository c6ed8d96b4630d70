import Foundation

/// A scenario file: JSON with optional run defaults and timed fault events.
///
/// ```json
/// {"name": "demo", "nodes": 20, "duration": 180, "profile": "lan",
///  "network": {"latencyMs": 0.5, "jitterMs": 0.5, "loss": 0.01},
///  "clocks": {"skewMs": 200, "driftPPM": 100},
///  "events": [{"at": 30, "action": "crash", "nodes": [3]},
///             {"at": 40, "action": "partition-halves", "for": 30},
///             {"at": 90, "action": "flap", "nodes": [1, 2], "period": 2, "count": 6}]}
/// ```
public struct ScenarioFile: Decodable, Sendable {
    public var name: String?
    public var description: String?
    public var nodes: Int?
    public var duration: Double?
    public var seed: UInt64?
    public var profile: String?
    public var network: NetworkOverrides?
    public var clocks: ClockSettings?
    public var events: [Event]

    /// Network fields a file may set; the rest come from the profile's defaults.
    public struct NetworkOverrides: Decodable, Sendable {
        public var latencyMs: Double?
        public var jitterMs: Double?
        public var latencySpreadMs: Double?
        public var loss: Double?
        public var duplicate: Double?

        func applied(to base: NetworkSettings) -> NetworkSettings {
            var settings = base
            if let latencyMs { settings.latencyMs = latencyMs }
            if let jitterMs { settings.jitterMs = jitterMs }
            if let latencySpreadMs { settings.latencySpreadMs = latencySpreadMs }
            if let loss { settings.loss = loss }
            if let duplicate { settings.duplicate = duplicate }
            return settings
        }
    }

    public struct Event: Decodable, Sendable {
        public var at: Double
        public var action: String
        public var nodes: [Int]?
        public var groups: [[Int]]?
        public var via: [Int]?
        public var from: [Int]?
        public var to: [Int]?
        /// Undo the fault this many seconds later.
        public var `for`: Double?
        public var delayMs: Double?
        public var stepMs: Double?
        public var drift: Double?
        public var loss: Double?
        public var duplicate: Double?
        public var latencyMs: Double?
        public var jitterMs: Double?
        public var period: Double?
        public var count: Int?
    }

    public static let actions = [
        "crash", "restart", "leave", "pause", "resume", "slow", "partition", "partition-halves", "isolate", "one-way",
        "bridge", "heal", "heal-partitions", "unblock", "cut", "restore", "flap", "network", "clock",
        "crash-controller", "crash-leader", "isolate-controller", "restart-victims",
    ]

    /// Parses a file, with a one-line error naming the field at fault.
    public static func load(contentsOf url: URL) throws(ScenarioError) -> ScenarioFile {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ScenarioError("cannot read scenario file \(url.path): \(error.localizedDescription)")
        }
        return try parse(data, source: url.lastPathComponent)
    }

    public static func parse(_ data: Data, source: String = "scenario") throws(ScenarioError) -> ScenarioFile {
        do {
            return try JSONDecoder().decode(ScenarioFile.self, from: data)
        } catch let error as DecodingError {
            throw ScenarioError("\(source): \(describe(error))")
        } catch {
            throw ScenarioError("\(source): \(error)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return p.isEmpty ? "top level" : String(p.drop { $0 == "." })
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = context.codingPath.isEmpty ? "" : " in \(path(context))"
            return "missing field \"\(key.stringValue)\"\(at)"
        case .typeMismatch(let type, let context):
            return "field \(path(context)) has the wrong type (expected \(type))"
        case .valueNotFound(let type, let context):
            return "field \(path(context)) is null (expected \(type))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "not valid JSON" }
            return "field \(path(context)): \(context.debugDescription)"
        @unknown default:
            return "not a valid scenario"
        }
    }

    /// The scenario for a run with `nodes` nodes (expands `for`, `flap` and `partition-halves`).
    public func resolve(nodes n: Int, duration: Double, profile: String = "lan") throws(ScenarioError) -> Scenario {
        var faults: [TimedFault] = []
        var errors: [String] = []
        for (index, event) in events.enumerated() {
            let here = "event \(index) (\(event.action))"
            func need<T>(_ value: T?, _ field: String) -> T? {
                if value == nil { errors.append("\(here): missing field \"\(field)\"") }
                return value
            }
            var undo: FaultAction?
            let action: FaultAction?
            switch event.action {
            case "crash": action = need(event.nodes, "nodes").map { .crash($0) }
            case "restart": action = need(event.nodes, "nodes").map { .restart($0) }
            case "leave": action = need(event.nodes, "nodes").map { .leave($0) }
            case "pause":
                action = need(event.nodes, "nodes").map { .pause($0) }
                undo = event.nodes.map { .resume($0) }
            case "resume": action = need(event.nodes, "nodes").map { .resume($0) }
            case "slow":
                if let nodes = need(event.nodes, "nodes"), let delay = need(event.delayMs, "delayMs") {
                    action = .slow(nodes, delayMs: delay)
                    undo = .slow(nodes, delayMs: 0)
                } else {
                    action = nil
                }
            case "partition":
                action = need(event.groups, "groups").map { .partition($0) }
                undo = .healPartitions
            case "partition-halves":
                action = .partition([Array(0..<(n / 2)), Array((n / 2)..<n)])
                undo = .healPartitions
            case "isolate":
                action = need(event.nodes, "nodes").map { .isolate($0) }
                undo = .healPartitions
            case "bridge":
                if let groups = need(event.groups, "groups"), let via = need(event.via, "via") {
                    action = .bridge(groups: groups, via: via)
                } else {
                    action = nil
                }
                undo = .healPartitions
            case "one-way", "unblock":
                if let from = need(event.from, "from"), let to = need(event.to, "to") {
                    action = event.action == "one-way" ? .oneWay(from: from, to: to) : .unblock(from: from, to: to)
                    undo = .unblock(from: from, to: to)
                } else {
                    action = nil
                }
            case "heal": action = .heal
            case "crash-controller": action = .crashController
            case "crash-leader": action = .crashLeader
            case "isolate-controller":
                action = .isolateController
                undo = .healPartitions
            case "restart-victims": action = .restartVictims
            case "heal-partitions": action = .healPartitions
            case "cut", "restore", "flap":
                guard let pair = need(event.nodes, "nodes") else {
                    action = nil
                    break
                }
                guard pair.count == 2 else {
                    errors.append("\(here): \"nodes\" must name exactly two nodes")
                    action = nil
                    break
                }
                if event.action == "flap" {
                    let period = event.period ?? 2
                    let count = event.count ?? 5
                    guard period > 0, count > 0, count <= 100_000 else {
                        errors.append("\(here): period must be positive and count in 1...100000")
                        action = nil
                        break
                    }
                    for i in 0..<count {
                        faults.append(TimedFault(at: event.at + Double(2 * i) * period / 2, .cut(pair[0], pair[1])))
                        faults.append(
                            TimedFault(at: event.at + Double(2 * i + 1) * period / 2, .restore(pair[0], pair[1]))
                        )
                    }
                    action = nil
                } else {
                    action = event.action == "cut" ? .cut(pair[0], pair[1]) : .restore(pair[0], pair[1])
                    undo = .restore(pair[0], pair[1])
                }
            case "network":
                action = .network(
                    loss: event.loss,
                    duplicate: event.duplicate,
                    latencyMs: event.latencyMs,
                    jitterMs: event.jitterMs
                )
            case "clock":
                action = need(event.nodes, "nodes").map {
                    .clock($0, stepMs: event.stepMs ?? 0, drift: event.drift ?? 0)
                }
            default:
                errors.append("\(here): unknown action; expected one of \(Self.actions.joined(separator: ", "))")
                action = nil
            }
            if let action { faults.append(TimedFault(at: event.at, action)) }
            if let span = event.for {
                if !(span > 0) {
                    errors.append("\(here): \"for\" must be positive")
                } else if let undo, action != nil {
                    faults.append(TimedFault(at: event.at + span, undo))
                } else if action != nil {
                    errors.append("\(here): \"for\" is not supported for this action")
                }
            }
        }
        let scenario = Scenario(
            name: name ?? "file",
            summary: description ?? "",
            network: network?.applied(to: NetworkSettings.defaults(forProfile: profile)),
            clocks: clocks,
            faults: faults
        )
        errors += scenario.validationErrors(nodes: n, duration: duration)
        if let clocks, !(clocks.skewMs >= 0 && clocks.driftPPM >= 0 && clocks.driftPPM < 500_000) {
            errors.append("clocks: skewMs and driftPPM must be non-negative (driftPPM below 500000)")
        }
        if !errors.isEmpty { throw ScenarioError(errors.joined(separator: "\n")) }
        return scenario
    }
}
