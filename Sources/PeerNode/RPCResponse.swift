import Foundation
import NIOHTTP1
import PeerRPC

/// An HTTP answer from the RPC router: status, content type and body.
struct RPCResponse: Sendable {
    var status: HTTPResponseStatus
    var contentType: String
    var body: [UInt8]

    /// Shared JSON style: sorted keys (stable output), slashes unescaped (base64 keys contain them).
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func json(_ value: some Encodable, status: HTTPResponseStatus = .ok) -> RPCResponse {
        do {
            var body = [UInt8](try encoder().encode(value))
            body.append(UInt8(ascii: "\n"))
            return RPCResponse(status: status, contentType: "application/json", body: body)
        } catch {
            return RPCResponse(
                status: .internalServerError,
                contentType: "text/plain",
                body: Array("cannot encode response\n".utf8)
            )
        }
    }

    static func error(_ status: HTTPResponseStatus, _ message: String) -> RPCResponse {
        json(ErrorResponse(error: message), status: status)
    }
}

/// A complete HTTP request as the router sees it.
struct RPCRequest: Sendable {
    var method: HTTPMethod
    /// The path without any query string.
    var path: String
    /// Query parameters, percent-decoded.
    var query: [String: String] = [:]
    var body: [UInt8]
    /// The client's address, for the log of who asked for a change.
    var remote: String = "unknown"
}
