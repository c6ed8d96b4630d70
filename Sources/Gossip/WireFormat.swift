import Primitives

/// The compact, versioned binary encoding of datagrams and push-pull state. Big-endian, explicit lengths.
///
/// Layout: `version u8, kind u8`, then for a datagram `count u8` and `count` × (`type u8, length u16, body`); for
/// push-pull `flags u8, count u32` and `count` member entries.
public enum WireFormat {
    public static let version: UInt8 = 1
    /// The second byte of every payload says which layer it is for, so one socket serves them all.
    public static let datagramKind: UInt8 = 1
    public static let pushPullKind: UInt8 = 2
    /// Direct messages of the partitions layer (leases, requests to the controller).
    public static let controlKind: UInt8 = 3

    /// The kind byte of a payload, or nil when it is too short or of an unknown version.
    public static func kind(of bytes: [UInt8]) -> UInt8? {
        guard bytes.count >= 2, bytes[0] == version else { return nil }
        return bytes[1]
    }
    /// Header bytes of a datagram before its first message.
    static let datagramHeaderSize = 3
    /// Per-message framing (type and length).
    static let messageHeaderSize = 3
    static let maxMessagesPerDatagram = 255
    static let maxNameBytes = 255
    static let maxTags = 64
    static let maxRoles = 32
    static let maxTagBytes = 1024
    static let maxPushPullMembers = 1 << 20
    static let maxStateEntries = 1 << 22
    /// A state value must fit in a datagram with room to spare.
    public static let maxStateValueBytes = 1024

    enum MessageType: UInt8 {
        case ping = 1
        case ack = 2
        case nack = 3
        case pingRequest = 4
        case alive = 5
        case suspect = 6
        case dead = 7
        case left = 8
        case state = 9
    }

    /// Encodes one message body with its type and length header.
    public static func encode(_ message: GossipMessage) -> [UInt8] {
        var body = ByteWriter()
        let type: MessageType
        switch message {
        case .ping(let sequence, let target, let source):
            type = .ping
            body.write(sequence)
            body.write(target)
            body.write(source)
        case .ack(let sequence, let source):
            type = .ack
            body.write(sequence)
            body.write(source)
        case .nack(let sequence):
            type = .nack
            body.write(sequence)
        case .pingRequest(let sequence, let target, let targetAddress, let source):
            type = .pingRequest
            body.write(sequence)
            body.write(target)
            body.write(targetAddress)
            body.write(source)
        case .alive(let update):
            // One layout for alive messages: the member table renders queued ones through `encodeAlive` too.
            var metadata = ByteWriter()
            metadata.write(update.metadata)
            return encodeAlive(
                name: update.name,
                incarnation: update.incarnation,
                host: update.address.host,
                port: update.address.port,
                encodedMetadata: metadata.bytes
            )
        case .suspect(let accusation):
            type = .suspect
            body.write(accusation)
        case .dead(let accusation):
            type = .dead
            body.write(accusation)
        case .left(let name, let incarnation):
            type = .left
            body.write(name)
            body.write(incarnation)
        case .state(let entry):
            type = .state
            body.write(entry)
        }
        var out = ByteWriter()
        out.write(type.rawValue)
        out.write(UInt16(clamping: body.bytes.count))
        out.bytes.append(contentsOf: body.bytes)
        return out.bytes
    }

    /// An alive message from its parts, with the metadata already encoded (the member table caches it per pool
    /// value), so a queued alive is rendered without building the update.
    static func encodeAlive(
        name: String,
        incarnation: UInt64,
        host: String,
        port: UInt16,
        encodedMetadata: [UInt8]
    ) -> [UInt8] {
        var w = ByteWriter()
        w.bytes.reserveCapacity(messageHeaderSize + 16 + name.utf8.count + host.utf8.count + encodedMetadata.count)
        w.write(MessageType.alive.rawValue)
        w.write(UInt16(0))
        w.write(name)
        w.write(incarnation)
        w.write(host)
        w.write(port)
        w.bytes.append(contentsOf: encodedMetadata)
        let length = UInt16(clamping: w.bytes.count - messageHeaderSize)
        w.bytes[1] = UInt8(length >> 8)
        w.bytes[2] = UInt8(length & 0xff)
        return w.bytes
    }

