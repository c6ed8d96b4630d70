/// Why bytes from the network were rejected. Decoding never traps; each case is counted by the shell.
public enum DecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    case truncated
    case unknownVersion(UInt8)
    case unknownKind(UInt8)
    case unknownMessageType(UInt8)
    case invalidString
    case invalidValue(String)
    case oversized(String)
    case trailingBytes(Int)

    public var description: String {
        switch self {
        case .truncated: "truncated input"
        case .unknownVersion(let v): "unknown wire version \(v)"
        case .unknownKind(let k): "unknown payload kind \(k)"
        case .unknownMessageType(let t): "unknown message type \(t)"
        case .invalidString: "invalid UTF-8 string"
        case .invalidValue(let what): "invalid value for \(what)"
        case .oversized(let what): "oversized \(what)"
        case .trailingBytes(let n): "\(n) unexpected trailing bytes"
        }
    }

    /// A short stable label for metrics.
    public var label: String {
        switch self {
        case .truncated: "truncated"
        case .unknownVersion: "unknown_version"
        case .unknownKind: "unknown_kind"
        case .unknownMessageType: "unknown_type"
        case .invalidString: "invalid_string"
        case .invalidValue: "invalid_value"
        case .oversized: "oversized"
        case .trailingBytes: "trailing_bytes"
        }
    }
}
