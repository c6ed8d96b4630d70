import Gossip
import NIOCore
import NIOHTTP1
import Primitives
import Sealing

/// Who may use the RPC endpoint, checked before any request is routed.
///
/// - A request carrying `Origin` comes from a web page (the CLI never sends one): refused, so no site a browser
///   visits can drive the agent (cross-site request forgery).
/// - `Host` must name the address the RPC listens on, so a DNS name rebound to 127.0.0.1 cannot read it.
/// - A `POST` must be `application/json`, which a plain HTML form cannot send.
/// - Every `POST` and the keyring need the token (`Authorization: Bearer`); without a configured token they are
///   refused outright and the RPC is read-only. `/metrics` and the other reads stay open.
struct RPCAccessPolicy: Sendable {
    /// The configured token; nil makes the RPC read-only.
    let token: String?
    /// The address the RPC listener is bound to.
    let boundAddress: PeerAddress

    /// Whether a request needs the token: everything that changes state, and the keyring even to read.
    static func requiresToken(method: HTTPMethod, path: String) -> Bool {
        method != .GET || path == "/v1/keyring" || path.hasPrefix("/v1/keyring/")
    }

    /// The answer refusing `head`, or nil when it may be routed.
    func refusal(for head: HTTPRequestHead, path: String) -> RPCResponse? {
        if head.headers.contains(name: "Origin") {
            return .error(.forbidden, "requests from web pages (with an Origin header) are refused")
        }
        let hosts = head.headers["Host"]
        guard hosts.count == 1, let host = hosts.first, acceptsHost(host) else {
            let shown = hosts.first.map { "'\($0)'" } ?? "none"
            return .error(.forbidden, "Host \(shown) is not this agent's RPC address \(boundAddress)")
        }
        if head.method == .POST, !Self.isJSON(head.headers["Content-Type"]) {
            return .error(.unsupportedMediaType, "POST bodies must be Content-Type: application/json")
        }
        guard Self.requiresToken(method: head.method, path: path) else { return nil }
        guard let token else {
            return .error(
                .forbidden,
                "this agent has no RPC token, so its RPC is read-only; start it with --rpc-token-file"
            )
        }
        guard let presented = Self.bearerToken(head.headers["Authorization"]), Secrets.equal(presented, token) else {
            return .error(.unauthorized, "missing or wrong RPC token (pass --rpc-token or set PEER_RPC_TOKEN)")
        }
        return nil
    }

    /// Whether a `Host` header names this listener: the bound port, and the bound host (any IP literal or
    /// `localhost` when bound to a wildcard; any loopback name when bound to loopback). Names that are not the
    /// bound one are what DNS rebinding uses, so they are refused.
    func acceptsHost(_ header: String) -> Bool {
        guard let (host, port) = Self.splitHost(header), port == boundAddress.port else { return false }
        let lowered = host.lowercased()
        if lowered == boundAddress.host.lowercased() { return true }
        if AgentConfiguration.isUnspecifiedHost(boundAddress.host) {
            return lowered == "localhost" || Self.isIPLiteral(lowered)
        }
        if AgentConfiguration.isLoopbackHost(boundAddress.host) {
            return AgentConfiguration.isLoopbackHost(lowered) && (lowered == "localhost" || Self.isIPLiteral(lowered))
        }
        return false
    }

    /// `host:port` or `[v6]:port` into its parts; nil without a valid port.
    static func splitHost(_ header: String) -> (String, UInt16)? {
        let text = header.trimmingCharacters(in: .whitespaces)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let port = UInt16(rest.dropFirst()) else { return nil }
            return (host, port)
        }
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            return nil
        }
        return (String(text[..<colon]), port)
    }

    static func isIPLiteral(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    static func isJSON(_ values: [String]) -> Bool {
        guard values.count == 1, let value = values.first else { return false }
        let mediaType = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }

    static func bearerToken(_ values: [String]) -> String? {
        guard values.count == 1, let value = values.first else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