    /// Joins already-encoded messages into one datagram.
    public static func datagram(_ encodedMessages: [[UInt8]]) -> [UInt8] {
        precondition(encodedMessages.count <= maxMessagesPerDatagram, "too many messages for one datagram")
        var out: [UInt8] = [version, datagramKind, UInt8(encodedMessages.count)]
        for message in encodedMessages { out.append(contentsOf: message) }
        return out
    }

    public static func decodeDatagram(_ bytes: [UInt8]) throws(DecodeError) -> [GossipMessage] {
        var reader = ByteReader(bytes)
        try readHeader(&reader, kind: datagramKind)
        let count = Int(try reader.readUInt8())
        var messages: [GossipMessage] = []
        messages.reserveCapacity(count)
        for _ in 0..<count {
            let rawType = try reader.readUInt8()
            let length = Int(try reader.readUInt16())
            var body = try reader.subReader(length)
            guard let type = MessageType(rawValue: rawType) else { throw .unknownMessageType(rawType) }
            messages.append(try decodeBody(type, &body))
            try body.expectEnd()
        }
        try reader.expectEnd()
        return messages
    }

    private static func decodeBody(_ type: MessageType, _ r: inout ByteReader) throws(DecodeError) -> GossipMessage {
        switch type {
        case .ping:
            return .ping(sequence: try r.readUInt32(), target: try r.readString(), source: try r.readString())
        case .ack:
            return .ack(sequence: try r.readUInt32(), source: try r.readString())
        case .nack:
            return .nack(sequence: try r.readUInt32())
        case .pingRequest:
            return .pingRequest(
                sequence: try r.readUInt32(),
                target: try r.readString(),
                targetAddress: try r.readAddress(),
                source: try r.readString()
            )
        case .alive:
            return .alive(
                AliveUpdate(
                    name: try r.readName(),
                    incarnation: try r.readUInt64(),
                    address: try r.readAddress(),
                    metadata: try r.readMetadata()
                )
            )
        case .suspect:
            return .suspect(try r.readAccusation())
        case .dead:
            return .dead(try r.readAccusation())
        case .left:
            return .left(name: try r.readName(), incarnation: try r.readUInt64())
        case .state:
            return .state(try r.readStateEntry())
        }
    }

    public static func encode(_ state: PushPullState) -> [UInt8] {
        var w = ByteWriter()
        w.write(version)
        w.write(pushPullKind)
        w.write(UInt8((state.isJoin ? 1 : 0) | (state.isReply ? 2 : 0)))
        w.write(UInt32(state.members.count))
        for entry in state.members {
            w.write(entry.name)
            w.write(entry.address)
            w.write(entry.status.rawValue)
            w.write(entry.incarnation)
            w.write(entry.metadata)
        }
        w.write(UInt32(state.state.count))
        for entry in state.state { w.write(entry) }
        return w.bytes
    }

    public static func decodePushPull(_ bytes: [UInt8]) throws(DecodeError) -> PushPullState {
        var r = ByteReader(bytes)
        try readHeader(&r, kind: pushPullKind)
        let flags = try r.readUInt8()
        guard flags & ~3 == 0 else { throw .invalidValue("push-pull flags") }
        let count = Int(try r.readUInt32())
        guard count <= maxPushPullMembers else { throw .oversized("push-pull member count") }
        var members: [PushPullEntry] = []
        members.reserveCapacity(min(count, 4096))
        for _ in 0..<count {
            let name = try r.readName()
            let address = try r.readAddress()
            let rawStatus = try r.readUInt8()
            guard let status = MemberStatus(rawValue: rawStatus) else { throw .invalidValue("member status") }
            members.append(
                PushPullEntry(
                    name: name,
                    address: address,
                    status: status,
                    incarnation: try r.readUInt64(),
                    metadata: try r.readMetadata()
                )
            )
        }
        let stateCount = Int(try r.readUInt32())
        guard stateCount <= maxStateEntries else { throw .oversized("state entry count") }
        var entries: [StateEntry] = []
        entries.reserveCapacity(min(stateCount, 4096))
        for _ in 0..<stateCount { entries.append(try r.readStateEntry()) }
        try r.expectEnd()
        return PushPullState(isJoin: flags & 1 != 0, isReply: flags & 2 != 0, members: members, state: entries)
    }

    private static func readHeader(_ r: inout ByteReader, kind: UInt8) throws(DecodeError) {
        let v = try r.readUInt8()
        guard v == version else { throw .unknownVersion(v) }
        let k = try r.readUInt8()
        guard k == kind else { throw .unknownKind(k) }
    }
}
