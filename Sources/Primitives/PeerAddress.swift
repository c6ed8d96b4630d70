/// A peer's advertised `host:port`, as other members reach it over UDP and TCP.
public struct PeerAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (or `[v6]:port`); nil when malformed.
    public init?(_ text: String) {
        let trimmed = text.trimmingWhitespace()
        let hostPart: Substring
        let portPart: Substring
        if trimmed.hasPrefix("[") {
            guard let close = trimmed.firstIndex(of: "]") else { return nil }
            hostPart = trimmed[trimmed.index(after: trimmed.startIndex)..<close]
            let rest = trimmed[trimmed.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portPart = rest.dropFirst()
        } else {
            guard let colon = trimmed.lastIndex(of: ":") else { return nil }
            hostPart = trimmed[..<colon]
            portPart = trimmed[trimmed.index(after: colon)...]
            if hostPart.contains(":") { return nil }
        }
        guard !hostPart.isEmpty, let port = UInt16(portPart), port != 0 else { return nil }
        self.host = String(hostPart)
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    public static func < (lhs: PeerAddress, rhs: PeerAddress) -> Bool {
        (lhs.host, lhs.port) < (rhs.host, rhs.port)
    }
}

extension String {
    func trimmingWhitespace() -> Substring {
        var sub = self[...]
        while let first = sub.first, first.isWhitespace { sub = sub.dropFirst() }
        while let last = sub.last, last.isWhitespace { sub = sub.dropLast() }
        return sub
    }
}
