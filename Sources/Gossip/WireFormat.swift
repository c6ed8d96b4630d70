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

/// Appends big-endian fields. Shared by every binary encoding in the project.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8] = []

    public init() {}

    public mutating func write(_ value: UInt8) { bytes.append(value) }

    @inlinable
    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func write(_ string: String) {
        let count = min(string.utf8.count, Int(UInt16.max))
        write(UInt16(count))
        if count == string.utf8.count {
            bytes.append(contentsOf: string.utf8)
        } else {
            bytes.append(contentsOf: string.utf8.prefix(count))
        }
    }

    public mutating func write(_ address: PeerAddress) {
        write(address.host)
        write(address.port)
    }

    public mutating func write(_ metadata: NodeMetadata) {
        write(UInt8(clamping: metadata.roles.count))
        for role in metadata.roles.prefix(Int(UInt8.max)) { write(role) }
        let tags = metadata.tags.sorted { $0.key < $1.key }
        write(UInt8(clamping: tags.count))
        for (key, value) in tags.prefix(Int(UInt8.max)) {
            write(key)
            write(value)
        }
    }

    public mutating func write(_ entry: StateEntry) {
        write(entry.key)
        write(entry.version.major)
        write(entry.version.minor)
        write(UInt16(clamping: entry.value.count))
        bytes.append(contentsOf: entry.value.prefix(Int(UInt16.max)))
    }

    public mutating func write(_ accusation: Accusation) {
        write(accusation.name)
        write(accusation.incarnation)
        write(accusation.accuser)
    }
}

/// Reads big-endian fields, throwing (never trapping) on short or malformed input.
public struct ByteReader: Sendable {
    private let bytes: [UInt8]
    private var index: Int
    /// One past the last byte this reader may read (a sub-reader stops at its message's end).
    private let end: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.index = 0
        self.end = bytes.count
    }

    private init(sharing bytes: [UInt8], from start: Int, to end: Int) {
        self.bytes = bytes
        self.index = start
        self.end = end
    }

    public var remaining: Int { end - index }

    /// A reader over the next `count` bytes that shares this reader's storage (no copy), advancing past them.
    public mutating func subReader(_ count: Int) throws(DecodeError) -> ByteReader {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { index += count }
        return ByteReader(sharing: bytes, from: index, to: index + count)
    }

    public mutating func readUInt8() throws(DecodeError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { index += 1 }
        return bytes[index]
    }

    private mutating func readInteger<T: FixedWidthInteger>(_: T.Type) throws(DecodeError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw .truncated }
        var value: T = 0
        for i in 0..<size { value = (value << 8) | T(bytes[index + i]) }
        index += size
        return value
    }

    public mutating func readUInt16() throws(DecodeError) -> UInt16 { try readInteger(UInt16.self) }
    public mutating func readUInt32() throws(DecodeError) -> UInt32 { try readInteger(UInt32.self) }
    public mutating func readUInt64() throws(DecodeError) -> UInt64 { try readInteger(UInt64.self) }

    public mutating func readBytes(_ count: Int) throws(DecodeError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { index += count }
        return Array(bytes[index..<index + count])
    }

    public mutating func readString() throws(DecodeError) -> String {
        let length = Int(try readUInt16())
        guard remaining >= length else { throw .truncated }
        defer { index += length }
        guard let string = String(validating: bytes[index..<index + length], as: UTF8.self) else {
            throw .invalidString
        }
        return string
    }

    /// A member name: non-empty and short.
    public mutating func readName() throws(DecodeError) -> String {
        let name = try readString()
        guard !name.isEmpty else { throw .invalidValue("empty name") }
        guard name.utf8.count <= WireFormat.maxNameBytes else { throw .oversized("name") }
        return name
    }

    public mutating func readAddress() throws(DecodeError) -> PeerAddress {
        let host = try readString()
        let port = try readUInt16()
        guard !host.isEmpty, host.utf8.count <= WireFormat.maxNameBytes, port != 0 else {
            throw .invalidValue("address")
        }
        return PeerAddress(host: host, port: port)
    }

    public mutating func readMetadata() throws(DecodeError) -> NodeMetadata {
        let roleCount = Int(try readUInt8())
        guard roleCount <= WireFormat.maxRoles else { throw .oversized("roles") }
        var roles: [String] = []
        for _ in 0..<roleCount { roles.append(try readName()) }
        let tagCount = Int(try readUInt8())
        guard tagCount <= WireFormat.maxTags else { throw .oversized("tags") }
        var tags: [String: String] = [:]
        for _ in 0..<tagCount {
            let key = try readName()
            let value = try readString()
            guard value.utf8.count <= WireFormat.maxTagBytes else { throw .oversized("tag value") }
            tags[key] = value
        }
        return NodeMetadata(roles: roles, tags: tags)
    }

    public mutating func readStateEntry() throws(DecodeError) -> StateEntry {
        let key = try readName()
        let version = StateVersion(major: try readUInt64(), minor: try readUInt64())
        let length = Int(try readUInt16())
        guard length <= WireFormat.maxStateValueBytes else { throw .oversized("state value") }
        return StateEntry(key: key, version: version, value: try readBytes(length))
    }

    public mutating func readAccusation() throws(DecodeError) -> Accusation {
        Accusation(name: try readName(), incarnation: try readUInt64(), accuser: try readName())
    }

    public func expectEnd() throws(DecodeError) {
        guard remaining == 0 else { throw .trailingBytes(remaining) }
    }
}
