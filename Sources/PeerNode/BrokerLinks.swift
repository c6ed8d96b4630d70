import Gossip
import NIOCore
import Primitives
import Sealing

/// This broker's links to its peers, one per member name, made on first use. A link's address is the member's
/// gossip address (links are served by the gossip TCP listener, see `BrokerLinkAcceptor`); when gossip reports a
/// member at a new address, its old link is closed and a new one made.
///
/// Safe to call from anywhere; its table lives on `eventLoop`.
final class BrokerLinks: Sendable {
    let eventLoop: any EventLoop
    private let localName: String
    private let keyring: @Sendable () -> Keyring?
    /// The address of an active member, or nil when gossip knows none of that name.
    private let resolve: @Sendable (String) -> PeerAddress?
    private let options: BrokerLinkOptions
    private let table: NIOLoopBoundBox<Table>

    private struct Table {
        var links: [String: BrokerLink] = [:]
        var stopped = false
    }

    /// - Parameters:
    ///   - keyring: the current keyring, or nil once the agent is stopping; called on `eventLoop`.
    ///   - resolve: a member's gossip address; called on `eventLoop`.
    init(
        localName: String,
        keyring: @escaping @Sendable () -> Keyring?,
        resolve: @escaping @Sendable (String) -> PeerAddress?,
        on eventLoop: any EventLoop,
        options: BrokerLinkOptions = BrokerLinkOptions()
    ) {
        self.localName = localName
        self.keyring = keyring
        self.resolve = resolve
        self.eventLoop = eventLoop
        self.options = options
        table = .makeBoxSendingValue(Table(), as: Table.self, eventLoop: eventLoop)
    }

    /// Links for a running agent: its name and keyring, and addresses from its member table. Call on the shell's loop.
    convenience init(shell: GossipShell, options: BrokerLinkOptions = BrokerLinkOptions()) {
        let bound = NIOLoopBound(shell, eventLoop: shell.eventLoop)
        self.init(
            localName: shell.configuration.name,
            keyring: { bound.value.isStopped ? nil : bound.value.sealer.keyring },
            resolve: { name in
                guard let member = bound.value.core.member(named: name), member.status.isActive else { return nil }
                return member.address
            },
            on: shell.eventLoop,
            options: options
        )
    }

    /// The link to `node`, made or remade for its current address; nil when gossip knows no active member of that
    /// name or the registry is closed. Call on `eventLoop`.
    func link(to node: String) -> BrokerLink? {
        guard !table.value.stopped, node != localName, let address = resolve(node) else { return nil }
        if let existing = table.value.links[node] {
            if existing.address == address { return existing }
            existing.close()
        }
        let link = BrokerLink(
            to: node,
            at: address,
            from: localName,
            keyring: keyring,
            on: eventLoop,
            options: options
        )
        table.value.links[node] = link
        return link
    }

    /// Sends a Kafka request frame to `node` over its link (see `BrokerLink.send`).
    func send(_ requestFrame: [UInt8], to node: String) -> EventLoopFuture<[UInt8]> {
        eventLoop.flatSubmit {
            guard let link = self.link(to: node) else {
                let error: BrokerLinkError = self.table.value.stopped ? .stopped : .unknownNode(node)
                return self.eventLoop.makeFailedFuture(error)
            }
            return link.send(requestFrame)
        }
    }

    func send(_ requestFrame: [UInt8], to node: String) async throws -> [UInt8] {
        try await send(requestFrame, to: node).get()
    }

    /// Closes the link to `node`, if any (a later request makes a new one).
    func close(_ node: String) {
        eventLoop.execute {
            self.table.value.links.removeValue(forKey: node)?.close()
        }
    }

    /// Closes every link; later requests fail with `.stopped`.
    func closeAll() {
        eventLoop.execute {
            self.table.value.stopped = true
            let links = self.table.value.links.values
            self.table.value.links = [:]
            for link in links { link.close() }
        }
    }
}
