import Foundation

/// The two-message handshake that opens a broker link, and the session it yields.
///
/// Client hello: `[0xB1][version][24-byte nonce][AEAD(client random (32) ‖ client name)]`, sealed under the
/// client's primary cluster key with the server's name in the associated data, so it opens only at the node it was
/// meant for (as datagrams do). Server hello: `[0xB2][version][24-byte nonce][AEAD(server random (32))]`, sealed
/// under the key that opened the client hello, with the client's random and both names in the associated data, so
/// the client knows the reply is fresh and from a key holder.
///
/// Both sides then derive one key per direction from the cluster key, both randoms and both names. A replayed
/// client hello gets a fresh server random, so its replayer (who lacks the cluster key) can derive nothing; no
/// timestamps and no replay window are needed, and frames are numbered per direction by `LinkCipher`.
///
/// Sans-IO: randoms and nonces come from the caller's generator.
public enum LinkHandshake {
    public static let version: UInt8 = 1
    /// First byte of a client hello; the sealer's messages start with its version (1), so the two never mix.
    public static let clientHelloTag: UInt8 = 0xB1
    static let serverHelloTag: UInt8 = 0xB2
    static let randomCount = 32
    static let headerCount = 2 + AEAD.nonceCount

    /// Whether `frame` claims to be a client hello (it still has to open).
    public static func isClientHello(_ frame: some Collection<UInt8>) -> Bool {
        frame.first == clientHelloTag
    }

    /// The client's first step: the hello to send to `serverName`, and the state that reads the server's answer.
    public static func start(
        from clientName: String,
        to serverName: String,
        keyring: Keyring,
        using rng: inout some RandomNumberGenerator
    ) throws(LinkError) -> (hello: [UInt8], pending: LinkClientPending) {
        let client = try nameBytes(clientName)
        let server = try nameBytes(serverName)
        let random = randomBytes(randomCount, using: &rng)
        let key = keyring.primary.bytes
        let hello = sealHello(
            tag: clientHelloTag,
            random + client,
            context: Array("peer-link-client-hello".utf8) + server,
            key: key,
            using: &rng
        )
        let pending = LinkClientPending(clientName: client, serverName: server, clientRandom: random, key: key)
        return (hello, pending)
    }

    /// The server's step: opens a client hello meant for `serverName` under any installed key and returns the reply
    /// to send, the session, and the client's name.
    public static func accept(
        _ clientHello: some Collection<UInt8>,
        as serverName: String,
        keyring: Keyring,
        using rng: inout some RandomNumberGenerator
    ) throws(LinkError) -> (reply: [UInt8], session: LinkSession) {
        let server = try nameBytes(serverName)
        let context = Array("peer-link-client-hello".utf8) + server
        var opened: (plaintext: [UInt8], key: [UInt8])?
        for key in keyring.keys where opened == nil {
            if let plaintext = try openHello(clientHello, tag: clientHelloTag, context: context, key: key.bytes) {
                opened = (plaintext, key.bytes)
            }
        }
        guard let opened else { throw .authenticationFailed }
        guard opened.plaintext.count > randomCount else { throw .badName }
        let clientRandom = Array(opened.plaintext[..<randomCount])
        let client = Array(opened.plaintext[randomCount...])
        guard client.count <= 255, let clientName = String(bytes: client, encoding: .utf8) else { throw .badName }

        let serverRandom = randomBytes(randomCount, using: &rng)
        let reply = sealHello(
            tag: serverHelloTag,
            serverRandom,
            context: serverContext(clientRandom: clientRandom, client: client, server: server),
            key: opened.key,
            using: &rng
        )
        let keys = sessionKeys(opened.key, clientRandom, serverRandom, client, server)
        let session = LinkSession(
            peerName: clientName,
            sender: LinkCipher(key: keys.serverToClient),
            receiver: LinkCipher(key: keys.clientToServer)
        )
        return (reply, session)
    }

    static func serverContext(clientRandom: [UInt8], client: [UInt8], server: [UInt8]) -> [UInt8] {
        Array("peer-link-server-hello".utf8) + clientRandom + [UInt8(client.count)] + client + server
    }

    static func sessionKeys(
        _ key: [UInt8],
        _ clientRandom: [UInt8],
        _ serverRandom: [UInt8],
        _ client: [UInt8],
        _ server: [UInt8]
    ) -> (clientToServer: [UInt8], serverToClient: [UInt8]) {
        let input =
            Array("peer-link-session-v1".utf8) + clientRandom + serverRandom + [UInt8(client.count)] + client
            + [UInt8(server.count)] + server
        let derived = AEAD.derive(count: 2 * AEAD.keyCount, key: key, input: input)
        return (Array(derived[..<AEAD.keyCount]), Array(derived[AEAD.keyCount...]))
    }

    static func sealHello(
        tag: UInt8,
        _ plaintext: [UInt8],
        context: [UInt8],
        key: [UInt8],
        using rng: inout some RandomNumberGenerator
    ) -> [UInt8] {
        let header = [tag, version] + randomBytes(AEAD.nonceCount, using: &rng)
        let nonce = Array(header[2...])
        return header + AEAD.seal(plaintext, associated: header + context, nonce: nonce, key: key)
    }

    /// The plaintext if `hello` opens under `key`; nil if it does not authenticate; throws if it is malformed.
    static func openHello(
        _ hello: some Collection<UInt8>,
        tag: UInt8,
        context: [UInt8],
        key: [UInt8]
    ) throws(LinkError) -> [UInt8]? {
        let bytes = Array(hello)
        guard bytes.count >= headerCount + AEAD.tagCount else { throw .tooShort }
        guard bytes[0] == tag, bytes[1] == version else { throw .malformedHello }
        let header = Array(bytes[..<headerCount])
        return AEAD.open(
            Array(bytes[headerCount...]),
            associated: header + context,
            nonce: Array(header[2...]),
            key: key
        )
    }

    static func nameBytes(_ name: String) throws(LinkError) -> [UInt8] {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 255 else { throw .badName }
        return bytes
    }

    static func randomBytes(_ count: Int, using rng: inout some RandomNumberGenerator) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            let word = rng.next()
            for shift in stride(from: 0, to: 64, by: 8) where bytes.count < count {
                bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
            }
        }
        return bytes
    }
}

/// A client between sending its hello and reading the server's.
public struct LinkClientPending: Sendable {
    let clientName: [UInt8]
    let serverName: [UInt8]
    let clientRandom: [UInt8]
    let key: [UInt8]

    /// Opens the server's hello and derives the session.
    public func finish(_ serverHello: some Collection<UInt8>) throws(LinkError) -> LinkSession {
        let context = LinkHandshake.serverContext(clientRandom: clientRandom, client: clientName, server: serverName)
        guard
            let serverRandom = try LinkHandshake.openHello(
                serverHello,
                tag: LinkHandshake.serverHelloTag,
                context: context,
                key: key
            )
        else { throw .authenticationFailed }
        guard serverRandom.count == LinkHandshake.randomCount else { throw .malformedHello }
        let keys = LinkHandshake.sessionKeys(key, clientRandom, serverRandom, clientName, serverName)
        return LinkSession(
            peerName: String(decoding: serverName, as: UTF8.self),
            sender: LinkCipher(key: keys.clientToServer),
            receiver: LinkCipher(key: keys.serverToClient)
        )
    }
}

/// An established link: the peer's name, and the cipher of each direction.
public struct LinkSession: Sendable {
    /// The node at the other end, as proven by the handshake.
    public let peerName: String
    /// Seals what this side sends.
    public var sender: LinkCipher
    /// Opens what this side receives.
    public var receiver: LinkCipher
}
