import Primitives

/// Gossip's own values on the shared byte writer: addresses, metadata, state entries and accusations, within the
/// limits `WireFormat` sets.
extension ByteWriter {
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

/// Gossip's own values on the shared byte reader, rejecting (never trapping on) values beyond `WireFormat`'s limits.
extension ByteReader {
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
}
