import Foundation
import Gossip
import NIOCore
import NIOHTTP1
import PeerRPC
import Sealing

/// Maps RPC requests to the shell. Runs on the shell's event loop, so it reads the shell directly.
struct RPCRouter {
    let shell: GossipShell
    /// Starts the agent's graceful leave and shutdown.
    let leave: @Sendable () -> Void
    /// Renders the metrics backend's exposition text; nil answers `/metrics` with 404.
    let renderMetrics: (@Sendable () -> String)?

    func route(_ request: RPCRequest) -> EventLoopFuture<RPCResponse> {
        let eventLoop = shell.eventLoop
        if let answer = routePartitions(request) { return answer }
        switch (request.method, request.path) {
        case (.GET, "/v1/members"):
            return eventLoop.makeSucceededFuture(.json(shell.membersResponse))
        case (.GET, "/v1/info"):
            return eventLoop.makeSucceededFuture(.json(shell.infoResponse))
        case (.POST, "/v1/leave"):
            shell.logger.notice("leave requested over RPC", metadata: ["remote": "\(request.remote)"])
            leave()
            return eventLoop.makeSucceededFuture(.json(LeaveResponse(leaving: true, name: shell.core.name)))
        case (.GET, "/v1/keyring"):
            return keyring(.list)
        case (.POST, "/v1/keyring/install"), (.POST, "/v1/keyring/use"), (.POST, "/v1/keyring/remove"):
            let key: ClusterKey
            switch Self.parseKey(request.body) {
            case .success(let parsed): key = parsed
            case .failure(let failure): return eventLoop.makeSucceededFuture(failure.response)
            }
            let operation: KeyringOperation
            switch request.path {
            case "/v1/keyring/install": operation = .install(key)
            case "/v1/keyring/use": operation = .use(key)
            default: operation = .remove(key)
            }
            shell.logger.notice(
                "keyring change requested over RPC",
                metadata: [
                    "remote": "\(request.remote)", "operation": "\(operation.name)", "key": "\(key.fingerprint)",
                ]
            )
            return keyring(operation)
        case (.GET, "/metrics"):
            guard let renderMetrics else { return eventLoop.makeSucceededFuture(.error(.notFound, "metrics disabled")) }
            return eventLoop.makeSucceededFuture(
                RPCResponse(
                    status: .ok,
                    contentType: "text/plain; version=0.0.4; charset=utf-8",
                    body: Array(renderMetrics().utf8)
                )
            )
        case (_, "/v1/members"), (_, "/v1/info"), (_, "/v1/leave"), (_, "/v1/keyring"), (_, "/metrics"),
            (_, "/v1/keyring/install"), (_, "/v1/keyring/use"), (_, "/v1/keyring/remove"):
            return eventLoop.makeSucceededFuture(
                .error(.methodNotAllowed, "method \(request.method) not allowed on \(request.path)")
            )
        default:
            return eventLoop.makeSucceededFuture(.error(.notFound, "no such endpoint: \(request.path)"))
        }
    }

    private func keyring(_ operation: KeyringOperation) -> EventLoopFuture<RPCResponse> {
        shell.coordinateKeyringOperation(operation)
            .map { RPCResponse.json($0) }
            .recover { .error(.internalServerError, "keyring \(operation.name) failed: \($0)") }
    }

    /// The key from a `{"key":"base64"}` body, or a 400 that says what is wrong.
    static func parseKey(_ body: [UInt8]) -> Result<ClusterKey, RPCResponseError> {
        guard !body.isEmpty else {
            return .failure(RPCResponseError(.error(.badRequest, "missing body: expected {\"key\":\"<base64>\"}")))
        }
        guard let request = try? JSONDecoder().decode(KeyRequest.self, from: Data(body)) else {
            return .failure(RPCResponseError(.error(.badRequest, "malformed body: expected {\"key\":\"<base64>\"}")))
        }
        do {
            return .success(try ClusterKey(base64: request.key))
        } catch {
            return .failure(RPCResponseError(.error(.badRequest, "invalid key: \(error.description)")))
        }
    }
}

/// A ready-made error answer carried through a `Result`.
struct RPCResponseError: Error {
    var response: RPCResponse

    init(_ response: RPCResponse) {
        self.response = response
    }
}
