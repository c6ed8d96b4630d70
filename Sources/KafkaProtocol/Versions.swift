/// A range of message versions, as Kafka's JSON schemas write them: "3+", "8-10", "0", "none".
public struct Versions: Hashable, Sendable {
    public let lowest: Int16
    public let highest: Int16

    public init(_ lowest: Int16, _ highest: Int16) {
        self.lowest = lowest
        self.highest = highest
    }

    /// "N+": every version from `version` on.
    public static func since(_ version: Int16) -> Versions { Versions(version, .max) }
    /// "A-B": versions `lowest` through `highest`, inclusive.
    public static func range(_ lowest: Int16, _ highest: Int16) -> Versions { Versions(lowest, highest) }
    /// "N": exactly one version.
    public static func only(_ version: Int16) -> Versions { Versions(version, version) }
    /// "0+".
    public static let all = Versions(0, .max)
    /// "none".
    public static let none = Versions(1, 0)

    public func contains(_ version: Int16) -> Bool { version >= lowest && version <= highest }
}
