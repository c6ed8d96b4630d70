import PeerRPC

/// The `peer members` table: Name, Address, Status, Roles, Incarnation, Tags.
enum MembersTable {
    static func render(_ members: [MemberView]) -> String {
        var table = TextTable(header: ["Name", "Address", "Status", "Roles", "Incarnation", "Tags"])
        for member in members {
            table.append([
                member.name,
                member.address,
                member.status,
                member.roles.isEmpty ? "-" : member.roles.joined(separator: ","),
                "\(member.incarnation)",
                member.tags.isEmpty
                    ? "-"
                    : member.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
                        .joined(separator: ","),
            ])
        }
        return table.render()
    }
}
