/// Why a controller request did not succeed.
public enum RequestFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// No controller is known right now; an election may be under way.
    case noController
    /// The node asked is not (or no longer) the controller.
    case notController(String)
    /// The controller did not answer in time.
    case timedOut
    /// This node is shutting down.
    case shuttingDown
    /// The controller refused the request as invalid or conflicting.
    case rejected(String)

    public var description: String {
        switch self {
        case .noController: "no controller is elected right now; try again shortly"
        case .notController(let name): "\(name) is not the controller"
        case .timedOut: "no answer from the controller in time"
        case .shuttingDown: "the agent is shutting down"
        case .rejected(let reason): reason
        }
    }

    /// True when the request never reached an acting controller, so trying again later may succeed.
    public var isUnavailable: Bool {
        if case .rejected = self { return false }
        return true
    }
}
