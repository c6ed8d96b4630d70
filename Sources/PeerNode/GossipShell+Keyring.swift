import Foundation
import Gossip
import Logging
import NIOCore
import PeerRPC
import Sealing

/// Cluster-wide keyring operations, like `serf keyring`: the node that receives the RPC sends a sealed request to
/// every alive or suspect member, applies the operation itself last, and reports who answered.
///
/// Requests and replies are sealed with the keyring as it was *before* the operation, so an `install`, `use` or
/// `remove` never makes its own answer unreadable.
extension GossipShell {
    /// Runs `operation` on every alive or suspect member and this node.
    func coordinateKeyringOperation(_ operation: KeyringOperation) -> EventLoopFuture<KeyringResponse> {
        eventLoop.assertInEventLoop()
        // Suspects are included: most are alive and merely slow, and a node left out would be cut off by a `use`.
        let targets = core.members.filter { $0.status.isActive && $0.name != core.name }
        let requestBody: [UInt8]
        do {
            requestBody = try [UInt8](JSONEncoder().encode(KeyringWireRequest(operation)))
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        logger.info(
            "keyring operation",
            metadata: ["operation": "\(operation.name)", "members": "\(targets.count + 1)"]
        )
        let replies = targets.map { target in
            exchangeStream(StreamMessage(type: .keyringOperation, body: requestBody), with: target.address)
                .assumeIsolated()
                .map { [self] sealedReply in
                    decodeKeyringReply(sealedReply, from: target.name)
                }
                .recover { error in
                    KeyringNodeReply(node: target.name, error: describeNetworkError(error), keys: [], primary: "")
                }
                .nonisolated()
        }
        return EventLoopFuture.whenAllSucceed(replies, on: eventLoop)
            .assumeIsolated()
            .map { [self] remoteReplies in
                let localReply = applyKeyringOperation(operation)
                return summarize(operation, replies: remoteReplies + [localReply])
            }
            .nonisolated()
    }

    /// Answers a keyring request from another node: applies it here and reports the result.
    func answerKeyringRequest(_ body: [UInt8]) -> [UInt8]? {
        guard let request = try? JSONDecoder().decode(KeyringWireRequest.self, from: Data(body)) else {
            logger.debug("malformed keyring request")
            return nil
        }
        let outcome: KeyringOutcome
        switch request.decoded() {
        case .success(let operation):
            outcome = prepareKeyringOperation(operation)
        case .failure(let error):
            outcome = KeyringOutcome(reply: nodeReply(for: sealer.keyring, error: error.description), newKeyring: nil)
        }
        guard let encoded = try? JSONEncoder().encode(outcome.reply) else { return nil }
        // Seal the answer before switching keys: the coordinator may not have the new primary yet.
        let sealedReply = seal(StreamMessage(type: .keyringOperation, body: [UInt8](encoded)))
        commit(outcome)
        return sealedReply
    }

    /// Applies `operation` to this node's keyring right away (the coordinator's own share of the work).
    func applyKeyringOperation(_ operation: KeyringOperation) -> KeyringNodeReply {
        let outcome = prepareKeyringOperation(operation)
        commit(outcome)
        return outcome.reply
    }

    /// A keyring operation worked out but not yet in effect.
    struct KeyringOutcome {
        var reply: KeyringNodeReply
        /// The keyring to switch to; nil when nothing changes.
        var newKeyring: Keyring?
    }

    /// Computes the result of `operation` and persists the new keyring, without using it yet.
    func prepareKeyringOperation(_ operation: KeyringOperation) -> KeyringOutcome {
        var keyring = sealer.keyring
        do {
            try operation.apply(to: &keyring)
        } catch {
            return KeyringOutcome(reply: nodeReply(for: sealer.keyring, error: error.description), newKeyring: nil)
        }
        guard operation.changesKeyring, keyring != sealer.keyring else {
            return KeyringOutcome(reply: nodeReply(for: keyring, error: nil), newKeyring: nil)
        }
        if let keyringStore {
            do {
                try keyringStore.save(keyring)
            } catch {
                let reason = "cannot write \(keyringStore.path): \(error.localizedDescription)"
                return KeyringOutcome(reply: nodeReply(for: sealer.keyring, error: reason), newKeyring: nil)
            }
        }
        logger.info(
            "keyring changed",
            metadata: [
                "operation": "\(operation.name)", "primary_key": "\(keyring.primary.fingerprint)",
                "keys": "\(keyring.keys.count)",
            ]
        )
        return KeyringOutcome(reply: nodeReply(for: keyring, error: nil), newKeyring: keyring)
    }

    private func commit(_ outcome: KeyringOutcome) {
        if let newKeyring = outcome.newKeyring { sealer.keyring = newKeyring }
    }

    private func nodeReply(for keyring: Keyring, error: String?) -> KeyringNodeReply {
        KeyringNodeReply(
            node: core.name,
            error: error,
            keys: keyring.keys.map(\.fingerprint),
            primary: keyring.primary.fingerprint
        )
    }

    private func decodeKeyringReply(_ sealedReply: [UInt8], from node: String) -> KeyringNodeReply {
        guard let message = openStreamMessage(sealedReply), message.type == .keyringOperation,
            let reply = try? JSONDecoder().decode(KeyringNodeReply.self, from: Data(message.body))
        else {
            return KeyringNodeReply(
                node: node,
                error: "reply could not be opened (sealed with a key this node lacks?)",
                keys: [],
                primary: ""
            )
        }
        return reply
    }

    private func summarize(_ operation: KeyringOperation, replies: [KeyringNodeReply]) -> KeyringResponse {
        var errors: [String: String] = [:]
        var responded = 0
        var installed: [String: Int] = [:]
        var primary: [String: Int] = [:]
        var order: [String] = []
        for reply in replies {
            if let error = reply.error {
                errors[reply.node] = error
            }
            guard !reply.primary.isEmpty else { continue }
            responded += 1
            for key in reply.keys {
                if installed[key] == nil { order.append(key) }
                installed[key, default: 0] += 1
            }
            primary[reply.primary, default: 0] += 1
        }
        var keys: [KeyringKeyView]?
        if operation == .list {
            keys = order.map { fingerprint in
                KeyringKeyView(
                    fingerprint: fingerprint,
                    installedOn: installed[fingerprint] ?? 0,
                    primaryOn: primary[fingerprint] ?? 0
                )
            }
        }
        return KeyringResponse(numNodes: replies.count, numResponded: responded, errors: errors, keys: keys)
    }
}
