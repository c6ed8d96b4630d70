import Gossip
import NIOCore
import Primitives

/// Picks an address to advertise when the agent binds every interface, like serf's default.
public enum AdvertiseAddress {
    /// `bind` itself when it is concrete; otherwise the first non-loopback IPv4 address of this host with the bind
    /// port, or nil when there is none.
    public static func choose(for bind: PeerAddress) -> PeerAddress? {
        guard AgentConfiguration.isUnspecifiedHost(bind.host) else { return bind }
        let devices = (try? System.enumerateDevices()) ?? []
        for device in devices {
            guard case .v4 = device.address, let ip = device.address?.ipAddress, !ip.hasPrefix("127.") else {
                continue
            }
            return PeerAddress(host: ip, port: bind.port)
        }
        return nil
    }
}
